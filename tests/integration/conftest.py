"""The whole system on free ports: real Temporal dev server, LINE emulator, API and worker."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright
from temporalio.client import Client

from config import Settings
from config.temporal import connect
from devstack.stack import Stack, free_port, wait_for_worker
from tests.support.emulator import EmulatorDriver


@dataclass
class System:
    stack: Stack
    settings: Settings
    log_dir: Path

    @property
    def emulator_url(self) -> str:
        return f"http://{self.settings.emulator_host}:{self.settings.emulator_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.settings.api_host}:{self.settings.api_port}"


def system_env(tmp: Path) -> dict[str, str]:
    return {
        "PROFILE": "development",
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "TEMPORAL_DB_FILE": str(tmp / "temporal.sqlite"),
        "TEMPORAL_TASK_QUEUE": "madoguchi-it",
        "EMULATOR_PORT": str(free_port()),
        "API_PORT": str(free_port()),
        "BLOB_DIR": str(tmp / "blobs"),
        "PHOTO_INDEX_PATH": str(tmp / "photo_index.sqlite"),
        "REGISTRY_URL": f"sqlite:///{tmp / 'registry.sqlite'}",
        "DATABASE_URL": f"sqlite:///{tmp / 'backoffice.sqlite'}",
        "WORKER_METRICS_PORT": str(free_port()),
        "WORKER_SDK_METRICS_PORT": str(free_port()),
    }


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    tmp = tmp_path_factory.mktemp("system")
    stack = Stack(env=system_env(tmp), log_dir=tmp / "logs", ui=False)
    try:
        stack.start_all()
        yield System(stack=stack, settings=stack.settings, log_dir=tmp / "logs")
    except Exception:
        for log in sorted((tmp / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")  # noqa: T201
        raise
    finally:
        stack.stop()


@pytest.fixture(scope="session")
async def temporal_client(system: System) -> Client:
    client = await connect(system.settings)
    await wait_for_worker(client, system.settings)
    return client


@pytest.fixture
async def emulator(system: System, temporal_client: Client) -> AsyncIterator[EmulatorDriver]:
    driver = EmulatorDriver(system.emulator_url)
    yield driver
    await driver.aclose()


# Debian's Chromium, driven by Playwright (browsers cannot be downloaded here); the flags keep it off the network.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        await launched.close()
