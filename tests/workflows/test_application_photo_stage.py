"""The ID photo stage of the application workflow, with fake activities (time-skipping for the long timers).

The real activities (LINE content download, Pillow check, encrypted store) are tested in
tests/integration against the emulator; here the receive activity answers what each test scripts.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from catalog import get_catalog
from config.settings import get_settings
from domain.download import download_url
from domain.models import (
    ApplicationInput,
    ConfirmPaymentInput,
    ConfirmPaymentResult,
    DeleteIdPhotosInput,
    DownloadLinkInput,
    IdPhotoRecord,
    IdPhotoSubmitted,
    IssueCertificateInput,
    IssuedCertificateResult,
    MatchRegistryInput,
    ReceivedIdPhoto,
    ReceiveIdPhotoInput,
    RefundPaymentInput,
    RefundPaymentResult,
    RequestedPaymentResult,
    RequestPaymentInput,
    RevokeCertificateInput,
    SendMessagesInput,
    SendMessagesResult,
    SubmittedApplication,
    WithdrawInput,
)
from domain.policy import ApplicationPolicy, ApplicationPolicyInput, application_policy
from tests.support.emulator import quick_replies, texts_of
from worker import workflow_runner
from workflows.application import ApplicationWorkflow

USER = "U" + "0" * 31 + "7"


def report(accepted: bool, *reasons: str, sharpness: float = 100.0) -> dict[str, Any]:
    return {
        "accepted": accepted,
        "reasons": list(reasons),
        "scores": {"sharpness": sharpness},
        "format": "JPEG",
        "width": 1600,
        "height": 1200,
        "phash": "0123456789abcdef",
    }


class FakePhotos:
    """Scripted answers of receive_id_photo by content id; records sends and deletions."""

    def __init__(self) -> None:
        self.answers: dict[str, ReceivedIdPhoto | Exception] = {}
        self.sent: list[SendMessagesInput] = []
        self.deleted: list[DeleteIdPhotosInput] = []
        self.payment_requests: list[RequestPaymentInput] = []
        self.confirms: list[ConfirmPaymentInput] = []
        self.refunds: list[RefundPaymentInput] = []
        self.confirm_answer = ConfirmPaymentResult(outcome="captured")
        self.issued: list[IssueCertificateInput] = []
        self.issue_error: Exception | None = None
        self.issue_gate = asyncio.Event()
        self.issue_gate.set()
        self.revoked: list[RevokeCertificateInput] = []

    def script(self, content_id: str, answer: ReceivedIdPhoto | Exception) -> None:
        self.answers[content_id] = answer

    @activity.defn(name="receive_id_photo")
    async def receive_id_photo(self, inp: ReceiveIdPhotoInput) -> ReceivedIdPhoto:
        answer = self.answers[inp.content_id]
        if isinstance(answer, Exception):
            raise answer
        return answer

    @activity.defn(name="delete_id_photos")
    async def delete_id_photos(self, inp: DeleteIdPhotosInput) -> int:
        self.deleted.append(inp)
        return len(inp.blob_keys)

    @activity.defn(name="match_registry")
    async def match_registry(self, inp: MatchRegistryInput) -> dict[str, Any]:
        return {"kind": "exact", "person_id": "P0000001", "differing": []}

    @activity.defn(name="request_payment")
    async def request_payment(self, inp: RequestPaymentInput) -> RequestedPaymentResult:
        self.payment_requests.append(inp)
        n = len(self.payment_requests)
        return RequestedPaymentResult(transaction_id=f"{2026112700000000000 + n}", payment_url=f"http://pay/{n}")

    @activity.defn(name="confirm_payment")
    async def confirm_payment(self, inp: ConfirmPaymentInput) -> ConfirmPaymentResult:
        self.confirms.append(inp)
        return self.confirm_answer

    @activity.defn(name="refund_payment")
    async def refund_payment(self, inp: RefundPaymentInput) -> RefundPaymentResult:
        self.refunds.append(inp)
        return RefundPaymentResult(refund_transaction_id="R" + inp.transaction_id)

    @activity.defn(name="issue_certificate")
    async def issue_certificate(self, inp: IssueCertificateInput) -> IssuedCertificateResult:
        self.issued.append(inp)
        await self.issue_gate.wait()
        if self.issue_error is not None:
            raise self.issue_error
        return IssuedCertificateResult("CERT" + inp.application_id, "2026-000001", "cert/x.pdf", "cert/x.png", 1)

    @activity.defn(name="revoke_certificate")
    async def revoke_certificate(self, inp: RevokeCertificateInput) -> str:
        self.revoked.append(inp)
        return "2026-11-27T12:00:00+00:00"

    @activity.defn(name="download_link")
    async def download_link(self, inp: DownloadLinkInput) -> str:
        return download_url(inp.public_url, "test-secret", inp.certificate_id, datetime.fromisoformat(inp.expires_at))

    @activity.defn(name="send_messages")
    async def send_messages(self, inp: SendMessagesInput) -> SendMessagesResult:
        self.sent.append(inp)
        return SendMessagesResult(via="reply" if inp.reply_token else "push")

    def words(self, index: int = -1) -> str:
        return "\n".join(texts_of(m) for m in self.sent[index].messages)

    async def wait_sent(self, count: int) -> None:
        for _ in range(500):
            if len(self.sent) >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{len(self.sent)} sends, expected {count}")

    async def wait_for_send(self, needle: str, after: int = 0) -> SendMessagesInput:
        """The first send from index `after` on with `needle` in its messages (words or URLs), waiting for it.

        By what it says, not as the last send: status updates and sends run side by side, and the next
        stage's push may already be out (or this one not yet) when the test looks."""
        for _ in range(500):
            for sent in self.sent[after:]:
                if needle in str(sent.messages):
                    return sent
            await asyncio.sleep(0.01)
        raise AssertionError(f"no send with {needle!r} after #{after}: {[str(s.messages)[:80] for s in self.sent]}")


