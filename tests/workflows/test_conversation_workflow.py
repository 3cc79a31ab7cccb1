"""The conversation workflow on Temporal's test servers, with fake LINE activities (time-skipping for timers)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.models import (
    ApplicationSummary,
    ConversationInput,
    GetProfileInput,
    Inbound,
    LineEventInput,
    Profile,
    SendMessagesInput,
    SendMessagesResult,
)
from tests.support.emulator import texts_of
from worker import workflow_runner
from workflows.application import ApplicationWorkflow
from workflows.conversation import ConversationWorkflow
from workflows.shared import LINE_EVENT_SIGNAL

USER = "U" + "0" * 31 + "9"


class FakeLine:
    """Records what the workflow sends, registered under the real activities' names."""

    def __init__(self, language: str = "ja") -> None:
        self.sent: list[SendMessagesInput] = []
        self.language = language
        self.profile_requests = 0

    @activity.defn(name="send_messages")
    async def send_messages(self, inp: SendMessagesInput) -> SendMessagesResult:
        self.sent.append(inp)
        return SendMessagesResult(via="reply" if inp.reply_token else "push")

    @activity.defn(name="get_profile")
    async def get_profile(self, inp: GetProfileInput) -> Profile:
        self.profile_requests += 1
        return Profile(display_name="テスト", language=self.language)

    def words(self, index: int = -1) -> str:
        return "\n".join(texts_of(m) for m in self.sent[index].messages)


def event(kind: str, n: int, **fields: Any) -> LineEventInput:
    return LineEventInput(
        webhook_event_id=f"01EVENT{n:019d}",
        timestamp_ms=1_800_000_000_000 + n,
        line_user_id=USER,
        inbound=Inbound(kind=kind, **fields),
        reply_token=f"{n:032x}",
    )


def fake_line_worker(env: WorkflowEnvironment, line: FakeLine, task_queue: str) -> Worker:
    """A worker configured like worker.py, with the fake LINE activities."""
    return Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ConversationWorkflow, ApplicationWorkflow],
        activities=[line.send_messages, line.get_profile],
        workflow_runner=workflow_runner(),
    )


async def signal(
    client: Client, workflow_id: str, task_queue: str, ev: LineEventInput, inp: ConversationInput | None = None
) -> WorkflowHandle[Any, Any]:
    return await client.start_workflow(
        ConversationWorkflow.run,
        inp or ConversationInput(line_user_id=USER),
        id=workflow_id,
        task_queue=task_queue,
        start_signal=LINE_EVENT_SIGNAL,
        start_signal_args=[ev],
    )


async def wait_sent(line: FakeLine, count: int) -> None:
    for _ in range(400):
        if len(line.sent) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(line.sent)} sends, expected {count}")


async def test_idle_intake_gets_a_reminder_after_24h_and_expires_after_72h(skipping_env: WorkflowEnvironment) -> None:
    line = FakeLine()
    queue = str(uuid.uuid4())
    async with fake_line_worker(skipping_env, line, queue):
        wf_id = f"resident-test-{uuid.uuid4()}"
        handle = await signal(skipping_env.client, wf_id, queue, event("follow", 1))
        await signal(skipping_env.client, wf_id, queue, event("text", 2, text="住民票"))
        await wait_sent(line, 2)
        assert await handle.query("phase") == "asking"

        await skipping_env.sleep(timedelta(hours=23))
        assert len(line.sent) == 2, "no reminder before 24 h"
        await skipping_env.sleep(timedelta(hours=1, minutes=1))
        await wait_sent(line, 3)
        reminder = line.sent[2]
        assert reminder.reply_token == "" and reminder.retry_key, "a reminder is a push with a retry key"
        assert "住民票" in line.words(2)

        await skipping_env.sleep(timedelta(hours=47))
        assert len(line.sent) == 3, "no expiry before 72 h"
        await skipping_env.sleep(timedelta(hours=1, minutes=1))
        await wait_sent(line, 4)
        assert await handle.query("phase") == "idle"
        assert line.sent[3].retry_key != reminder.retry_key


async def test_duplicate_and_out_of_order_events(skipping_env: WorkflowEnvironment) -> None:
    line = FakeLine(language="en")
    queue = str(uuid.uuid4())
    async with fake_line_worker(skipping_env, line, queue):
        wf_id = f"resident-test-{uuid.uuid4()}"
        handle = await signal(skipping_env.client, wf_id, queue, event("follow", 1))
        await wait_sent(line, 1)
        assert "Welcome" in line.words(0) or "thank" in line.words(0).lower()
        for _ in range(3):  # redelivered three times: answered once
            await handle.signal(LINE_EVENT_SIGNAL, event("follow", 1))
        await handle.signal(LINE_EVENT_SIGNAL, event("text", 2, text="help"))
        await wait_sent(line, 2)
        await asyncio.sleep(0.3)
        assert len(line.sent) == 2
        # Each answer goes with its own event's reply token and a retry key unique to the event.
        assert [s.reply_token for s in line.sent] == [f"{1:032x}", f"{2:032x}"]
        assert len({s.retry_key for s in line.sent}) == 2
        assert await handle.query("applications", result_type=list[ApplicationSummary]) == []


