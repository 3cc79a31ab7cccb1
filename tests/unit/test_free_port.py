"""Ports for the processes the tests and benchmarks start."""

from __future__ import annotations

import socket

from devstack.stack import _ephemeral_low, free_port


def test_ports_are_distinct_bindable_and_outside_the_kernels_ephemeral_range() -> None:
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports), "never the same port twice"
    low = _ephemeral_low()
    if low > 12_000:  # Linux: the kernel's own picks (bind(0), outgoing connections) cannot collide
        assert all(10_000 <= p < low for p in ports), ports
    for port in ports[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # free when handed out
