"""A city edits the catalog and the settings while applications run: running ones keep their behaviour.

Two residents apply through the conversation workflow. Between them the worker is replaced by one whose
catalog asks for a JPKI signature instead of an ID photo and whose settings allow one photo attempt
instead of three. Both workers keep no workflow cache, so every task replays the whole history against the
new code and catalog: a decision read from the live catalog would fail with a non-determinism error there.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.policy import PolicyActivities
from catalog import get_catalog
from config.settings import Settings, get_settings
from domain.catalog import Catalog
from domain.ids import application_workflow_id, conversation_workflow_id
from domain.models import ApplicationSummary, ApplicationView, ConversationInput, Inbound, LineEventInput, Profile
from tests.workflows.test_application_photo_stage import FakePhotos, checked
from worker import workflow_runner
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow
from workflows.shared import CONVERSATION_WORKFLOW, LINE_EVENT_SIGNAL

ANSWERS = ["2", "就職・転職", "世帯全員", "はい", "いいえ", "市川 太郎", "いちかわ　たろう", "平成13年2月3日",
           "千葉県市川市八幡1-1-1", "090-1234-5678"]  # fmt: skip


def edited_catalog(catalog: Catalog) -> Catalog:
    juminhyo = catalog.get("juminhyo")
    assert juminhyo is not None and juminhyo.identity_method == "id_photo"
    changed = juminhyo.model_copy(update={"identity_method": "jpki"})
    return catalog.model_copy(update={"procedures": tuple(changed if p is juminhyo else p for p in catalog.procedures)})


def worker(env: WorkflowEnvironment, fake: FakePhotos, queue: str, settings: Settings, catalog: Catalog) -> Worker:
    policy = PolicyActivities(settings, catalog)
    return Worker(
        env.client,
        task_queue=queue,
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        activities=[
            fake.send_messages,
            fake.receive_id_photo,
            fake.delete_id_photos,
            fake.match_registry,
            policy.freeze_application_policy,
        ],
        workflow_runner=workflow_runner(),
        max_cached_workflows=0,
    )


class Resident:
    def __init__(self, env: WorkflowEnvironment, fake: FakePhotos, queue: str, user_id: str) -> None:
        self.env, self.fake, self.queue, self.user_id = env, fake, queue, user_id
        self.events = 0
        self.workflow_id = conversation_workflow_id(user_id, get_settings().user_id_hash_key)

    async def send(self, inbound: Inbound, **extra: Any) -> None:
        self.events += 1
        before = len(self.fake.sent)
        await self.env.client.start_workflow(
            CONVERSATION_WORKFLOW,
            ConversationInput(line_user_id=self.user_id),
            id=self.workflow_id,
            task_queue=self.queue,
            start_signal=LINE_EVENT_SIGNAL,
            start_signal_args=[
                LineEventInput(
                    webhook_event_id=f"01{self.user_id[-6:]}{self.events:018d}",
                    timestamp_ms=1_800_000_000_000 + self.events,
                    line_user_id=self.user_id,
                    inbound=inbound,
                    reply_token=f"{self.events:032x}",
                    **extra,
                )
            ],
        )
        # The first task after the worker is replaced may wait for the server to hand it to the new worker
        # (a task offered to the stopped worker's poll comes back after the workflow task timeout, 10 s).
        for _ in range(3000):
            if len(self.fake.sent) > before:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no answer to event {self.events}")

    async def apply(self) -> ApplicationSummary:
        await self.send(Inbound(kind="follow"), profile=Profile(display_name="テスト", language="ja"))
        for text in ["住民票", *ANSWERS]:
            await self.send(Inbound(kind="text", text=text))
        await self.send(Inbound(kind="postback", data=submit_data(self.fake)))
        handle = self.env.client.get_workflow_handle(self.workflow_id)
        [app] = await handle.query("applications", result_type=list[ApplicationSummary])
        return app


def submit_data(fake: FakePhotos) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "postback" and str(node.get("data", "")).startswith("a=submit"):
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(fake.sent[-1].messages)
    assert found, "the confirmation offers a submit button"
    return found[0]


async def view(env: WorkflowEnvironment, application_id: str) -> ApplicationView:
    handle = env.client.get_workflow_handle(application_workflow_id(application_id))
    for _ in range(200):
        try:
            result: ApplicationView = await handle.query("view", result_type=ApplicationView)
            return result
        except Exception:  # not started yet (the child start completes with the thank-you's task)
            await asyncio.sleep(0.05)
    raise AssertionError("the application did not start")


async def status_becomes(handle: WorkflowHandle[Any, Any], status: str) -> None:
    for _ in range(300):
        if await handle.query("status") == status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"status {await handle.query('status')}, expected {status}")


async def no_failed_tasks(handle: WorkflowHandle[Any, Any]) -> None:
    async for event in handle.fetch_history_events():
        assert event.event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, event


async def test_running_applications_keep_their_policy_after_the_catalog_and_settings_change(
    local_env: WorkflowEnvironment,
) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    before_settings, before_catalog = get_settings(), get_catalog()
    suffix = uuid.uuid4().hex[:8]
    first = Resident(local_env, fake, queue, "U" + "a" * 24 + suffix)
    second = Resident(local_env, fake, queue, "U" + "b" * 24 + suffix)

    async with worker(local_env, fake, queue, before_settings, before_catalog):
        app_a = await first.apply()
    assert app_a.identity_method == "id_photo"

    after_settings = before_settings.model_copy(update={"id_photo_max_attempts": 1})
    async with worker(local_env, fake, queue, after_settings, edited_catalog(before_catalog)):
        app_b = await second.apply()
        view_a, view_b = await view(local_env, app_a.application_id), await view(local_env, app_b.application_id)
        assert view_a.policy is not None and view_b.policy is not None
        assert (view_a.policy.identity_method, view_a.policy.id_photo_max_attempts) == ("id_photo", 3)
        assert (view_b.policy.identity_method, view_b.policy.id_photo_max_attempts) == ("jpki", 1)
        assert app_b.identity_method == "jpki"

        # The first application still takes its ID photo (forwarded by the conversation, which also kept
        # the method frozen at submission) and goes on to review.
        fake.script("photo-a", checked(1, True))
        await first.send(Inbound(kind="image", content_id="photo-a"))
        handle_a = local_env.client.get_workflow_handle(application_workflow_id(app_a.application_id))
        await status_becomes(handle_a, "AwaitingReview")
        # The second was submitted under the new catalog: it asks for no photo, and the conversation keeps it.
        await second.send(Inbound(kind="image", content_id="photo-b"))
        handle_b = local_env.client.get_workflow_handle(application_workflow_id(app_b.application_id))
        assert await handle_b.query("status") == "AwaitingIdPhoto"
        assert (await view(local_env, app_b.application_id)).id_photo.attempts == []

        for handle in (handle_a, handle_b):
            await no_failed_tasks(handle)
            await handle.terminate("test over")
        for resident in (first, second):
            conversation = local_env.client.get_workflow_handle(resident.workflow_id)
            await no_failed_tasks(conversation)
            await conversation.terminate("test over")
