"""Hostile and odd input through the whole stack: every message gets a sensible answer, no workflow fails."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from domain.ids import conversation_workflow_id
from tests.integration.conftest import System
from tests.support.emulator import EmulatorDriver
from tests.support.resident import Resident, a_reply

# An application id of the right shape that no intake ever reserved: a forged or stale button.
FORGED_ID = "ZZZZZ-ZZZZZ"

HOSTILE_TEXTS = [
    " ",
    "\u3000",
    "x" * 5000,
    "🙂🙂🙂",
    "👨‍👩‍👧‍👦",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "مرحبا",
    "שלום",
    "\x00\x01\x02",
    "\t\r\n",
    "<script>alert(1)</script>",
    "<b>bold</b> &amp; &lt;",
    "'; DROP TABLE residents; --",
    "1 OR 1=1",
    '{"a": 1}',
    "[]",
    "null",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "%s%s%s%n",
    "../../etc/passwd",
    "三",
    "0",
    "11",
    "-1",
    "1e9",
    "２",
    "ＡＢＣ",
    "ｶﾀｶﾅ",
    f"a=submit&i={FORGED_ID}",
    "戻る",
    "キャンセル",
    "はい",
    "Z̷̢̛a̶l̷g̸o̵",
    "\ufeff",
]
HOSTILE_POSTBACKS = [
    "",
    "=&&=",
    "a=" + "x" * 290,
    "a=start&p=unknown",
    f"a=ans&i={FORGED_ID}&q=copies&v=99",
    "a=submit",
]


async def test_hostile_inputs_in_every_step_get_an_answer_and_break_nothing(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "c" * 32
    await emulator.create_resident(user_id, "耐性 試験", "ja")
    resident = Resident(emulator, user_id)
    await resident.follow()
    # While idle, then inside an intake (on the copies question), then on the name question.
    # What each answer says depends on the input; that there is one, sent as the reply to it, is checked.
    for setup in ([], ["住民票"], ["2", "就職・転職", "世帯全員", "はい", "いいえ"]):
        for text in setup:
            await resident.say(text, a_reply)
        for text in HOSTILE_TEXTS:
            await resident.say(text, a_reply)
        for data in HOSTILE_POSTBACKS:
            await resident.tap(data, a_reply)
    assert all(status == 200 for status in resident.statuses)

    handle = temporal_client.get_workflow_handle(conversation_workflow_id(user_id, system.settings.user_id_hash_key))
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    failures = [
        e.event_type
        async for e in handle.fetch_history_events()
        if e.event_type in (EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
    ]
    assert failures == []