async def test_continue_as_new_keeps_the_conversation(skipping_env: WorkflowEnvironment) -> None:
    line = FakeLine()
    queue = str(uuid.uuid4())
    async with fake_line_worker(skipping_env, line, queue):
        wf_id = f"resident-test-{uuid.uuid4()}"
        small_history = ConversationInput(line_user_id=USER, max_history_events=10)
        handle = await signal(skipping_env.client, wf_id, queue, event("follow", 1), small_history)
        await wait_sent(line, 1)
        first_run = (await handle.describe()).run_id
        for n, text in enumerate(["住民票", "2", "就職・転職"], start=2):
            await skipping_env.client.get_workflow_handle(wf_id).signal(LINE_EVENT_SIGNAL, event("text", n, text=text))
            await wait_sent(line, n)
        latest = skipping_env.client.get_workflow_handle(wf_id)
        # The answer goes out inside the workflow task that then continues as new: allow a moment.
        for _ in range(100):
            if (await latest.describe()).run_id != first_run:
                break
            await asyncio.sleep(0.05)
        assert (await latest.describe()).run_id != first_run, "the workflow continued as new"
        # The intake goes on where it was, and old event ids are still recognised.
        assert await latest.query("phase") == "asking"
        await latest.signal(LINE_EVENT_SIGNAL, event("text", 3, text="2"))
        await latest.signal(LINE_EVENT_SIGNAL, event("text", 5, text="世帯全員"))
        await wait_sent(line, 5)
        await asyncio.sleep(0.3)
        assert len(line.sent) == 5, [(s.retry_key[:8], s.reply_token[-2:]) for s in line.sent]
        # The scope answer was taken, so the next question (head of household) is asked.
        assert "世帯主" in line.words(4), line.words(4)


async def test_a_follow_with_the_profile_from_the_webhook_is_greeted_without_fetching_it(
    skipping_env: WorkflowEnvironment,
) -> None:
    line = FakeLine(language="ja")
    queue = str(uuid.uuid4())
    async with fake_line_worker(skipping_env, line, queue):
        with_profile = event("follow", 1)
        with_profile.profile = Profile(display_name="Hanako", language="en")
        first = await signal(skipping_env.client, f"resident-test-{uuid.uuid4()}", queue, with_profile)
        await wait_sent(line, 1)
        assert "Hello Hanako, thank you for adding us" in line.words(0)
        assert line.profile_requests == 0

        # Blocked, renamed on LINE, back: greeted by the new name, in the conversation's language.
        await first.signal(LINE_EVENT_SIGNAL, event("unfollow", 11))
        again = event("follow", 12)
        again.profile = Profile(display_name="Hanako Y", language="ja")
        await first.signal(LINE_EVENT_SIGNAL, again)
        await wait_sent(line, 2)
        assert "Hello Hanako Y" in line.words(1)
        assert line.profile_requests == 0

        # Without it (the API could not fetch it), the workflow fetches the profile itself, once.
        handle = await signal(skipping_env.client, f"resident-test-{uuid.uuid4()}", queue, event("follow", 2))
        await wait_sent(line, 3)
        await handle.signal(LINE_EVENT_SIGNAL, event("text", 3, text="ヘルプ"))
        await wait_sent(line, 4)
        assert "テスト" in line.words(2)
        assert line.profile_requests == 1


class RefusingLine(FakeLine):
    """LINE refuses every message for good (400), and the profile cannot be had at all."""

    @activity.defn(name="send_messages")
    async def send_messages(self, inp: SendMessagesInput) -> SendMessagesResult:
        self.sent.append(inp)
        raise ApplicationError("LINE refused push: 400", type="LineBadRequest", non_retryable=True)

    @activity.defn(name="get_profile")
    async def get_profile(self, inp: GetProfileInput) -> Profile:
        self.profile_requests += 1
        raise ApplicationError("LINE refused the profile request: 403", type="LineBadRequest", non_retryable=True)


async def test_a_refused_message_or_an_unreachable_profile_never_fails_the_conversation(
    skipping_env: WorkflowEnvironment,
) -> None:
    line = RefusingLine()
    queue = str(uuid.uuid4())
    async with fake_line_worker(skipping_env, line, queue):
        # No profile from the webhook: the workflow's own fetch fails for good, then LINE refuses the
        # greeting. Neither may end the resident's conversation.
        handle = await signal(skipping_env.client, f"resident-test-{uuid.uuid4()}", queue, event("follow", 1))
        await wait_sent(line, 1)
        await handle.signal(LINE_EVENT_SIGNAL, event("text", 2, text="住民票"))
        await wait_sent(line, 2)
        assert line.profile_requests == 1
        assert await handle.query("phase") != "", "still answers queries"
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING, description.status
