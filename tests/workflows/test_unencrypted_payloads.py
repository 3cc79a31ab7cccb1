"""A production worker refuses payloads that are not encrypted with PAYLOAD_KEYS, without harming the workflow.

Whoever reaches the Temporal frontend could otherwise signal a forged `withdraw` (or `line_event`) in plain JSON.
The refused signal is dropped: the application stays where it was, its history has no failed workflow task, and
the next (encrypted) signal is handled as usual. A forged update is rejected before it is recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowHistory,
    WorkflowUpdateFailedError,
)
from temporalio.converter import default
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from config.codec import REFUSED, EncryptionCodec
from config.keys import Keyring
from config.settings import DEV_PAYLOAD_KEYS, Settings
from config.temporal import data_converter
from domain.models import ApplicationView, WithdrawInput
from tests.unit.test_production_settings import production
from tests.workflows.test_application_payment import until_status
from tests.workflows.test_application_photo_stage import FakePhotos, photo_worker
from tests.workflows.test_application_review import decision, in_review
from tests.workflows.test_replay import HISTORIES
from worker import workflow_runner
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_histories_need_no_plaintext(path: Path) -> None:
    """Everything a worker decodes in a real history (inputs, signals, updates, local activity results, memos,
    continue-as-new) is encrypted: replaying it with the production codec refuses nothing."""
    refusing = dataclasses.replace(
        data_converter(), payload_codec=EncryptionCodec(Keyring.parse(DEV_PAYLOAD_KEYS), accept_plaintext=False)
    )
    before = REFUSED._value.get()
    history = WorkflowHistory.from_json(f"recorded-{path.stem}", path.read_text())
    replayer = Replayer(
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        data_converter=refusing,
        workflow_runner=workflow_runner(),
    )
    await replayer.replay_workflow(history)
    assert REFUSED._value.get() == before


async def handled(handle: WorkflowHandle[Any, Any], signals: int) -> None:
    """Until the worker completed a workflow task after the `signals`-th signal (or the test times out)."""
    for _ in range(300):
        types = [e.event_type async for e in handle.fetch_history_events()]
        seen = [i for i, t in enumerate(types) if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]
        if len(seen) >= signals and EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in types[seen[signals - 1] :]:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the signal was not handled")


async def test_a_production_worker_drops_a_plaintext_signal_and_keeps_the_application(
    local_env: WorkflowEnvironment,
) -> None:
    settings = Settings(**production())
    config = local_env.client.config()
    ours = Client(**{**config, "data_converter": data_converter(settings)})
    forger = Client(**{**config, "data_converter": default()})
    env = cast(WorkflowEnvironment, SimpleNamespace(client=ours))
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(env, fake, queue):
        handle = await in_review(env, fake, queue)
        signals_so_far = 1  # the ID photo

        await forger.get_workflow_handle(handle.id).signal("withdraw", WithdrawInput(reason="forged"))
        await handled(handle, signals_so_far + 1)
        view = await handle.query("view", result_type=ApplicationView)
        assert view.status == "AwaitingReview", "the forged withdrawal must not count"

        with pytest.raises(WorkflowUpdateFailedError):
            await forger.get_workflow_handle(handle.id).execute_update("decide", decision("approve"))
        view = await handle.query("view", result_type=ApplicationView)
        assert view.status == "AwaitingReview" and view.decisions == []

        failed = [
            e async for e in handle.fetch_history_events() if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
        ]
        assert failed == [], "a refused payload must not fail the workflow task (it would fail on every retry)"

        await handle.signal("withdraw", WithdrawInput())
        await until_status(handle, "Withdrawn")


async def test_a_workflow_started_with_plaintext_input_fails_at_once(local_env: WorkflowEnvironment) -> None:
    """Not a workflow task failing forever: the forged run closes, so the id is free again for a real start."""
    config = local_env.client.config()
    ours = Client(**{**config, "data_converter": data_converter(Settings(**production()))})
    forger = Client(**{**config, "data_converter": default()})
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(cast(WorkflowEnvironment, SimpleNamespace(client=ours)), fake, queue):
        forged = await forger.start_workflow(
            "ApplicationWorkflow", {"application": {}}, id=f"application-forged-{uuid.uuid4()}", task_queue=queue
        )
        with pytest.raises(WorkflowFailureError) as failed:
            await asyncio.wait_for(ours.get_workflow_handle(forged.id).result(), timeout=60)
        cause = failed.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "UnencryptedPayload", cause
        assert "unencrypted" in cause.message
        types = [e.event_type async for e in forged.fetch_history_events()]
        assert EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED not in types
