"""Request bodies are limited per route before anything parses them, and anonymous state-changing requests to
the back office are refused before their body is read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from config import Settings

CHUNK = 1024


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'backoffice.sqlite'}", blob_dir=tmp_path / "blobs")
    application = create_app(settings)
    application.state.settings = settings  # what the lifespan (not run here) would store
    yield application
    application.state.backoffice.db.dispose()


def call(
    app: FastAPI, method: str, path: str, *, chunks: int, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, dict[str, Any], int]:
    """Send a body of `chunks` KiB, chunk by chunk, straight into the ASGI app: status, JSON answer and how many
    chunks the app asked for."""
    pulled = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *(headers or [])],
        "client": ("203.0.113.9", 40000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    try:
        answer = json.loads(body) if body else {}
    except ValueError:
        answer = {}
    return start["status"], answer, pulled


def test_announced_too_large_gets_413_with_the_reason_before_anything_is_read(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.post(
        "/api/applications/ABCDE-FGHJK/decision", content=b"{}" + b" " * 100_000, headers={"Authorization": "x"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "request body larger than 8192 bytes"}
    assert response.headers["connection"] == "close"
    status, answer, pulled = call(
        app, "POST", "/api/applications/ABCDE-FGHJK/decision", chunks=100, headers=[(b"content-length", b"102400")]
    )
    assert (status, pulled) == (413, 0)
    assert "8192 bytes" in answer["detail"]


def test_a_body_without_length_is_cut_off_once_past_the_limit(app: FastAPI) -> None:
    # Credentials that are checked only later (a bearer token): the body is read, but no further than the limit.
    status, answer, pulled = call(
        app,
        "POST",
        "/api/applications/ABCDE-FGHJK/decision",
        chunks=100_000,  # 100 MB if it were all read
        headers=[(b"authorization", b"Bearer mdg_not-a-token")],
    )
    assert status == 413
    assert answer == {"detail": "request body larger than 8192 bytes"}
    assert pulled == 9


def test_anonymous_back_office_posts_are_refused_before_the_body_is_read(app: FastAPI) -> None:
    status, answer, pulled = call(app, "POST", "/api/applications/ABCDE-FGHJK/decision", chunks=4)
    assert (status, pulled) == (401, 0)
    assert answer == {"detail": "not signed in"}
    status, _, pulled = call(app, "POST", "/staff/applications/ABCDE-FGHJK/decision", chunks=4)
    assert (status, pulled) == (303, 0)
    # A forged session cookie is anonymous too.
    forged = [(b"cookie", b"mdg_session=eyJzaWQiOjF9.forged.signature")]
    status, _, pulled = call(app, "POST", "/api/applications/ABCDE-FGHJK/decision", chunks=4, headers=forged)
    assert (status, pulled) == (401, 0)


def test_each_route_has_its_own_limit(app: FastAPI) -> None:
    client = TestClient(app)
    assert client.post("/staff/sign-in", content=b"x" * (16 * 1024 + 1)).status_code == 413
    # Within the sign-in form's limit: on to the form's own checks (here: no CSRF cookie).
    assert client.post("/staff/sign-in", data={"login": "x" * 10_000, "password": "p"}).status_code == 403
    webhook = client.post("/line/webhook", content=b"x" * (1_048_576 + 1))
    assert webhook.status_code == 413
    assert "1048576 bytes" in webhook.json()["detail"]
    codec = client.post("/codec/decode", content=b"x" * 100_000)
    assert codec.status_code == 401, "the codec takes large bodies (and checks its token)"
