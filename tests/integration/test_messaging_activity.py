"""The send_messages / get_profile activities through the real line-bot-sdk against the emulator."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from linebot.v3.messaging import AsyncMessagingApi
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.messaging import LineActivities
from domain.ids import retry_key
from domain.models import GetProfileInput, SendMessagesInput
from lineapi.client import line_api_client
from tests.integration.conftest import System
from tests.support.emulator import EmulatorDriver, inbox_cursor, texts_of, wait_for_message
from tests.support.resident import a_reply

USER = "U" + "d" * 32


@pytest.fixture
async def line(system: System) -> LineActivities:
    client = line_api_client(system.settings)  # the worker's client: environment resolved once
    yield LineActivities(AsyncMessagingApi(client), timedelta(seconds=50))
    await client.close()


def now_ms() -> int:
    return int(time.time() * 1000)


async def sent_since(emulator: EmulatorDriver, cursor: int) -> list[tuple[str, str]]:
    """How and what the activity sent: it has returned, so its messages are in the inbox."""
    return [(item["via"], texts_of(item["message"])) for item in (await emulator.inbox(USER))[cursor:]]


async def test_fresh_reply_token_replies_then_stale_one_pushes_once(
    line: LineActivities, emulator: EmulatorDriver
) -> None:
    await emulator.create_resident(USER, "送信 試験", "ja")
    env = ActivityEnvironment()
    msg = [{"type": "text", "text": "one"}]
    # A group message carries a reply token that the bot leaves unused: a fresh, unused token.
    group = {"type": "message", "source": {"type": "group", "groupId": "C" + "f" * 32, "userId": USER},
             "message": {"type": "text", "text": "hi"}}  # fmt: skip
    [fresh] = (await emulator.webhook([group]))["replyTokens"]
    inp = SendMessagesInput(USER, msg, reply_token=fresh, reply_token_received_at_ms=now_ms(), retry_key="")
    assert (await env.run(line.send_messages, inp)).via == "reply"
    # The bot answers this text itself, using its reply token; wait for that answer.
    cursor = await inbox_cursor(emulator, USER)
    delivered = await emulator.text(USER, "hello")
    await wait_for_message(emulator, USER, a_reply, after=cursor)
    token = delivered["replyToken"]
    cursor = await inbox_cursor(emulator, USER)
    # The webhook's own answer already used this token, so the reply is refused and we push instead.
    result = await env.run(
        line.send_messages,
        SendMessagesInput(
            USER, msg, reply_token=token, reply_token_received_at_ms=now_ms(), retry_key=retry_key("t", "1")
        ),
    )
    assert result.via == "push"
    # A token older than the limit is not even tried.
    result = await env.run(
        line.send_messages,
        SendMessagesInput(USER, msg, reply_token="f" * 32, reply_token_received_at_ms=now_ms() - 120_000, retry_key=""),
    )
    assert result.via == "push"
    assert await sent_since(emulator, cursor) == [("push", "one"), ("push", "one")]


async def test_retried_push_with_the_same_key_is_delivered_once(line: LineActivities, emulator: EmulatorDriver) -> None:
    await emulator.create_resident(USER, "送信 試験", "ja")
    env = ActivityEnvironment()
    cursor = await inbox_cursor(emulator, USER)
    inp = SendMessagesInput(USER, [{"type": "text", "text": "once"}], retry_key=retry_key("wf", "event-1"))
    first = await env.run(line.send_messages, inp)
    second = await env.run(line.send_messages, inp)  # an activity retry: LINE answers 409
    assert first.via == second.via == "push"
    assert await sent_since(emulator, cursor) == [("push", "once")]


async def test_faults_are_retryable_and_bad_messages_are_not(line: LineActivities, emulator: EmulatorDriver) -> None:
    await emulator.create_resident(USER, "送信 試験", "ja")
    env = ActivityEnvironment()
    await emulator.set_faults(1.0, [500])
    try:
        with pytest.raises(ApplicationError) as err:
            await env.run(line.send_messages, SendMessagesInput(USER, [{"type": "text", "text": "x"}], retry_key=""))
        assert not err.value.non_retryable
    finally:
        await emulator.set_faults(0.0)
    too_long = [{"type": "text", "text": "x" * 5001}]
    with pytest.raises(ApplicationError) as err:
        await env.run(line.send_messages, SendMessagesInput(USER, too_long, retry_key=""))
    assert err.value.non_retryable


async def test_profile_and_unknown_profile(line: LineActivities, emulator: EmulatorDriver) -> None:
    await emulator.create_resident(USER, "送信 試験", "en")
    env = ActivityEnvironment()
    profile = await env.run(line.get_profile, GetProfileInput(USER))
    assert (profile.display_name, profile.language) == ("送信 試験", "en")
    unknown = await env.run(line.get_profile, GetProfileInput("U" + "e" * 32))
    assert unknown.display_name == "" and unknown.language is None
