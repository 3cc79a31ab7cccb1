"""Starts the local system: Temporal dev server, LINE emulator, API and worker, as child processes.

Used by `make run` (output to the terminal, prefixed) and by the integration tests (free ports,
a temporary directory, output to log files).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from config import Settings
from config.temporal import connect, ensure_search_attributes, search_attribute_flags

BIN = Path(sys.executable).parent


_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out by itself (Linux; elsewhere 0: no range to avoid)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def free_port() -> int:
    """A port nothing listens on, below the kernel's ephemeral range where it can.

    A port the kernel picked for `bind(0)` goes back into the pool it draws from for every outgoing
    connection and for the Temporal dev server's own unnamed ports (HTTP API, metrics, internal
    services). One benchmark run lost its worker that way: the dev server took the port chosen for
    the worker's SDK metrics. Below that range only we hand ports out, and never the same one twice.
    """
    low = _ephemeral_low()
    if low > 12_000:
        for _ in range(200):
            port = random.randrange(10_000, low)
            if port in _handed_out:
                continue
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _handed_out.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    _handed_out.add(port)
    return port


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def wait_for_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError as err:
            last = err
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout:.0f} s ({last})")


def temporal_command(settings: Settings, *, ui: bool = True) -> list[str]:
    host, _, port = settings.temporal_address.rpartition(":")
    settings.temporal_db_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(BIN / "temporal"), "server", "start-dev",
        "--db-filename", str(settings.temporal_db_file),
        # WAL gave about 2.4x the throughput of SQLite's default file mode on this hardware.
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
        "--ip", host, "--port", port, "--namespace", settings.temporal_namespace,
        "--log-level", "error", *search_attribute_flags(),
        # Lets the worker run an activity it schedules itself without a round trip through the server.
        "--dynamic-config-value", "system.enableActivityEagerExecution=true",
    ]  # fmt: skip
    if ui:
        cmd += ["--ui-port", str(settings.temporal_ui_port), "--ui-disable-news-fetch"]
        if settings.profile == "development":
            # The UI decodes the encrypted payloads through the API (operators read them; the server cannot). The
            # dev server gives its UI an endpoint URL and nothing else (no credentials, no header), so CODEC_TOKEN
            # rides in the path, which only development accepts (api/codec.py). Otherwise the
            # operator sets the endpoint {PUBLIC_BASE_URL}/codec with "include cross-origin credentials" in the
            # UI's Data Encoder settings and signs in to the back office as a supervisor.
            cmd += ["--ui-codec-endpoint", f"{settings.public_url}/codec/{settings.codec_token}"]
    else:
        cmd += ["--headless"]
    return cmd


@dataclass
class Stack:
    """The four processes of the local system, configured by environment variables only."""

    env: dict[str, str]
    log_dir: Path | None = None  # None: stream prefixed output to this terminal
    ui: bool = True
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return Settings(**{k.lower(): v for k, v in self.env.items() if k.lower() in Settings.model_fields})

    def _start(self, name: str, cmd: list[str], extra_env: dict[str, str] | None = None) -> None:
        env = {**os.environ, **self.env, **(extra_env or {}), "PYTHONUNBUFFERED": "1"}
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out: IO[bytes] | int = (self.log_dir / f"{name}.log").open("ab")
        else:
            out = subprocess.PIPE
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = proc
        if self.log_dir is None:
            threading.Thread(target=_relay, args=(name, proc), daemon=True).start()

    def start_temporal(self, timeout: float = 60) -> None:
        s = self.settings
        self._start("temporal", temporal_command(s, ui=self.ui))
        host, _, port = s.temporal_address.rpartition(":")
        wait_for_port(host, int(port), timeout)
        # In a thread of its own: the caller may already run an event loop (tests, benchmarks).
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _register_search_attributes(s, timeout)).result()

    def start_emulator(self, timeout: float = 30) -> None:
        s = self.settings
        self._start("emulator", [sys.executable, "-m", "line_emulator"])
        wait_for_http(f"http://{s.emulator_host}:{s.emulator_port}/_emulator/healthz", timeout)

    def start_api(self, timeout: float = 30) -> None:
        s = self.settings
        self._start("api", [sys.executable, "-m", "api"])
        wait_for_http(f"http://{s.api_host}:{s.api_port}/healthz", timeout)

    def start_worker(
        self, name: str = "worker", extra_env: dict[str, str] | None = None, *, module: str | None = None
    ) -> None:
        """The worker (worker.py), or another worker process run as `python -m module`."""
        self._start(name, [sys.executable, "-m", module] if module else [sys.executable, "worker.py"], extra_env)

    def start_extra_api(self, name: str, port: int, timeout: float = 30) -> str:
        """One more API process on `port` (scale-out); returns its base URL."""
        s = self.settings
        self._start(name, [sys.executable, "-m", "api"], {"API_PORT": str(port)})
        url = f"http://{s.api_host}:{port}"
        wait_for_http(f"{url}/healthz", timeout)
        return url

    def seed_demo(self) -> None:
        """Development data: the demo resident registry and the demo staff accounts (both idempotent)."""
        env = {**os.environ, **self.env}
        for command in ("seed-demo-registry", "seed-demo-staff"):
            done = subprocess.run([sys.executable, "-m", "admin", command], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"python -m admin {command} failed:\n{done.stderr[-2000:]}")

    def start_all(self) -> None:
        self.start_temporal()
        if self.settings.profile == "development":
            self.seed_demo()
        self.start_emulator()
        self.start_api()
        self.start_worker()

    def wait_for_worker(self, timeout: float = 120) -> None:
        """Until the worker polls its task queue: before that, a resident's message waits unanswered."""
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _wait_for_worker(self.settings, timeout)).result()

    def stop(self, name: str | None = None, timeout: float = 15) -> None:
        names = [name] if name else list(reversed(self.processes))
        for n in names:
            proc = self.processes.get(n)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for n in names:
            proc = self.processes.pop(n, None)
            if proc is None:
                continue
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def dead(self) -> list[str]:
        return [n for n, p in self.processes.items() if p.poll() is not None]


async def wait_for_worker(client: Client, settings: Settings, timeout: float = 60) -> None:
    """Until a worker polls the settings' task queue (TimeoutError after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    request = DescribeTaskQueueRequest(
        namespace=settings.temporal_namespace,
        task_queue=TaskQueue(name=settings.temporal_task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    while time.monotonic() < deadline:
        response = await client.workflow_service.describe_task_queue(request)
        if response.pollers:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("no worker polls the task queue")


async def _wait_for_worker(settings: Settings, timeout: float) -> None:
    await wait_for_worker(await connect(settings), settings, timeout)


async def _register_search_attributes(settings: Settings, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            client = await connect(settings)
            await ensure_search_attributes(client, settings.temporal_namespace)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.3)


def _relay(name: str, proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(f"{name:>8} | {line.decode(errors='replace')}")
        sys.stdout.flush()


@contextmanager
def running(stack: Stack) -> Iterator[Stack]:
    try:
        stack.start_all()
        yield stack
    finally:
        stack.stop()
