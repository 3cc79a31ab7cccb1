"""The fee payment stage of the application workflow, with fake payment activities."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributeKey
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from config.settings import get_settings
from domain.models import (
    ApplicationView,
    CertificateRecord,
    ConfirmPaymentInput,
    ConfirmPaymentResult,
    DecisionInput,
    MarkMailedInput,
    PaymentRecord,
    PaymentRedirect,
    RefundPaymentInput,
    RefundPaymentResult,
    WithdrawInput,
)
from tests.support.emulator import texts_of
from tests.workflows.test_application_photo_stage import FakePhotos, photo_worker
from tests.workflows.test_application_review import in_review


async def approved(
    env: WorkflowEnvironment, fake: FakePhotos, queue: str, language: str = "ja", **kw: Any
) -> WorkflowHandle[Any, Any]:
    handle = await in_review(env, fake, queue, language=language, **kw)
    await handle.execute_update("decide", DecisionInput("approve", clerk_login="c", clerk_name="C"))
    await fake.wait_for_send("http://pay/1")
    return handle


async def record(handle: WorkflowHandle[Any, Any]) -> PaymentRecord:
    for _ in range(200):
        found = await handle.query("payment", result_type=PaymentRecord | None)
        if found is not None:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError("no payment requested")


async def until_status(handle: WorkflowHandle[Any, Any], status: str) -> None:
    for _ in range(300):
        if await handle.query("status") == status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"status {await handle.query('status')}, expected {status}")


def redirect(rec: PaymentRecord) -> PaymentRedirect:
    return PaymentRedirect(transaction_id=rec.transaction_id, order_id=rec.order_id)


async def test_approval_push_carries_the_pay_card_and_a_double_redirect_captures_once(
    local_env: WorkflowEnvironment,
) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue, language="en")
        push = await fake.wait_for_send("http://pay/1")
        assert push.reply_token == "" and len(push.messages) == 2, "one push: the decision and the card"
        assert "approved" in push.messages[0]["text"] and push.messages[1]["type"] == "flex"
        assert "http://pay/1" in str(push.messages[1]) and "¥300" in str(push.messages[1])
        [request] = fake.payment_requests
        assert request.amount == 300 and request.order_id.endswith("-1") and request.items[0].quantity == 1
        rec = await record(handle)
        await handle.signal("payment_authorized", PaymentRedirect(transaction_id="1", order_id=rec.order_id))
        await handle.signal("payment_authorized", redirect(rec))
        await handle.signal("payment_authorized", redirect(rec))
        await until_status(handle, "Paid")
        assert len(fake.confirms) == 1, "a mismatched redirect is ignored and a repeated one confirms once"
        await fake.wait_for_send("received your payment of ¥300")
        view = await handle.query("view", result_type=ApplicationView)
        assert view.payment is not None and view.payment.state == "captured" and view.payment.captured_at


async def test_cancel_at_the_payment_page_offers_a_new_link(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue)
        await handle.signal("payment_cancelled", redirect(await record(handle)))
        push = await fake.wait_for_send("http://pay/2")
        assert "キャンセルされました" in str(push.messages), "the notice and the new link in one push"
        second = await record(handle)
        assert second.order_id.endswith("-2") and second.state == "requested"
        fake.confirm_answer = ConfirmPaymentResult(outcome="captured", already=True)
        await handle.signal("payment_authorized", redirect(second))
        await until_status(handle, "Paid")


async def test_withdrawing_after_payment_refunds_exactly_once(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.issue_gate.clear()  # the certificate is still being issued when the resident withdraws
    async with photo_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue)
        await handle.signal("payment_authorized", redirect(await record(handle)))
        await until_status(handle, "Paid")
        for _ in range(200):  # the issuing activity has started (and waits at the gate)
            if fake.issued:
                break
            await asyncio.sleep(0.02)
        assert fake.issued, "the certificate stage did not start"
        await handle.signal("withdraw", WithdrawInput())
        await handle.signal("withdraw", WithdrawInput())
        fake.issue_gate.set()
        assert await handle.result() == "Withdrawn"
        assert len(fake.refunds) == 1 and fake.refunds[0].amount == 300
        assert "返金しました" in "\n".join(fake.words(i) for i in range(len(fake.sent)))
        view = await handle.query("view", result_type=ApplicationView)
        assert view.payment is not None and view.payment.state == "refunded"
        # Issued while the resident withdrew, never delivered: revoked in the register, once.
        assert [r.certificate_id for r in fake.revoked] == ["CERT" + view.application_id]
        assert view.certificate is not None and view.certificate.revoked_at
        events = [e.event for e in view.timeline]
        assert (
            events.index("certificate_issued") < events.index("payment_refunded") < events.index("certificate_revoked")
        )
        assert not any("ダウンロード" in fake.words(i) for i in range(len(fake.sent))), "no link was sent"


async def test_withdrawing_before_issuing_revokes_nothing(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue)
        await handle.signal("withdraw", WithdrawInput())
        assert await handle.result() == "Withdrawn"
        assert fake.revoked == [] and fake.issued == []


async def test_a_redirect_the_provider_did_not_authorise_keeps_waiting(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.confirm_answer = ConfirmPaymentResult(outcome="not_authorized")
    async with photo_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue)
        rec = await record(handle)
        await handle.signal("payment_authorized", redirect(rec))
        for _ in range(100):
            if fake.confirms:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert await handle.query("status") == "Approved"
        assert (await record(handle)).state == "requested"


async def test_unpaid_fee_is_reminded_then_the_application_is_cancelled(skipping_env: WorkflowEnvironment) -> None:
    settings = get_settings()
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(skipping_env, fake, queue):
        handle = await in_review(skipping_env, fake, queue)
        await handle.execute_update("decide", DecisionInput("approve", clerk_login="c", clerk_name="C"))
        await fake.wait_for_send("http://pay/1")
        cursor = len(fake.sent)
        await skipping_env.sleep(settings.payment_reminder_after + timedelta(minutes=1))
        await fake.wait_for_send("まだ確認できていません", after=cursor)
        await skipping_env.sleep(settings.payment_expire_after - settings.payment_reminder_after)
        await until_status(handle, "Cancelled")
        await fake.wait_for_send("お支払いの期限を過ぎたため", after=cursor)
        assert fake.confirms == [] and fake.refunds == []
        # Left running, its 30-day photo retention timer would stall time skipping for the next tests.
        await handle.terminate("test over")


async def paid(env: WorkflowEnvironment, fake: FakePhotos, queue: str, **kw: Any) -> WorkflowHandle[Any, Any]:
    handle = await approved(env, fake, queue, **kw)
    await handle.signal("payment_authorized", redirect(await record(handle)))
    return handle


async def test_issuing_that_fails_for_good_refunds_and_cancels(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.issue_error = ApplicationError("members_unmatched", type="CertificateUnavailable", non_retryable=True)
    async with photo_worker(local_env, fake, queue):
        handle = await paid(local_env, fake, queue)
        await until_status(handle, "Cancelled")
        assert len(fake.refunds) == 1
        words = "\n".join(fake.words(i) for i in range(len(fake.sent)))
        assert "発行できませんでした" in words and "返金しました" in words
        await handle.terminate("test over")


async def test_mail_delivery_through_the_print_queue(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await paid(local_env, fake, queue, language="en")
        await until_status(handle, "AwaitingMailing")
        assert fake.issued[0].person_id == "P0000001", "the registry match names the person, not the chat"
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("mark_mailed", MarkMailedInput("no!", clerk_login="c"))
        done = await handle.execute_update(
            "mark_mailed",
            MarkMailedInput("JP-1234-5678", clerk_login="c", clerk_name="C"),
            result_type=CertificateRecord,
        )
        assert done.tracking_number == "JP-1234-5678" and done.mailed_at
        assert await handle.query("status") == "Completed"
        await fake.wait_for_send("Tracking number: JP-1234-5678")
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update("mark_mailed", MarkMailedInput("JP-9999-9999", clerk_login="d"))
        await handle.terminate("test over")


async def test_digital_delivery_sends_a_signed_expiring_link(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with photo_worker(local_env, fake, queue):
        handle = await paid(local_env, fake, queue, procedure="shotoku", answers={"delivery": "digital"})
        await until_status(handle, "Completed")
        link = "\n".join(texts_of(m) for m in (await fake.wait_for_send("/certificates/CERT")).messages)
        assert "/certificates/CERT" in link and "exp=" in link and "sig=" in link
        view = await handle.query("view", result_type=ApplicationView)
        assert view.certificate is not None and view.certificate.delivery == "digital"
        assert view.certificate.link_expires_at
        await handle.terminate("test over")


NEEDS_ATTENTION = SearchAttributeKey.for_bool("NeedsAttention")
PAYMENT_STATUS = SearchAttributeKey.for_keyword("PaymentStatus")


def declined(code: str) -> ApplicationError:
    """What activities/payments.py raises when the provider refuses for good."""
    return ApplicationError(f"declined: {code}", code, type="PaymentDeclined", non_retryable=True)


class FakeMoney(FakePhotos):
    """FakePhotos whose confirm and refund can be refused by the provider."""

    def __init__(self) -> None:
        super().__init__()
        self.confirm_errors: list[Exception] = []
        self.refund_error: Exception | None = None

    @activity.defn(name="confirm_payment")
    async def confirm_payment(self, inp: ConfirmPaymentInput) -> ConfirmPaymentResult:
        self.confirms.append(inp)
        if self.confirm_errors:
            raise self.confirm_errors.pop(0)
        return self.confirm_answer

    @activity.defn(name="refund_payment")
    async def refund_payment(self, inp: RefundPaymentInput) -> RefundPaymentResult:
        self.refunds.append(inp)
        if self.refund_error is not None:
            raise self.refund_error
        return RefundPaymentResult(refund_transaction_id="R" + inp.transaction_id)


def uncached_worker(env: WorkflowEnvironment, fake: FakePhotos, queue: str) -> Worker:
    """Without a workflow cache there is no sticky queue: signals sent while it is stopped reach the workflow
    together, in one workflow task, when the next worker starts."""
    return photo_worker(env, fake, queue, max_cached_workflows=0)


async def wait_for(predicate: Any, what: str) -> None:
    for _ in range(300):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(what)


async def test_confirm_and_cancel_in_one_workflow_task_keep_the_capture_and_refund_it(
    local_env: WorkflowEnvironment,
) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    fake.issue_gate.clear()  # the certificate stage holds, so the withdrawal comes while it is Paid
    async with uncached_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue)
        rec = await record(handle)
    # Two tabs: the resident pays in one and cancels in the other while no worker runs.
    await handle.signal("payment_authorized", redirect(rec))
    await handle.signal("payment_cancelled", redirect(rec))
    async with uncached_worker(local_env, fake, queue):
        await until_status(handle, "Paid")
        await wait_for(lambda: bool(fake.issued), "the certificate stage did not start")
        after = await record(handle)
        assert after.state == "captured", "a cancel handled after the capture must not undo it"
        described = await handle.describe()
        assert described.typed_search_attributes.get(PAYMENT_STATUS) == "Captured"
        await handle.signal("withdraw", WithdrawInput())
        fake.issue_gate.set()
        assert await handle.result() == "Withdrawn"
        view = await handle.query("view", result_type=ApplicationView)  # a query needs a worker
    assert len(fake.confirms) == 1 and len(fake.refunds) == 1 and fake.refunds[0].amount == 300
    assert view.payment is not None and view.payment.state == "refunded"
    assert "payment_cancelled" not in [e.event for e in view.timeline]


async def test_cancel_then_confirm_in_one_workflow_task_offers_a_new_payment(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakePhotos(), str(uuid.uuid4())
    async with uncached_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue)
        rec = await record(handle)
    await handle.signal("payment_cancelled", redirect(rec))
    await handle.signal("payment_authorized", redirect(rec))
    async with uncached_worker(local_env, fake, queue):
        await wait_for(lambda: len(fake.payment_requests) == 2, "no new payment offered after the cancel")
        second = await record(handle)
        assert second.order_id.endswith("-2") and second.state == "requested"
        assert fake.confirms == [], "the confirm of a payment already cancelled is not acted on"
        assert await handle.query("status") == "Approved"
        await handle.terminate("test over")


async def test_a_declined_confirm_tells_the_resident_and_offers_a_new_payment(local_env: WorkflowEnvironment) -> None:
    fake, queue = FakeMoney(), str(uuid.uuid4())
    fake.confirm_errors.append(declined("1153"))
    async with photo_worker(local_env, fake, queue):
        handle = await approved(local_env, fake, queue, language="en")
        first = await record(handle)
        await handle.signal("payment_authorized", redirect(first))
        await wait_for(lambda: len(fake.payment_requests) == 2, "no new payment offered after the decline")
        await fake.wait_sent(3)
        assert "could not be completed" in fake.words(-1) and "http://pay/2" in str(fake.sent[-1].messages)
        second = await record(handle)
        assert second.order_id.endswith("-2") and second.state == "requested"
        assert await handle.query("status") == "Approved"
        view = await handle.query("view", result_type=ApplicationView)
        assert "payment_declined" in [e.event for e in view.timeline]
        await handle.signal("payment_authorized", redirect(second))
        await until_status(handle, "AwaitingMailing")
        assert len(fake.confirms) == 2
        await handle.terminate("test over")


async def test_a_refused_refund_on_withdrawal_needs_attention_and_the_application_still_ends(
    local_env: WorkflowEnvironment,
) -> None:
    fake, queue = FakeMoney(), str(uuid.uuid4())
    fake.refund_error = declined("1155")
    fake.issue_gate.clear()
    async with photo_worker(local_env, fake, queue):
        handle = await paid(local_env, fake, queue, language="en")
        await until_status(handle, "Paid")
        await handle.signal("withdraw", WithdrawInput())
        fake.issue_gate.set()
        assert await handle.result() == "Withdrawn"
        view = await handle.query("view", result_type=ApplicationView)  # a query needs a worker
    assert len(fake.refunds) == 1
    assert fake.deleted, "the photos are deleted at once on withdrawal, refund or not"
    assert view.payment is not None and view.payment.state == "refund_refused"
    assert "refund_refused" in [e.event for e in view.timeline]
    described = await handle.describe()
    assert described.typed_search_attributes.get(NEEDS_ATTENTION) is True
    assert described.typed_search_attributes.get(PAYMENT_STATUS) == "Captured", "the money is still held"
    words = "\n".join(fake.words(i) for i in range(len(fake.sent)))
    assert "refund" in words and "has been refunded" not in words


async def test_a_refused_refund_after_issuing_failed_needs_attention_and_cancels(
    local_env: WorkflowEnvironment,
) -> None:
    fake, queue = FakeMoney(), str(uuid.uuid4())
    fake.refund_error = declined("1155")
    fake.issue_error = ApplicationError("members_unmatched", type="CertificateUnavailable", non_retryable=True)
    async with photo_worker(local_env, fake, queue):
        handle = await paid(local_env, fake, queue)
        await until_status(handle, "Cancelled")
        described = await handle.describe()
        assert described.status == WorkflowExecutionStatus.RUNNING, "it keeps the photos until their retention ends"
        assert described.typed_search_attributes.get(NEEDS_ATTENTION) is True
        view = await handle.query("view", result_type=ApplicationView)
        assert view.payment is not None and view.payment.state == "refund_refused"
        await handle.terminate("test over")
