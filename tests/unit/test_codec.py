"""Temporal payload encryption (the codec in the one data converter) and the codec endpoint for the Web UI."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI
from fastapi.testclient import TestClient
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.converter import default
from temporalio.exceptions import ApplicationError

from api import codec as codec_api
from backoffice import cheap_hasher, init_backoffice
from config.codec import ENCODING, REFUSED_ENCODING, EncryptionCodec
from config.keys import Keyring
from config.settings import Settings
from config.temporal import data_converter
from devstack.stack import temporal_command
from domain.models import ApplicationSummary, ConversationInput, SendMessagesInput
from tests.unit.test_backoffice_auth import CLERK_PASSWORD, SUPERVISOR_PASSWORD, sign_in
from tests.unit.test_conversation_support import Chat
from tests.unit.test_production_settings import production

NAME = "市川 太郎"


def ring(*ids: str) -> str:
    return ",".join(f"{i}:{base64.b64encode(os.urandom(32)).decode()}" for i in ids)


async def test_the_data_converter_encrypts_every_payload() -> None:
    converter = data_converter(Settings(payload_keys=ring("k1")))
    [payload] = await converter.encode([{"name_kanji": NAME, "birth_date": "2001-02-03"}])
    assert payload.metadata["encoding"] == ENCODING and payload.metadata["encryption-key-id"] == b"k1"
    raw = payload.SerializeToString()
    assert NAME.encode() not in raw and b"2001-02-03" not in raw and b"\\u5e02" not in raw
    [back] = await converter.decode([payload], [dict])
    assert back == {"name_kanji": NAME, "birth_date": "2001-02-03"}


async def test_rotation_unknown_keys_tampering_and_plain_payloads() -> None:
    old, new = ring("old"), ring("new")
    sealed = await EncryptionCodec(Keyring.parse(old)).encode(
        [Payload(metadata={"encoding": b"json/plain"}, data=b"1")]
    )
    rotated = EncryptionCodec(Keyring.parse(new + "," + old))
    assert (await rotated.decode(sealed))[0].data == b"1", "old keys still decrypt after rotation"
    assert (await rotated.encode([Payload(data=b"2")]))[0].metadata["encryption-key-id"] == b"new"
    with pytest.raises(ValueError, match="unknown key id"):
        await EncryptionCodec(Keyring.parse(new)).decode(sealed)
    broken = Payload()
    broken.CopyFrom(sealed[0])
    broken.data = broken.data[:-1] + bytes([broken.data[-1] ^ 1])
    with pytest.raises(InvalidTag):
        await rotated.decode([broken])
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"recorded before encryption"')
    assert (await rotated.decode([plain]))[0] == plain, "unencrypted payloads pass through (development)"


async def test_production_refuses_unencrypted_payloads_and_development_reads_them() -> None:
    forged = await default().encode([{"decision": "approve"}])
    production_converter = data_converter(Settings(**production()))
    with pytest.raises(ApplicationError, match="refused an unencrypted payload"):
        await production_converter.decode(forged, [dict])
    [refused] = await production_converter.payload_codec.decode(forged)  # type: ignore[union-attr]
    assert refused.data == b"" and refused.metadata["encoding"] == REFUSED_ENCODING, "nothing of the sender's kept"
    sealed = await production_converter.encode([{"decision": "approve"}])
    assert await production_converter.decode(sealed, [dict]) == [{"decision": "approve"}]
    assert await data_converter(Settings(payload_keys=ring("k"))).decode(forged, [dict]) == [{"decision": "approve"}]


async def test_failure_messages_and_stack_traces_are_encrypted_and_read_back() -> None:
    """An update validator's refusal (read by api/applications.py) keeps its message, type and details for the
    client, which shares the data converter; the server only stores "Encoded failure"."""
    converter = data_converter(Settings(payload_keys=ring("k1")))
    try:
        raise ApplicationError(f"not awaiting review: {NAME}", {"status": "Approved"}, type="NotAwaitingReview")
    except ApplicationError as raised:
        error = raised
    failure = Failure()
    await converter.encode_failure(error, failure)
    raw = failure.SerializeToString()
    assert failure.message == "Encoded failure" and failure.stack_trace == ""
    assert NAME.encode() not in raw and b"not awaiting review" not in raw and b"test_codec.py" not in raw
    assert failure.encoded_attributes.metadata["encoding"] == ENCODING
    back = await converter.decode_failure(failure)
    assert isinstance(back, ApplicationError) and back.type == "NotAwaitingReview"
    assert back.message == f"not awaiting review: {NAME}" and back.details == ({"status": "Approved"},)
    assert "test_codec.py" in (back.failure.stack_trace if back.failure else "")


def endpoint(settings: Settings, *, staff: bool = False) -> TestClient:
    """The codec router alone; with `staff`, the back office too (sign-in, sessions) and two accounts."""
    app = FastAPI()
    app.state.settings = settings
    app.include_router(codec_api.router)
    if staff:
        bo = init_backoffice(app, settings, hasher=cheap_hasher())
        bo.accounts.create_staff("boss", "責任 花子", "supervisor", SUPERVISOR_PASSWORD, now=datetime.now(UTC))
        bo.accounts.create_staff("clerk1", "窓口 一郎", "clerk", CLERK_PASSWORD, now=datetime.now(UTC))
    return TestClient(app, base_url="https://testserver" if settings.session_cookie_secure else "http://testserver")


UI = "http://127.0.0.1:8233"
OPERATOR_TOKEN = "operator-token-" + "0123456789abcdefghijklmnopqrstuvwxyz"


async def sealed_body(settings: Settings) -> str:
    [sealed] = await data_converter(settings).encode([{"name": NAME}])
    return json_format.MessageToJson(Payloads(payloads=[sealed]))


def decoded_name(text: str) -> bool:
    [payload] = json_format.Parse(text, Payloads()).payloads
    return NAME in payload.data.decode("unicode_escape") or NAME.encode() in payload.data


async def test_the_codec_endpoint_takes_the_operator_token_as_bearer() -> None:
    settings = Settings(payload_keys=ring("k"), codec_token=OPERATOR_TOKEN)
    body, client = await sealed_body(settings), endpoint(settings)
    ui = {"Origin": UI, "Content-Type": "application/json", "X-Namespace": "default"}

    assert client.post("/codec/decode", content=body, headers=ui).status_code == 401
    wrong = client.post("/codec/decode", content=body, headers={**ui, "Authorization": "Bearer wrong"})
    assert wrong.status_code == 401 and wrong.headers["access-control-allow-origin"] == UI
    bearer = client.post("/codec/decode", content=body, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert bearer.status_code == 200 and decoded_name(bearer.text)
    assert "access-control-allow-origin" not in bearer.headers and bearer.headers["cache-control"] == "no-store"
    from_ui = client.post("/codec/decode", content=body, headers={**ui, "Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert from_ui.status_code == 200 and from_ui.headers["access-control-allow-origin"] == UI

    junk = client.post("/codec/decode", content=b"not json", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert junk.status_code == 400
    encoded = client.post("/codec/encode", content=bearer.text, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    [again] = json_format.Parse(encoded.text, Payloads()).payloads
    assert again.metadata["encoding"] == ENCODING


async def test_preflight_allows_credentials_from_the_web_ui_only() -> None:
    client = endpoint(Settings(payload_keys=ring("k")))
    request = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace"}
    preflight = client.options("/codec/decode", headers={"Origin": UI, **request})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == UI
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert {"content-type", "x-namespace", "authorization"} <= {
        h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")
    }
    elsewhere = client.options("/codec/decode", headers={"Origin": "https://evil.example", **request})
    assert "access-control-allow-origin" not in elsewhere.headers
    assert "access-control-allow-credentials" not in elsewhere.headers


async def test_production_never_takes_the_codec_token_from_the_url() -> None:
    settings = Settings(**production(payload_keys=ring("k")))
    body, client = await sealed_body(settings), endpoint(settings)
    in_path = client.post(f"/codec/{settings.codec_token}/decode", content=body, headers={"Origin": UI})
    assert in_path.status_code == 404 and settings.codec_token not in in_path.text
    bearer = client.post("/codec/decode", content=body, headers={"Authorization": f"Bearer {settings.codec_token}"})
    assert bearer.status_code == 200 and decoded_name(bearer.text)


async def test_development_keeps_the_path_token_for_the_dev_servers_web_ui() -> None:
    """`temporal server start-dev` hands its Web UI an endpoint URL only (no way to send credentials)."""
    settings = Settings(payload_keys=ring("k"), codec_token=OPERATOR_TOKEN)
    body, client = await sealed_body(settings), endpoint(settings)
    decoded = client.post(f"/codec/{OPERATOR_TOKEN}/decode", content=body, headers={"Origin": UI})
    assert decoded.status_code == 200 and decoded_name(decoded.text)
    assert decoded.headers["access-control-allow-origin"] == UI
    assert client.post("/codec/wrong-token/decode", content=body, headers={"Origin": UI}).status_code == 401


@pytest.mark.parametrize("profile", ["development", "production"])
async def test_a_signed_in_supervisor_decodes_from_the_web_ui_with_the_session_cookie(
    profile: str, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'backoffice.sqlite'}"
    if profile == "production":
        settings = Settings(**production(payload_keys=ring("k"), database_url=database_url))
    else:
        settings = Settings(payload_keys=ring("k"), database_url=database_url)
    body = await sealed_body(settings)
    ui = {"Origin": UI, "Content-Type": "application/json", "X-Namespace": "default"}

    supervisor = endpoint(settings, staff=True)
    assert supervisor.post("/codec/decode", content=body, headers=ui).status_code == 401, "not signed in yet"
    assert sign_in(supervisor, "boss", SUPERVISOR_PASSWORD).status_code == 303
    decoded = supervisor.post("/codec/decode", content=body, headers=ui)
    assert decoded.status_code == 200 and decoded_name(decoded.text)
    assert decoded.headers["access-control-allow-origin"] == UI
    assert decoded.headers["access-control-allow-credentials"] == "true"
    # The cookie counts only in a request from the Web UI's origin: not from elsewhere, not without an Origin.
    evil = supervisor.post("/codec/decode", content=body, headers={**ui, "Origin": "https://evil.example"})
    assert evil.status_code == 401 and "access-control-allow-origin" not in evil.headers
    assert supervisor.post("/codec/decode", content=body).status_code == 401

    clerk = TestClient(supervisor.app, base_url=str(supervisor.base_url))
    assert sign_in(clerk, "clerk1", CLERK_PASSWORD).status_code == 303
    refused = clerk.post("/codec/decode", content=body, headers=ui)
    assert refused.status_code == 403 and refused.headers["access-control-allow-origin"] == UI


def test_the_payload_converter_writes_the_same_json_as_temporals_default() -> None:
    """The faster dataclass encoding changes nothing in histories: same bytes as the stock converter,
    for nested dataclasses, dicts of lists, datetimes and plain values; and it reads them back."""
    messages = Chat(display_name=NAME).follow().messages
    values: list[object] = [
        SendMessagesInput(line_user_id="U1", messages=messages, reply_token="r", retry_key="k"),
        ConversationInput(line_user_id="U1", applications=[ApplicationSummary("A-1", "juminhyo", "Paid", "t")]),
        {"at": datetime(2026, 11, 27, tzinfo=UTC), "items": [(1, "a"), {"b": None}]},
        "文字",
        None,
    ]
    ours = data_converter(Settings(payload_keys=ring("k1"))).payload_converter
    stock = default().payload_converter
    for value in values:
        assert ours.to_payloads([value]) == stock.to_payloads([value])
    [payload] = ours.to_payloads([values[0]])
    assert ours.from_payloads([payload], [SendMessagesInput]) == [values[0]]


def test_make_run_gives_the_web_ui_a_token_url_in_development_only(tmp_path: Path) -> None:
    db = tmp_path / "temporal.sqlite"
    development = temporal_command(Settings(codec_token=OPERATOR_TOKEN, temporal_db_file=db))
    assert development[development.index("--ui-codec-endpoint") + 1] == f"http://127.0.0.1:8000/codec/{OPERATOR_TOKEN}"
    production_cmd = temporal_command(Settings(**production(temporal_db_file=db)))
    assert "--ui-codec-endpoint" not in production_cmd, "the operator's browser sends its session cookie instead"
