"""Whole intakes through the real stack: emulator -> signed webhook -> API -> Temporal -> worker -> LINE SDK."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from config.temporal import APPLICATION_STATUS, PROCEDURE_CODE, SUBMITTED_AT
from domain.ids import application_workflow_id, conversation_workflow_id
from domain.models import ApplicationSummary
from tests.integration.conftest import System
from tests.support.emulator import EmulatorDriver, Match, any_of, has_postback
from tests.support.resident import Resident, postback_data, words

JA_ANSWERS = ["2", "就職・転職", "世帯全員", "はい", "いいえ", "市川 太郎", "いちかわ　たろう", "平成13年2月3日",
              "千葉県市川市八幡1-1-1", "090-1234-5678"]  # fmt: skip
EN_ANSWERS = ["3", "Bank/loan", "Whole household", "yes", "no", "Alex Smith", "スミス アレックス", "2001/2/3",
              "1-1-1 Yawata, Ichikawa, Chiba", "0471234567"]  # fmt: skip
THANKS = any_of("申請を受け付けました", "your application has been received")
STATUS = any_of("お申し込みの状況", "Your applications")
PERSONAL = ["市川 太郎", "イチカワ タロウ", "2001-02-03", "八幡1-1-1", "090-1234-5678", "Alex Smith", "0471234567"]


async def applications_of(client: Client, system: System, user_id: str) -> list[ApplicationSummary]:
    handle = client.get_workflow_handle(conversation_workflow_id(user_id, system.settings.user_id_hash_key))
    result: list[ApplicationSummary] = await handle.query("applications", result_type=list[ApplicationSummary])
    return result


async def describe_when_started(handle: WorkflowHandle[Any, Any]) -> WorkflowExecutionDescription:
    """The thank-you goes out in the same workflow task that starts the application: allow a moment."""
    for _ in range(100):
        try:
            return await handle.describe()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        await asyncio.sleep(0.05)
    raise AssertionError("the application workflow was not started")


def question(n: int, total: int) -> Match:
    """The intake's n-th question, by its progress mark (【n/total】 in Japanese, [n/total] in English)."""
    return any_of(f"【{n}/{total}】", f"[{n}/{total}]")


async def run_intake(resident: Resident, start: str, answers: list[str]) -> str:
    """Follow, start, answer every question, submit; returns the words of the thank-you.

    Each answer waits for the next question by its number: an answer that was not accepted is asked
    again under the same number, and the wait fails showing it."""
    total = len(answers)
    await resident.follow()
    await resident.say(start, question(1, total))
    for n, answer in enumerate(answers[:-1], 2):
        await resident.say(answer, question(n, total))
    card = await resident.say(answers[-1], has_postback("a=submit"))
    return words(await resident.tap(postback_data(card, "a=submit"), THANKS))


@pytest.mark.parametrize(
    ("user_id", "name", "language", "start", "answers", "fee_text"),
    [
        ("U" + "1" * 32, "市川 花子", "ja", "住民票", JA_ANSWERS, "600"),
        ("U" + "2" * 32, "Alex Smith", "en", "Certificate of residence", EN_ANSWERS, "900"),
    ],
)
async def test_whole_intake_becomes_a_running_application(
    system: System,
    temporal_client: Client,
    emulator: EmulatorDriver,
    user_id: str,
    name: str,
    language: str,
    start: str,
    answers: list[str],
    fee_text: str,
) -> None:
    await emulator.create_resident(user_id, name, language)
    resident = Resident(emulator, user_id)
    thanks = await run_intake(resident, start, answers)

    [app] = await applications_of(temporal_client, system, user_id)
    assert app.application_id in thanks
    assert app.procedure_code == "juminhyo" and app.status == "AwaitingIdPhoto"
    inbox = await emulator.inbox(user_id)
    card = [i for i in inbox if i["message"]["type"] == "flex" and fee_text in str(i["message"])]
    assert card, "the confirmation card shows the fee"
    # Every answer arrived as a free reply, none as a counted push.
    assert {i["via"] for i in inbox} == {"reply"}
    if language == "en":
        assert "application" in thanks.lower()
    else:
        assert "申請" in thanks

    handle = temporal_client.get_workflow_handle(application_workflow_id(app.application_id))
    description = await describe_when_started(handle)
    assert description.status == WorkflowExecutionStatus.RUNNING
    attrs = description.typed_search_attributes
    assert attrs.get(APPLICATION_STATUS) == "AwaitingIdPhoto"
    assert attrs.get(PROCEDURE_CODE) == "juminhyo"
    assert attrs.get(SUBMITTED_AT) is not None
    assert await handle.query("status") == "AwaitingIdPhoto"
    # No personal data in ids, search attributes or memo (stored unencrypted).
    visible = f"{description.id} {description.parent_id} {attrs} {await description.memo()}"
    for secret in [user_id, *PERSONAL]:
        assert secret not in visible

    # The resident can ask for the status.
    status = await resident.say("状況" if language == "ja" else "status", STATUS)
    assert app.application_id in words(status)


async def test_applications_are_listed_by_search_attribute(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "3" * 32
    await emulator.create_resident(user_id, "検索 三郎", "ja")
    await run_intake(Resident(emulator, user_id), "住民票", JA_ANSWERS)
    [app] = await applications_of(temporal_client, system, user_id)
    query = f"ApplicationStatus='AwaitingIdPhoto' AND WorkflowId='{application_workflow_id(app.application_id)}'"
    for _ in range(50):  # visibility is eventually consistent
        found = [w async for w in temporal_client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.2)
    assert len(found) == 1
    assert found[0].typed_search_attributes.get(SearchAttributeKey.for_keyword("ProcedureCode")) == "juminhyo"


async def test_withdraw_a_submitted_application(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "4" * 32
    await emulator.create_resident(user_id, "取下 四郎", "ja")
    resident = Resident(emulator, user_id)
    await run_intake(resident, "住民票", JA_ANSWERS)
    [app] = await applications_of(temporal_client, system, user_id)
    assert app.application_id in words(await resident.withdraw())
    handle = temporal_client.get_workflow_handle(application_workflow_id(app.application_id))
    assert await handle.result() == "Withdrawn"
    [app] = await applications_of(temporal_client, system, user_id)
    assert app.status == "Withdrawn"
