"""Clerk review in the application workflow: decisions as validated updates, concurrency, deadlines."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from config.settings import get_settings
from domain.models import ApplicationView, Decision, DecisionInput
from domain.reports import RegistryMatch
from tests.support.emulator import quick_replies
from tests.workflows.test_application_photo_stage import FakePhotos, checked, photo, photo_worker, start


async def in_review(env: WorkflowEnvironment, fake: FakePhotos, queue: str, language: str = "ja", **kw):  # type: ignore[no-untyped-def]
    fake.script("1", checked(1, True))
    handle = await start(env, queue, language=language, **kw)
    await photo(handle, 1)
    for _ in range(200):
        if await handle.query("status") == "AwaitingReview":
            view = await handle.query("view", result_type=ApplicationView)
            if view.registry_match is not None:
                return handle
        await asyncio.sleep(0.02)
    raise AssertionError("did not reach review")


def decision(kind: str, reason: str = "", note: str = "", clerk: str = "clerk1") -> DecisionInput:
    return DecisionInput(
        decision=kind, reason_code=reason, reason_text=note, clerk_login=clerk, clerk_name=f"{clerk}様"
    )


async def test_approve_tells_the_resident_and_records_who(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await in_review(local_env, fake, queue, language="en")
        result = await handle.execute_update("decide", decision("approve"), result_type=Decision)
        assert result.clerk_login == "clerk1" and result.decided_at
        assert (await fake.wait_for_send("has been approved")).reply_token == "", "a push"
        view = await handle.query("view", result_type=ApplicationView)
        assert view.status == "Approved" and view.registry_match == RegistryMatch(kind="exact", person_id="P0000001")
        events = [(e.event, e.actor) for e in view.timeline]
        assert ("decided", "clerk1") in events and events[0] == ("submitted", "resident")
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update("decide", decision("reject", "other", "late", clerk="clerk2"))
        assert "decided by clerk1様" in str(failed.value.cause)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (decision("reject"), "a reason is required"),
        (decision("reject", "other"), "needs a note"),
        (decision("request_photo", "no-such-reason"), "a reason is required"),
        (decision("maybe"), "decision must be one of"),
        (DecisionInput(decision="approve"), "clerk is missing"),
    ],
)
async def test_invalid_decisions_are_refused_and_change_nothing(
    local_env: WorkflowEnvironment, bad: DecisionInput, why: str
) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await in_review(local_env, fake, queue)
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update("decide", bad)
        assert why in str(failed.value.cause)
        view = await handle.query("view", result_type=ApplicationView)
        assert view.status == "AwaitingReview" and view.decisions == []


async def test_two_clerks_at_once_exactly_one_wins(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await in_review(local_env, fake, queue)
        results = await asyncio.gather(
            handle.execute_update("decide", decision("approve", clerk="alice"), result_type=Decision),
            handle.execute_update("decide", decision("reject", "duplicate", clerk="bob"), result_type=Decision),
            return_exceptions=True,
        )
        won = [r for r in results if isinstance(r, Decision)]
        lost = [r for r in results if isinstance(r, WorkflowUpdateFailedError)]
        assert len(won) == 1 and len(lost) == 1, results
        cause = lost[0].cause
        assert isinstance(cause, ApplicationError) and cause.type == "NotAwaitingReview"
        assert won[0].clerk_name in str(cause), "the loser sees who decided"
        view = await handle.query("view", result_type=ApplicationView)
        assert len(view.decisions) == 1


async def test_reject_with_reason_and_note(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await in_review(local_env, fake, queue)
        await handle.execute_update("decide", decision("reject", "not_in_registry", "転入届の後に再申請を"))
        rejected = await fake.wait_for_send("住民基本台帳に該当する方が見つかりませんでした")
        assert "転入届の後に再申請を" in str(rejected.messages)
        assert await handle.query("status") == "Rejected"


async def test_request_photo_opens_a_new_round(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    for n in (2, 3, 4):
        fake.script(str(n), checked(n, False, "blurry"))
    async with photo_worker(local_env, fake, queue):
        handle = await in_review(local_env, fake, queue)
        await handle.execute_update("decide", decision("request_photo", "expired_document"))
        push = (await fake.wait_for_send("有効期限が切れていました")).messages
        assert "有効期限が切れていました" in str(push[0])
        assert {a["type"] for a in quick_replies(push[-1])} == {"camera", "cameraRoll"}
        assert await handle.query("status") == "AwaitingIdPhoto"
        for n in (2, 3):
            await photo(handle, n)
        await fake.wait_sent(4)
        assert await handle.query("status") == "AwaitingIdPhoto", "attempts count again from the new round"
        await photo(handle, 4)
        await fake.wait_sent(5)
        view = await handle.query("view", result_type=ApplicationView)
        assert view.status == "AwaitingReview" and view.id_photo.needs_attention
        assert view.id_photo.chosen is not None and view.id_photo.chosen >= 1, "chosen from the new round"


async def test_review_deadline_escalates_and_the_resident_hears_after_days(skipping_env: WorkflowEnvironment) -> None:
    settings = get_settings()
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(skipping_env, fake, queue):
        handle = await in_review(skipping_env, fake, queue)
        view = await handle.query("view", result_type=ApplicationView)
        assert view.review_due_at and not view.escalated
        await skipping_env.sleep(timedelta(days=settings.review_deadline_business_days + 4))  # past any weekend
        view = await handle.query("view", result_type=ApplicationView)
        assert view.escalated and "escalated" in [e.event for e in view.timeline]
        assert settings.review_still_reviewing_after_days <= 5
        assert "still_reviewing_sent" in [e.event for e in view.timeline]
        assert (await fake.wait_for_send("は、現在職員が確認しています")).reply_token == "", "a push"
        await handle.terminate("test over")  # a running workflow's timers would stall time skipping later