def checked(n: int, accepted: bool, *reasons: str, sharpness: float = 100.0, dup: list[str] | None = None) -> Any:
    return ReceivedIdPhoto(
        outcome="checked",
        blob_key=f"id-photo/APP/{n}.jpg",
        report=report(accepted, *reasons, sharpness=sharpness),
        duplicate_of=dup or [],
    )


def unreadable() -> ReceivedIdPhoto:
    return ReceivedIdPhoto(outcome="checked", report={**report(False, "unreadable"), "phash": None, "width": 0})


def photo_worker(env: WorkflowEnvironment, fake: FakePhotos, queue: str, **options: Any) -> Worker:
    return Worker(
        env.client,
        task_queue=queue,
        workflows=[ApplicationWorkflow],
        activities=[
            fake.receive_id_photo,
            fake.delete_id_photos,
            fake.send_messages,
            fake.match_registry,
            fake.request_payment,
            fake.confirm_payment,
            fake.refund_payment,
            fake.issue_certificate,
            fake.revoke_certificate,
            fake.download_link,
        ],
        workflow_runner=workflow_runner(),
        **options,
    )


async def start(
    env: WorkflowEnvironment,
    queue: str,
    language: str = "ja",
    procedure: str = "juminhyo",
    answers: dict[str, str] | None = None,
    policy: ApplicationPolicy | None = None,
) -> WorkflowHandle[Any, Any]:
    """Started as the conversation starts it: with the policy the catalog and the settings decide today."""
    app_id = f"T{uuid.uuid4().hex[:4].upper()}-TEST0"
    if policy is None:
        frozen = ApplicationPolicyInput(procedure, language, copies=1, fee_per_copy=300)
        policy = application_policy(frozen, get_catalog().get(procedure), get_settings())
    return await env.client.start_workflow(
        ApplicationWorkflow.run,
        ApplicationInput(
            application=SubmittedApplication(
                application_id=app_id,
                procedure_code=procedure,
                language=language,
                answers=answers or {},
                copies=1,
                fee_per_copy=300,
                fee_total=300,
            ),
            line_user_id=USER,
            resident_workflow_id=f"resident-missing-{uuid.uuid4()}",  # status signals go nowhere: tolerated
            submitted_at="2026-11-27T00:00:00+00:00",
            policy=policy,
        ),
        id=f"application-{app_id}",
        task_queue=queue,
    )


async def photo(handle: WorkflowHandle[Any, Any], n: int) -> None:
    await handle.signal(
        "id_photo", IdPhotoSubmitted(webhook_event_id=f"01EV{n:022d}", content_id=str(n), reply_token=f"{n:032x}")
    )


async def record(handle: WorkflowHandle[Any, Any]) -> IdPhotoRecord:
    return await handle.query("id_photo_record", result_type=IdPhotoRecord)


