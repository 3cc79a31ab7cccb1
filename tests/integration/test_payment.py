"""The fee payment end to end: clerk approval -> pay card in LINE -> LINE Pay sandbox -> confirm redirect
to the API -> the workflow confirms exactly once; cancel and re-offer; refund on withdrawal; faults."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from config.temporal import NEEDS_ATTENTION, PAYMENT_STATUS
from devstack.stack import wait_for_worker
from domain.models import ApplicationView
from tests.integration.conftest import System
from tests.integration.test_backoffice import api_token, application_in_review, sign_in
from tests.integration.test_id_photo import send_photo, wait_status
from tests.integration.test_intake import STATUS, applications_of, run_intake
from tests.support.emulator import EmulatorDriver, inbox_cursor, wait_for_message, wait_for_messages
from tests.support.id_cards import Scene, photo
from tests.support.resident import Resident, words

# A resident the registry does not know: the clerk may approve, but no certificate can be issued from the registry.
UNREGISTERED_ANSWERS = ["1", "就職・転職", "世帯全員", "はい", "いいえ", "上野 次郎", "うえの　じろう", "平成2年5月6日",
                        "千葉県市川市南八幡9-9-9", "090-9876-5432"]  # fmt: skip
ALL_ENDPOINTS = ["request", "confirm", "refund", "check", "details"]


async def approve(system: System, application_id: str) -> None:
    headers = {"Authorization": f"Bearer {api_token(system)}"}
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        done = await http.post(
            f"/api/applications/{application_id}/decision", json={"decision": "approve"}, headers=headers
        )
        assert done.status_code == 200, done.text


def pay_card(entry: dict[str, Any]) -> bool:
    """a LINE Pay card"""
    return entry["message"]["type"] == "flex" and "/linepay/pay/" in str(entry["message"])


def transaction_of(card: dict[str, Any]) -> str:
    found = re.search(r"/linepay/pay/(\d{19})", str(card["message"]))
    assert found, card
    return found.group(1)


async def pay_link(emulator: EmulatorDriver, user_id: str, after: int) -> tuple[str, dict[str, Any]]:
    """The transaction id and the inbox entry of the first pay card at inbox index `after` or later."""
    card = await wait_for_message(emulator, user_id, pay_card, after=after, timeout=60)
    return transaction_of(card), card


async def sandbox(emulator: EmulatorDriver, path: str, **body: Any) -> dict[str, Any]:
    if body or path.endswith(("approve", "cancel", "faults", "reset")):
        r = await emulator.http.post(f"/_emulator/linepay/{path}", json=body or None)
    else:
        r = await emulator.http.get(f"/_emulator/linepay/{path}")
    r.raise_for_status()
    result: dict[str, Any] = r.json()
    return result


async def test_approve_pay_and_confirm_exactly_once(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "c3" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=51)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    tid, card = await pay_link(emulator, user_id, cursor)
    approved = await wait_for_message(emulator, user_id, "承認しました", after=cursor)
    one_push = approved["via"] == card["via"] == "push" and approved["at"] == card["at"]
    assert one_push, "approval and card in one push"
    assert "600円" in str(card["message"]), "2 copies x 300 yen"

    # The resident presses "pay": the sandbox sends the browser to our confirmUrl.
    cursor = await inbox_cursor(emulator, user_id)
    redirect = await sandbox(emulator, f"{tid}/approve")
    assert redirect["status"] == 200, redirect
    handle = temporal_client.get_workflow_handle(f"application-{application_id}")
    await wait_status(handle, "Paid")
    # The browser comes back a second time (reload): a friendly page, nothing charged again.
    async with httpx.AsyncClient(trust_env=False) as http:
        again = await http.get(redirect["location"])
        assert again.status_code == 200 and "受け付けました" in again.text
        forged = await http.get(
            f"{system.api_url}/payments/linepay/confirm?transactionId=1234&orderId=MDG-{application_id}-1"
        )
        assert forged.status_code == 400
        nonsense = await http.get(f"{system.api_url}/payments/linepay/confirm?transactionId=x&orderId=hello")
        assert nonsense.status_code == 400
    transaction = await sandbox(emulator, f"transactions/{tid}")
    assert transaction["state"] == "captured" and transaction["captures"] == 1, transaction
    await wait_for_message(emulator, user_id, "お支払いを確認しました", after=cursor)
    # The certificate stage starts at once and pushes its own news, maybe while this status is asked.
    status = await Resident(emulator, user_id).say("状況", STATUS)
    assert "お支払い：600円（お支払い済み）" in words(status)


async def test_cancel_then_pay_with_a_confirm_that_times_out_after_capturing(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "d4" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=52)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    first, _ = await pay_link(emulator, user_id, cursor)
    cursor = await inbox_cursor(emulator, user_id)
    cancelled = await sandbox(emulator, f"{first}/cancel")
    assert cancelled["status"] == 200
    notice, card = await wait_for_messages(
        emulator, user_id, "キャンセルされました", pay_card, after=cursor, timeout=60
    )
    second = transaction_of(card)
    assert second != first, "a new payment is offered after a cancel"
    assert notice["at"] == card["at"], "the notice and the new card in one push"

    # The sandbox captures, then answers 500 (the answer is lost): the retry must not charge twice.
    await sandbox(emulator, "faults", rate=1.0, statuses=[500], endpoints=["confirm"], after_commit=True, count=1)
    cursor = await inbox_cursor(emulator, user_id)
    try:
        assert (await sandbox(emulator, f"{second}/approve"))["status"] == 200
        handle = temporal_client.get_workflow_handle(f"application-{application_id}")
        await wait_status(handle, "Paid")
    finally:
        await sandbox(emulator, "faults", rate=0.0, after_commit=False)
    transaction = await sandbox(emulator, f"transactions/{second}")
    assert transaction["captures"] == 1, transaction
    await wait_for_message(emulator, user_id, "お支払いを確認しました", after=cursor)

    # Withdrawing now gives the money back, exactly once.
    cursor = await inbox_cursor(emulator, user_id)
    await Resident(emulator, user_id).withdraw()
    assert await handle.result() == "Withdrawn"
    transaction = await sandbox(emulator, f"transactions/{second}")
    assert transaction["state"] == "refunded" and len(transaction["refunds"]) == 1, transaction
    await wait_for_message(emulator, user_id, "返金しました", after=cursor)


async def test_worker_killed_while_confirming_charges_once(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    """The worker dies after sending confirm and before recording the answer; the sandbox captures anyway.
    The retried activity (heartbeat timeout) finds the payment captured and does not confirm again."""
    user_id = "U" + "f6" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=53)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    tid, _ = await pay_link(emulator, user_id, cursor)
    await sandbox(emulator, "faults", rate=0.0, latency_ms=4000, endpoints=["confirm"])
    try:
        assert (await sandbox(emulator, f"{tid}/approve"))["status"] == 200
        await asyncio.sleep(1.5)  # the confirm request is now held by the sandbox's latency
        worker = system.stack.processes.pop("worker")
        worker.kill()  # no graceful shutdown: a crash
        worker.wait()
    finally:
        await sandbox(emulator, "faults", latency_ms=0, endpoints=["request", "confirm", "refund", "check", "details"])
        system.stack.start_worker()
    await wait_for_worker(temporal_client, system.settings)
    handle = temporal_client.get_workflow_handle(f"application-{application_id}")
    for _ in range(300):
        if await handle.query("status") in ("Paid", "AwaitingMailing", "Completed"):
            break
        await asyncio.sleep(0.1)
    transaction = await sandbox(emulator, f"transactions/{tid}")
    assert transaction["captures"] == 1 and transaction["confirmCalls"] == 1, transaction
    history = await handle.fetch_history()
    confirm_ids = {
        e.event_id
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "confirm_payment"
    }
    attempts = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
        and e.activity_task_started_event_attributes.scheduled_event_id in confirm_ids
    ]
    assert attempts and max(attempts) >= 2, "the first confirm attempt died with the worker"


async def test_a_refund_the_provider_refuses_ends_the_application_and_needs_attention(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "d9" * 16
    await emulator.create_resident(user_id, "上野 次郎", "ja")
    resident = Resident(emulator, user_id)
    await run_intake(resident, "住民票", UNREGISTERED_ANSWERS)
    [app] = await applications_of(temporal_client, system, user_id)
    await send_photo(resident, photo(Scene(), seed=54))
    handle = temporal_client.get_workflow_handle(f"application-{app.application_id}")
    await wait_status(handle, "AwaitingReview")
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, app.application_id)
    tid, _ = await pay_link(emulator, user_id, cursor)

    # The provider refuses every refund for good (1155: not refundable); payment itself works.
    await sandbox(emulator, "faults", rate=1.0, return_codes=["1155"], endpoints=["refund"], count=None)
    try:
        assert (await sandbox(emulator, f"{tid}/approve"))["status"] == 200
        # Paid, then the certificate cannot be issued (no registry record): the refund is refused.
        await wait_status(handle, "Cancelled", timeout=60)
    finally:
        await sandbox(emulator, "faults", rate=0.0, return_codes=[], endpoints=ALL_ENDPOINTS)
    transaction = await sandbox(emulator, f"transactions/{tid}")
    assert transaction["state"] == "captured" and transaction["refunds"] == [], transaction

    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING, "it ends on its schedule, not as failed"
    assert description.typed_search_attributes.get(NEEDS_ATTENTION) is True
    assert description.typed_search_attributes.get(PAYMENT_STATUS) == "Captured", "the city still holds the money"
    view = await handle.query("view", result_type=ApplicationView)
    assert view.payment is not None and view.payment.state == "refund_refused"
    assert "refund_refused" in [e.event for e in view.timeline]
    await wait_for_message(emulator, user_id, "自動では完了できませんでした", after=cursor)
    await wait_for_message(emulator, user_id, "発行できませんでした", after=cursor)
    told = words((await emulator.inbox(user_id))[cursor:])
    assert "返金しました" not in told, told

    # The supervisor's overdue view lists it, labelled (visibility is eventually consistent).
    async with httpx.AsyncClient(base_url=system.api_url, trust_env=False, timeout=30) as http:
        await sign_in(http, "supervisor")
        for _ in range(100):
            page = (await http.get("/staff/supervisor")).text
            if app.application_id in page:
                break
            await asyncio.sleep(0.1)
        assert app.application_id in page
        row = page.split(app.application_id, 2)[-1].split("</tr>", 1)[0]
        assert "badge--refund" in row and "返金要対応" in row and "取消し" in row, row
        assert "上野" not in page, "no personal data in the list"
    await handle.terminate("test over")


async def test_a_declined_confirm_offers_a_new_payment(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "a7" * 16
    application_id = await application_in_review(system, temporal_client, emulator, user_id, seed=55)
    cursor = await inbox_cursor(emulator, user_id)
    await approve(system, application_id)
    first, _ = await pay_link(emulator, user_id, cursor)
    # The provider refuses the capture once, for good (1153: amount or currency mismatch).
    await sandbox(emulator, "faults", rate=1.0, return_codes=["1153"], endpoints=["confirm"], count=1)
    try:
        declined_at = await inbox_cursor(emulator, user_id)
        assert (await sandbox(emulator, f"{first}/approve"))["status"] == 200
        await wait_for_message(emulator, user_id, "お支払いを完了できませんでした", after=declined_at)
        second, _ = await pay_link(emulator, user_id, declined_at)
    finally:
        await sandbox(emulator, "faults", rate=0.0, return_codes=[], endpoints=ALL_ENDPOINTS, count=None)
    assert second != first
    handle = temporal_client.get_workflow_handle(f"application-{application_id}")
    assert await handle.query("status") == "Approved"
    assert (await sandbox(emulator, f"{second}/approve"))["status"] == 200
    await wait_status(handle, "Paid")
    assert (await sandbox(emulator, f"transactions/{first}"))["captures"] == 0
    assert (await sandbox(emulator, f"transactions/{second}"))["captures"] == 1
