"""Resident data is encrypted in Temporal: a client WITHOUT the codec reads whole histories and finds
neither the resident's name, kana, address nor birth date; with the one data converter they decode."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from config.codec import ENCODING
from domain.ids import application_workflow_id, conversation_workflow_id
from tests.integration.conftest import System
from tests.integration.test_intake import JA_ANSWERS, applications_of, run_intake
from tests.support.emulator import EmulatorDriver
from tests.support.resident import Resident

SECRETS = ["市川 太郎", "イチカワ", "いちかわ", "2001-02-03", "八幡", "090-1234-5678"]


def payloads(message: Message) -> Iterator[Payload]:
    """Every Payload inside a protobuf message (inputs, results, signals, memos, failures...), except search
    attributes: those are indexed by the server, so they are never encrypted and hold no personal data."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None or field.name == "search_attributes":
            continue
        if field.message_type.GetOptions().map_entry:
            items: Any = value.values()
        elif isinstance(value, Iterable):  # a repeated field
            items = value
        else:
            items = [value]
        for item in items:
            if isinstance(item, Message):
                yield from payloads(item)


def sdk_marker_meta(payload: Payload) -> bool:
    """The SDK core's own bookkeeping, written in clear: a local activity's marker (sequence number, attempt,
    type) next to its encrypted result, and a `workflow.patched` marker (the patch id). Neither holds resident
    data, which the search below confirms."""
    try:
        meta = json.loads(payload.data)
    except ValueError:
        return False
    local_activity = {"seq", "attempt", "activity_type"}
    return isinstance(meta, dict) and (local_activity <= meta.keys() or meta.keys() == {"id", "deprecated"})


async def test_histories_hold_no_resident_data_in_clear(
    system: System, temporal_client: Client, emulator: EmulatorDriver
) -> None:
    user_id = "U" + "7e" * 16
    await emulator.create_resident(user_id, "暗号 試験", "ja")
    await run_intake(Resident(emulator, user_id), "住民票", JA_ANSWERS)
    [app] = await applications_of(temporal_client, system, user_id)

    plain_client = await Client.connect(system.settings.temporal_address)  # the default converter: no codec
    for workflow_id in (
        conversation_workflow_id(user_id, system.settings.user_id_hash_key),
        application_workflow_id(app.application_id),
    ):
        history = await plain_client.get_workflow_handle(workflow_id).fetch_history()
        found = [p for event in history.events for p in payloads(event)]
        assert found, "the history has payloads"
        clear = [p for p in found if p.metadata.get("encoding") != ENCODING and not sdk_marker_meta(p)]
        assert not clear, f"every payload is encrypted: {clear[:3]}"
        everything = "".join(p.SerializeToString().decode("utf-8", "replace") for p in found)
        for secret in SECRETS:
            escaped = json.dumps(secret)[1:-1]  # how JSON writes it with ensure_ascii (\u5e02...)
            assert secret not in everything and escaped not in everything, (workflow_id, secret)
        assert user_id not in everything, "not even the LINE user id"

    # The system's own client (the one data converter) reads them.
    handle = temporal_client.get_workflow_handle(application_workflow_id(app.application_id))
    view = await handle.query("view")
    assert view["answers"]["name_kanji"] == "市川 太郎"
