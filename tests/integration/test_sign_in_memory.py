"""What anonymous clients can make the API process spend: a real API process (argon2-cffi's default
parameters, 64 MiB a hash), its resident memory read from /proc/<pid>/status while clients push.

Needs no Temporal (the API connects lazily) and no emulator. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from devstack.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
CLIENTS = 64
PASSWORD = "memory test passphrase"


@dataclass
class Api:
    process: subprocess.Popen[bytes]
    url: str

    def rss(self) -> int:
        return _status_kib(self.process.pid, "VmRSS") * 1024

    def peak(self) -> int:
        return _status_kib(self.process.pid, "VmHWM") * 1024


def _status_kib(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    assert found, text
    return int(found.group(1))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    tmp = tmp_path_factory.mktemp("sign_in_memory")
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LOGIN_", "PROFILE", "DATABASE_URL"))}
    env = {
        **base,
        "PROFILE": "development",
        "DATABASE_URL": f"sqlite:///{tmp / 'backoffice.sqlite'}",
        "API_HOST": "127.0.0.1",
        "API_PORT": str(port),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "BLOB_DIR": str(tmp / "blobs"),
    }
    create = ["create-staff", "--login", "clerk1", "--name", "窓口 一郎", "--role", "clerk", "--password-stdin"]
    subprocess.run(
        [sys.executable, "-m", "admin", *create],
        input=PASSWORD + "\n",
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    log = (tmp / "api.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "api"], env=env, cwd=ROOT, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (tmp / "api.log").read_text()
            assert time.monotonic() < deadline, "the API did not start"
            time.sleep(0.2)
        yield Api(process=process, url=url)
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


class PeakRss:
    """The API's resident memory sampled every few milliseconds from a thread, for as long as the block runs."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.before = api.rss()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.api.rss())
            time.sleep(0.003)

    @property
    def added(self) -> int:
        return self.peak - self.before

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.api.rss())


@pytest.fixture
async def browsers(api: Api) -> AsyncIterator[list[httpx.AsyncClient]]:
    clients = [httpx.AsyncClient(base_url=api.url, trust_env=False, timeout=60) for _ in range(CLIENTS)]
    yield clients
    for client in clients:
        await client.aclose()


async def attempt(client: httpx.AsyncClient, login: str, address: str) -> int:
    """One sign-in with a wrong password, from `address` (the API trusts X-Forwarded-For from 127.0.0.1 only,
    as uvicorn does by default)."""
    headers = {"X-Forwarded-For": address}
    page = await client.get("/staff/sign-in", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:300]
    data = {"login": login, "password": "not the password", "csrf_token": token.group(1)}
    response = await client.post("/staff/sign-in", data=data, headers=headers)
    return response.status_code


async def burst(api: Api, browsers: list[httpx.AsyncClient], addresses: list[str]) -> tuple[int, list[int]]:
    """All clients at once; the process's peak resident memory above what it held before, and the answers."""
    # One attempt before measuring: the dummy hash for unknown logins is made on first use.
    await attempt(browsers[0], "warm-up", "198.51.100.250")
    await asyncio.sleep(0.5)
    with PeakRss(api) as rss:
        statuses = await asyncio.gather(
            *(attempt(b, f"nobody{i}", a) for i, (b, a) in enumerate(zip(browsers, addresses, strict=True)))
        )
    return rss.added, sorted(statuses)


async def test_64_concurrent_anonymous_sign_ins_from_as_many_addresses_add_under_100_mb(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    added, statuses = await burst(api, browsers, [f"10.1.{i // 200}.{i % 200 + 1}" for i in range(CLIENTS)])
    print(f"\n64 concurrent anonymous sign-ins, 64 addresses: +{added / MIB:.1f} MiB resident at the peak")  # noqa: T201
    print(f"answers: {dict((s, statuses.count(s)) for s in set(statuses))}")  # noqa: T201
    assert set(statuses) <= {401, 503}, statuses
    assert added < 100 * MIB


async def test_64_concurrent_sign_ins_from_one_address_hash_at_most_its_budget(
    api: Api, browsers: list[httpx.AsyncClient]
) -> None:
    added, statuses = await burst(api, browsers, ["192.0.2.33"] * CLIENTS)
    print(f"\n64 concurrent anonymous sign-ins, one address: +{added / MIB:.1f} MiB resident at the peak")  # noqa: T201
    assert statuses.count(401) == 10  # LOGIN_ADDRESS_ATTEMPTS
    assert statuses.count(429) == CLIENTS - 10
    assert added < 100 * MIB


def hundred_megabytes() -> Iterator[bytes]:
    chunk = b" " * MIB
    for _ in range(100):
        yield chunk


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("credentials", ["none", "bad bearer token"])
def test_a_100_mb_anonymous_post_costs_next_to_nothing(api: Api, announced: bool, credentials: str) -> None:
    headers = {"Content-Type": "application/json"}
    if credentials != "none":
        headers["Authorization"] = "Bearer mdg_not-a-token"
    if announced:
        headers["Content-Length"] = str(100 * MIB)
    started = time.monotonic()
    with PeakRss(api) as rss:
        try:
            with httpx.Client(base_url=api.url, trust_env=False, timeout=30) as http:
                path = "/api/applications/ABCDE-FGHJK/decision"
                response = http.post(path, content=hundred_megabytes(), headers=headers)
            status: int | str = response.status_code
        except httpx.TransportError as err:  # the server answered and closed while the client was still sending
            status = type(err).__name__
    added = rss.added
    print(f"\n100 MB POST ({credentials}, {'announced' if announced else 'chunked'}): {status}, +{added / MIB:.1f} MiB")  # noqa: T201
    assert status in (401, 413, "WriteError", "RemoteProtocolError", "ReadError"), status
    assert added < 10 * MIB
    assert time.monotonic() - started < 20
