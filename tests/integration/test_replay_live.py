"""Replays the histories the running system just wrote; RECORD_HISTORIES=1 also saves them for tests/workflows."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Replayer

from config.temporal import data_converter
from domain.ids import application_workflow_id, conversation_workflow_id
from tests.integration.conftest import System
from tests.integration.test_id_photo import send_photo
from tests.integration.test_intake import JA_ANSWERS, applications_of, run_intake
from tests.support.emulator import EmulatorDriver
from tests.support.id_cards import Scene, photo
from tests.support.resident import Resident, postback_data
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


async def test_recorded_histories_replay(system: System, temporal_client: Client, emulator: EmulatorDriver) -> None:
    user_id = "U" + "f" * 32
    await emulator.create_resident(user_id, "再生 試験", "ja")
    resident = Resident(emulator, user_id)
    await run_intake(resident, "住民票", JA_ANSWERS)
    # The ID photo stage: a photo to fix, then a good one; then the resident withdraws (photos deleted).
    await send_photo(resident, photo(Scene(blur_sigma=9.0), seed=21))
    await send_photo(resident, photo(Scene(), seed=22))
    await resident.say("状況")
    items = await resident.say("キャンセル")
    if "a=wd" in str(items):
        items = await resident.tap(postback_data(items, "a=wd"))
    await resident.tap(postback_data(items, "a=ok&k=withdraw"))
    [app] = await applications_of(temporal_client, system, user_id)
    assert (
        await temporal_client.get_workflow_handle(application_workflow_id(app.application_id)).result() == "Withdrawn"
    )
    ids = {
        "conversation": conversation_workflow_id(user_id, system.settings.user_id_hash_key),
        "application": application_workflow_id(app.application_id),
    }
    replayer = Replayer(workflows=[ConversationWorkflow, ApplicationWorkflow], data_converter=data_converter())
    for name, workflow_id in ids.items():
        history = await temporal_client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)  # raises on non-determinism
        if os.environ.get("RECORD_HISTORIES") == "1":
            (HISTORIES / f"{name}.json").write_text(history.to_json())
