"""The API and the emulator keep idle connections open longer than their clients' pools do.

httpx drops an idle pooled connection after 5 s, and uvicorn's own default closed it after 5 s too:
a webhook sent on a connection just as the server closed it failed with a ReadError (seen once in
the chat benchmark as a 502 from the emulator). With the servers' keep-alive at HTTP_KEEP_ALIVE_SECONDS
(75 s) the client always lets go first.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.conftest import System

IDLE_S = 6.0  # longer than httpx's pool expiry and uvicorn's default keep-alive (both 5 s)


async def get_twice_on_one_connection(host: str, port: int, path: str) -> tuple[bytes, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    try:
        writer.write(request)
        first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = int(next(h for h in first.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(b":")[1])
        await reader.readexactly(length)
        await asyncio.sleep(IDLE_S)
        writer.write(request)
        second = await asyncio.wait_for(reader.read(4096), 5)  # b"" if the server closed the connection
        return first, second
    finally:
        writer.close()


@pytest.mark.parametrize("server", ["api", "emulator"])
async def test_an_idle_connection_is_still_open_after_six_seconds(system: System, server: str) -> None:
    s = system.settings
    assert s.http_keep_alive_seconds > IDLE_S
    host, port, path = (
        (s.api_host, s.api_port, "/healthz")
        if server == "api"
        else (s.emulator_host, s.emulator_port, "/_emulator/healthz")
    )
    first, second = await get_twice_on_one_connection(host, port, path)
    assert first.startswith(b"HTTP/1.1 200")
    assert second.startswith(b"HTTP/1.1 200"), second[:200]
