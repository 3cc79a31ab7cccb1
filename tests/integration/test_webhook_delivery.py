"""LINE's delivery quirks against the real stack: redelivery, signatures, several users, odd events."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from domain.ids import conversation_workflow_id
from tests.integration.conftest import System
from tests.integration.test_intake import question
from tests.support.emulator import EmulatorDriver, inbox_cursor, wait_for_message, wait_for_messages
from tests.support.resident import GREETING, Resident, a_reply, postback_data, words


async def settle(driver: EmulatorDriver, user_id: str, seconds: float = 1.0) -> int:
    await asyncio.sleep(seconds)
    return len(await driver.inbox(user_id))


async def test_every_event_delivered_twice_gets_one_answer(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "5" * 32
    await emulator.create_resident(user_id, "重複 五郎", "ja")
    resident = Resident(emulator, user_id)
    sent = []
    answer: list[dict[str, Any]] = []
    steps = (("follow", GREETING), ("text", question(1, 10)), ("postback", question(2, 10)), ("text2", question(3, 10)))
    for step, expect in steps:
        cursor = await inbox_cursor(emulator, user_id)
        if step == "follow":
            result = await emulator.follow(user_id)
        elif step == "text":
            result = await emulator.text(user_id, "住民票")
        elif step == "postback":
            result = await emulator.postback(user_id, postback_data(answer, "a=ans"))
        else:
            result = await emulator.text(user_id, "就職・転職")
        assert result["status"] == 200
        answer = [await wait_for_message(emulator, user_id, expect, after=cursor)]
        answered = await settle(emulator, user_id, 0.3)
        again = await emulator.redeliver(result["webhookEventId"])
        assert again["status"] == 200  # acknowledged, so LINE stops redelivering
        assert await settle(emulator, user_id) == answered, f"{step} was answered twice"
        sent.append(result["webhookEventId"])
    assert resident.user_id == user_id and len(set(sent)) == 4


async def test_same_event_in_one_webhook_twice_and_out_of_order(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "6" * 32
    await emulator.create_resident(user_id, "順序 六子", "en")
    await Resident(emulator, user_id).follow()
    base = 1_800_000_000_000
    events = [
        {"type": "message", "timestamp": base + 2, "source": {"type": "user", "userId": user_id},
         "message": {"type": "text", "text": "help"}},
        {"type": "message", "timestamp": base + 1, "source": {"type": "user", "userId": user_id},
         "message": {"type": "text", "text": "日本語"}},
    ]  # fmt: skip
    cursor = await inbox_cursor(emulator, user_id)
    result = await emulator.webhook(events)
    assert result["status"] == 200
    # Handled in timestamp order: the language switch first, so the help answer is in Japanese.
    await wait_for_messages(emulator, user_id, "日本語でご案内します", "【使い方】", after=cursor)
    # A webhook event id seen before is dropped, even inside a new webhook.
    replay = dict(result["events"][0])
    replay["deliveryContext"] = {"isRedelivery": True}
    count = await settle(emulator, user_id, 0.5)
    assert (await emulator.webhook([replay]))["status"] == 200
    assert await settle(emulator, user_id) == count


async def test_wrong_missing_signature_and_malformed_body_are_refused(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "7" * 32
    await emulator.create_resident(user_id, "署名 七郎", "ja")
    text = {"type": "message", "source": {"type": "user", "userId": user_id}, "message": {"type": "text", "text": "hi"}}
    assert (await emulator.webhook([text], signature="wrong"))["status"] == 400
    assert (await emulator.webhook([text], signature="missing"))["status"] == 400
    malformed = await emulator.raw_webhook('{"destination": "U1", "events": [', signature="valid")
    assert malformed["status"] == 400 and "malformed" in malformed["body"]
    assert (await emulator.raw_webhook('{"destination":"U1","events":[]}'))["status"] == 200
    # Nothing was started for the refused events.
    handle = temporal_client.get_workflow_handle(conversation_workflow_id(user_id, system.settings.user_id_hash_key))
    try:
        await handle.describe()
        raise AssertionError("a refused webhook started a workflow")
    except Exception as err:  # RPCError not found
        assert "not found" in str(err).lower()


async def test_one_webhook_with_several_users_and_odd_events(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    a, b = "U" + "8" * 32, "U" + "9" * 32
    await emulator.create_resident(a, "複数 八郎", "ja")
    await emulator.create_resident(b, "Multi Nine", "en")
    group = "C" + "a" * 32
    events = [
        {"type": "message", "source": {"type": "user", "userId": a}, "message": {"type": "text", "text": "メニュー"}},
        {"type": "message", "source": {"type": "user", "userId": b},
         "message": {"type": "sticker", "packageId": "446", "stickerId": "1988"}},
        {"type": "message", "source": {"type": "group", "groupId": group, "userId": a},
         "message": {"type": "text", "text": "group chatter"}},
        {"type": "message", "mode": "standby", "source": {"type": "user", "userId": b},
         "message": {"type": "text", "text": "standby"}},
        {"type": "unsend", "source": {"type": "user", "userId": a}, "unsend": {"messageId": "1"}},
        {"type": "join", "source": {"type": "group", "groupId": group}},
        {"type": "message", "source": {"type": "user", "userId": a},
         "message": {"type": "location", "title": "x", "address": "y", "latitude": 35.7, "longitude": 139.9}},
        {"type": "message", "source": {"type": "user", "userId": b},
         "message": {"type": "video", "duration": 1000, "contentProvider": {"type": "line"}}},
    ]  # fmt: skip
    before = await emulator.stats()
    cursors = {user: await inbox_cursor(emulator, user) for user in (a, b)}
    result = await emulator.webhook(events)
    assert result["status"] == 200
    # Each has two answers (its messages are replied to, in whatever order they are handled).
    answers_a = await wait_for_messages(emulator, a, a_reply, a_reply, after=cursors[a])
    assert "メニュー" in words(answers_a)
    await wait_for_messages(emulator, b, a_reply, a_reply, after=cursors[b])  # the sticker and the video
    await asyncio.sleep(1.0)
    # Four answers (one LINE request each): the group message, the standby event, the unsend
    # and the join got none.
    after = await emulator.stats()
    answers = after["replies"] + after["pushes"] - before["replies"] - before["pushes"]
    assert answers == 4, str([(u[:3], words([i])[:30]) for u in (a, b) for i in await emulator.inbox(u)])


async def test_a_follow_is_greeted_with_the_profile_the_api_fetched(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    """The webhook fetches a following resident's profile and passes it on: one profile request in all,
    none by the workflow, and the greeting names the resident in the profile's language."""
    user_id = "U" + "7" * 32
    await emulator.create_resident(user_id, "Grace Hopper", "en")
    before = (await emulator.stats())["profiles"]
    cursor = await inbox_cursor(emulator, user_id)
    result = await emulator.follow(user_id)
    assert result["status"] == 200
    greeting = await wait_for_message(emulator, user_id, GREETING, after=cursor)
    assert "Hello Grace Hopper, thank you for adding us" in greeting["message"]["text"]
    await settle(emulator, user_id, 0.3)
    assert (await emulator.stats())["profiles"] - before == 1
    # ... and it was the API's request: the workflow ran one local activity (the greeting), not two.
    handle = temporal_client.get_workflow_handle(conversation_workflow_id(user_id, system.settings.user_id_hash_key))
    history = await handle.fetch_history()
    markers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    assert len(markers) == 1
