"""Scale-out on one machine: two workers and two API processes against one Temporal dev server; 50
applications from the first message to a mailed certificate, with no duplicate message, charge or
certificate. (A system of its own: the shared one has one worker and one API.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from temporalio.client import Client

from config.temporal import connect
from devstack.stack import Stack, free_port, wait_for_worker
from domain.models import ApplicationView
from tests.integration.conftest import System, system_env
from tests.integration.test_backoffice import api_token, application_in_review
from tests.integration.test_id_photo import wait_status
from tests.integration.test_payment import pay_link, sandbox
from tests.support.emulator import EmulatorDriver, inbox_cursor, texts_of

APPLICATIONS = 50
AT_ONCE = 10


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[System, str]]:
    tmp = tmp_path_factory.mktemp("scaled")
    env = system_env(tmp)
    env["WORKER_METRICS_PORT"] = env["WORKER_SDK_METRICS_PORT"] = "0"
    stack = Stack(env=env, log_dir=tmp / "logs", ui=False)
    try:
        stack.start_all()
        stack.start_worker("worker2")
        second_api = stack.start_extra_api("api2", free_port())
        yield System(stack=stack, settings=stack.settings, log_dir=tmp / "logs"), second_api
    finally:
        stack.stop()


async def test_fifty_applications_on_two_workers_and_two_apis(scaled: tuple[System, str]) -> None:
    system, second_api = scaled
    client: Client = await connect(system.settings)
    await wait_for_worker(client, system.settings)
    emulator = EmulatorDriver(system.emulator_url)
    token = api_token(system)
    apis = [system.api_url, second_api]
    slots = asyncio.Semaphore(AT_ONCE)

    async def one(n: int) -> tuple[str, str, str]:
        async with slots:
            user_id = f"U{n:032x}"
            application_id = await application_in_review(system, client, emulator, user_id, seed=1000 + n)
            cursor = await inbox_cursor(emulator, user_id)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=apis[n % 2], trust_env=False, timeout=60) as http:
                done = await http.post(
                    f"/api/applications/{application_id}/decision", json={"decision": "approve"}, headers=headers
                )
                assert done.status_code == 200, done.text
                tid, _ = await pay_link(emulator, user_id, cursor)
                assert (await sandbox(emulator, f"{tid}/approve"))["status"] == 200
                handle = client.get_workflow_handle(f"application-{application_id}")
                await wait_status(handle, "AwaitingMailing")
                async with httpx.AsyncClient(base_url=apis[(n + 1) % 2], trust_env=False, timeout=60) as other:
                    mailed = await other.post(
                        f"/api/applications/{application_id}/mailed",
                        json={"tracking_number": f"JP-{n:06d}"},
                        headers=headers,
                    )
                    assert mailed.status_code == 200, mailed.text
            await wait_status(handle, "Completed")
            return user_id, application_id, tid

    try:
        results = await asyncio.gather(*(one(n) for n in range(APPLICATIONS)))
        numbers = set()
        for user_id, application_id, tid in results:
            inbox = [texts_of(item["message"]) for item in await emulator.inbox(user_id)]
            for text in ("承認しました", "お支払いを確認しました", "郵送しました"):
                assert sum(text in t for t in inbox) == 1, (user_id, text, inbox)
            transaction = await sandbox(emulator, f"transactions/{tid}")
            assert transaction["captures"] == 1, transaction
            view = await client.get_workflow_handle(f"application-{application_id}").query(
                "view", result_type=ApplicationView
            )
            assert view.status == "Completed" and view.certificate is not None
            numbers.add(view.certificate.number)
        assert len(numbers) == APPLICATIONS, "one certificate number per application, none twice"
        # Both workers checked photos, and both APIs applied decisions and mailings.
        for name, event in (("worker", "id photo checked"), ("worker2", "id photo checked")):
            assert event in (system.log_dir / f"{name}.log").read_text(), name
        for name in ("api", "api2"):
            log = (system.log_dir / f"{name}.log").read_text()
            assert "decision applied" in log and "certificate mailed" in log, name
    finally:
        await emulator.aclose()
