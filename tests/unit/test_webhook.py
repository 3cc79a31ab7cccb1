"""The webhook's refusals and the Temporal-down path (no Temporal server needed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from config import Settings
from devstack.stack import free_port

SECRET = "unit-test-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def client() -> Iterator[TestClient]:
    # Nothing listens on this port: Temporal is "down".
    settings = Settings(
        line_channel_secret=SECRET, temporal_address=f"127.0.0.1:{free_port()}", webhook_max_body_bytes=4096
    )
    with TestClient(create_app(settings)) as c:
        yield c


def text_event(event_id: str = "01JDEV0000000000000000000A") -> dict[str, object]:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": 1_700_000_000_000,
        "source": {"type": "user", "userId": "U" + "a" * 32},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "f" * 32,
        "message": {"id": "1", "type": "text", "text": "hello", "quoteToken": "q"},
    }


def post(client: TestClient, body: bytes, signature: str | None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Line-Signature"] = signature
    r = client.post("/line/webhook", content=body, headers=headers)
    return r.status_code, r.text


def test_missing_signature_is_400(client: TestClient) -> None:
    assert post(client, b'{"destination":"U1","events":[]}', None) == (
        400,
        '{"detail":"missing X-Line-Signature header"}',
    )


def test_wrong_signature_is_400(client: TestClient) -> None:
    body = b'{"destination":"U1","events":[]}'
    status, text = post(client, body, sign(body, "another-secret"))
    assert status == 400 and "invalid X-Line-Signature" in text


def test_signature_header_name_is_case_insensitive(client: TestClient) -> None:
    body = b'{"destination":"U1","events":[]}'
    r = client.post("/line/webhook", content=body, headers={"x-line-signature": sign(body)})
    assert r.status_code == 200


def test_connectivity_check_is_200(client: TestClient) -> None:
    body = json.dumps({"destination": "U" + "0" * 32, "events": []}).encode()
    assert post(client, body, sign(body))[0] == 200


MALFORMED = [b"not json", b"[]", b'{"destination":"U1"}', b'{"events":[{"type":"message"}]}']


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_body_with_valid_signature_is_400_with_reason(client: TestClient, body: bytes) -> None:
    status, text = post(client, body, sign(body))
    assert status == 400 and "malformed webhook body" in text


DEEP = 1500  # beyond Python's default recursion limit (1000), within the fixture's 4096-byte body limit


@pytest.mark.parametrize(
    "body",
    [
        b'{"destination":"U1","events":' + b"[" * DEEP + b"]" * DEEP + b"}",
        b'{"destination":"U1","events":[{"type":"message","message":' + b"[" * DEEP + b"]" * DEEP + b"}]}",
        b"[" * DEEP + b"]" * DEEP,
    ],
)
def test_a_deeply_nested_signed_body_is_400_not_500(client: TestClient, body: bytes) -> None:
    assert len(body) <= 4096
    status, text = post(client, body, sign(body))
    assert status == 400 and "malformed webhook body" in text


def test_oversized_body_is_413(client: TestClient) -> None:
    body = json.dumps({"destination": "U1", "events": [], "pad": "x" * 5000}).encode()
    assert post(client, body, sign(body))[0] == 413


def test_non_utf8_body_is_400(client: TestClient) -> None:
    body = b"\xff\xfe{}"
    assert post(client, body, sign(body))[0] == 400


def test_temporal_down_is_503_not_200(client: TestClient) -> None:
    body = json.dumps({"destination": "U1", "events": [text_event()]}).encode()
    status, text = post(client, body, sign(body))
    assert status == 503 and "retry" in text


def test_readyz_reports_temporal_down(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"
    assert client.get("/healthz").status_code == 200


def test_group_and_standby_events_are_acknowledged_without_temporal(client: TestClient) -> None:
    group = text_event() | {"source": {"type": "group", "groupId": "C" + "1" * 32, "userId": "U" + "a" * 32}}
    standby = text_event("01JDEV0000000000000000000B") | {"mode": "standby"}
    body = json.dumps({"destination": "U1", "events": [group, standby]}).encode()
    # Nothing to signal, so no Temporal call: 200 even while Temporal is down.
    assert post(client, body, sign(body))[0] == 200
