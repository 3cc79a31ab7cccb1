"""Replays the histories the running system just wrote; RECORD_HISTORIES=1 also saves them for tests/workflows."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from temporalio.client import Client
from temporalio.worker import Replayer

from config.temporal import data_converter
from domain.ids import application_workflow_id, conversation_workflow_id
from tests.integration.conftest import System
from tests.integration.test_backoffice import api_token, application_in_review
from tests.integration.test_id_photo import PHOTO_ACCEPTED, PHOTO_RETRY, send_photo, wait_status
from tests.integration.test_intake import JA_ANSWERS, STATUS, applications_of, run_intake
from tests.integration.test_payment import approve, pay_link, sandbox
from tests.support.emulator import EmulatorDriver, inbox_cursor
from tests.support.id_cards import Scene, photo
from tests.support.resident import Resident
from worker import workflow_runner
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


async def test_recorded_histories_replay(system: System, temporal_client: Client, emulator: EmulatorDriver) -> None:
    user_id = "U" + "f" * 32
    await emulator.create_resident(user_id, "再生 試験", "ja")
    resident = Resident(emulator, user_id)
    await run_intake(resident, "住民票", JA_ANSWERS)
    # The ID photo stage: a photo to fix, then a good one; then the resident withdraws (photos deleted).
    await send_photo(resident, photo(Scene(blur_sigma=9.0), seed=21), PHOTO_RETRY)
    await send_photo(resident, photo(Scene(), seed=22), PHOTO_ACCEPTED)
    await resident.say("状況", STATUS)
    await resident.withdraw()
    [app] = await applications_of(temporal_client, system, user_id)
    assert (
        await temporal_client.get_workflow_handle(application_workflow_id(app.application_id)).result() == "Withdrawn"
    )
    ids = {
        "conversation": conversation_workflow_id(user_id, system.settings.user_id_hash_key),
        "application": application_workflow_id(app.application_id),
    }
    replayer = Replayer(
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        data_converter=data_converter(),
        workflow_runner=workflow_runner(),  # as the worker runs them
    )
    for name, workflow_id in ids.items():
        history = await temporal_client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)  # raises on non-determinism
        if os.environ.get("RECORD_HISTORIES") == "1":
            (HISTORIES / f"{name}.json").write_text(history.to_json())


async def test_recorded_completed_application_replays(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    """The whole path of an application: photo, review, payment, certificate, mailing (every stage's code)."""
    user_id = "U" + "fe" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=81)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    tid, _ = await pay_link(emulator, user_id, cursor)
    await sandbox(emulator, f"{tid}/approve")
    handle = temporal_client.get_workflow_handle(application_workflow_id(application_id))
    await wait_status(handle, "AwaitingMailing")
    headers = {"Authorization": f"Bearer {api_token(system)}"}
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        mailed = await http.post(
            f"/api/applications/{application_id}/mailed", json={"tracking_number": "JP-REPLAY-1"}, headers=headers
        )
        assert mailed.status_code == 200, mailed.text
    await wait_status(handle, "Completed")
    history = await handle.fetch_history()
    replayer = Replayer(
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        data_converter=data_converter(),
        workflow_runner=workflow_runner(),  # as the worker runs them
    )
    await replayer.replay_workflow(history)
    if os.environ.get("RECORD_HISTORIES") == "1":
        (HISTORIES / "application_completed.json").write_text(history.to_json())