async def test_a_good_photo_goes_to_review(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.script("1", checked(1, True))
    async with photo_worker(local_env, fake, queue):
        handle = await start(local_env, queue)
        await photo(handle, 1)
        await fake.wait_sent(1)
        assert "受け付けました" in fake.words(0)
        assert fake.sent[0].reply_token == f"{1:032x}", "answered with the photo event's reply token"
        assert await handle.query("status") == "AwaitingReview"
        rec = await record(handle)
        assert rec.chosen == 0 and not rec.needs_attention and len(rec.attempts) == 1
        assert rec.attempts[0].blob_key == "id-photo/APP/1.jpg"


async def test_bad_photos_get_the_reason_then_the_best_goes_to_the_clerk(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.script("1", checked(1, False, "blurry", "glare", sharpness=5))
    fake.script("2", checked(2, False, "glare", sharpness=50))
    fake.script("3", checked(3, False, "too_dark", "blurry", sharpness=80))
    fake.script("4", checked(4, True))
    async with photo_worker(local_env, fake, queue):
        handle = await start(local_env, queue, language="en")
        await photo(handle, 1)
        await fake.wait_sent(1)
        first = fake.sent[0].messages
        assert "could not use this photo" in texts_of(first[0])
        assert "attempt 2 of 3" in texts_of(first[-1])
        assert {a["type"] for a in quick_replies(first[-1])} == {"camera", "cameraRoll"}
        await photo(handle, 2)
        await fake.wait_sent(2)
        assert await handle.query("status") == "AwaitingIdPhoto"
        await photo(handle, 3)
        await fake.wait_sent(3)
        assert "a clerk will look at the clearest one" in fake.words(2)
        assert await handle.query("status") == "AwaitingReview"
        rec = await record(handle)
        assert len(rec.attempts) == 3 and rec.needs_attention
        assert rec.chosen == 1, "the photo with the fewest problems goes to the clerk"
        await photo(handle, 4)  # crossed the status change: answered, not checked
        await fake.wait_sent(4)
        assert "already have the photo" in fake.words(3)
        assert len((await record(handle)).attempts) == 3


async def test_unreadable_files_and_lost_content_do_not_use_up_attempts(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    for n in range(1, 5):
        fake.script(str(n), unreadable())
    fake.script("5", ReceivedIdPhoto(outcome="gone"))
    fake.script("6", checked(6, True, dup=["OTHER-00001"]))
    async with photo_worker(local_env, fake, queue):
        handle = await start(local_env, queue)
        for n in range(1, 6):
            await photo(handle, n)
        await fake.wait_sent(5)
        assert await handle.query("status") == "AwaitingIdPhoto", "no stored photo yet: nothing to hand over"
        assert "もう一度送って" in fake.words(4)
        await photo(handle, 6)
        await fake.wait_sent(6)
        rec = await record(handle)
        assert await handle.query("status") == "AwaitingReview"
        assert rec.chosen == 4 and rec.needs_attention, "a photo used by another resident is flagged, not refused"


async def test_a_failing_check_tells_the_resident_and_keeps_the_stage(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    from temporalio.exceptions import ApplicationError

    fake.script("1", ApplicationError("refused", non_retryable=True))
    fake.script("2", checked(2, True))
    async with photo_worker(local_env, fake, queue):
        handle = await start(local_env, queue)
        await photo(handle, 1)
        await fake.wait_sent(1)
        assert "確認できません" in fake.words(0)
        assert await handle.query("status") == "AwaitingIdPhoto"
        await photo(handle, 2)
        await fake.wait_sent(2)
        assert await handle.query("status") == "AwaitingReview"


async def test_withdrawal_deletes_the_photos_at_once(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.script("1", checked(1, False, "blurry"))
    fake.script("2", checked(2, True))
    async with photo_worker(local_env, fake, queue):
        handle = await start(local_env, queue)
        await photo(handle, 1)
        await photo(handle, 2)
        await fake.wait_sent(2)
        await handle.signal("withdraw", WithdrawInput())
        assert await handle.result() == "Withdrawn"
        assert [d.blob_keys for d in fake.deleted] == [["id-photo/APP/1.jpg", "id-photo/APP/2.jpg"]]
        assert (await record(handle)).photos_deleted


async def test_reminder_expiry_and_retention(skipping_env: WorkflowEnvironment) -> None:
    settings = get_settings()
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.script("1", checked(1, False, "glare"))
    async with photo_worker(skipping_env, fake, queue):
        handle = await start(skipping_env, queue)
        await photo(handle, 1)
        await fake.wait_sent(1)
        await skipping_env.sleep(settings.id_photo_reminder_after - timedelta(minutes=5))
        assert len(fake.sent) == 1, "no reminder before it is due"
        await skipping_env.sleep(timedelta(minutes=10))
        await fake.wait_sent(2)
        assert "まだ届いていません" in fake.words(1) and fake.sent[1].reply_token == ""
        await skipping_env.sleep(settings.id_photo_expire_after - settings.id_photo_reminder_after)
        await fake.wait_sent(3)
        assert "取り消しました" in fake.words(2)
        assert await handle.query("status") == "Expired"
        assert fake.deleted == [], "kept for the retention period after the application ended"
        await skipping_env.sleep(timedelta(days=settings.id_photo_retention_days, minutes=1))
        assert await handle.result() == "Expired"
        assert [d.blob_keys for d in fake.deleted] == [["id-photo/APP/1.jpg"]]


@pytest.mark.parametrize("language", ["ja", "en"])
async def test_expiry_without_any_photo_ends_at_once(skipping_env: WorkflowEnvironment, language: str) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(skipping_env, fake, queue):
        handle = await start(skipping_env, queue, language=language)
        await skipping_env.sleep(get_settings().id_photo_expire_after + timedelta(minutes=1))
        assert await handle.result() == "Expired"
        assert len(fake.sent) == 2 and fake.deleted == []
