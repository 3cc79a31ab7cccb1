"""The whole API app without a Temporal server: 503 (never 500) while Temporal has been unreachable since the API
started, as a page on the HTML routes and as JSON on the API routes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from temporalio.service import RPCError, RPCStatusCode

from api.deps import get_temporal
from api.main import create_app
from backoffice.i18n import t
from config import Settings
from devstack.stack import free_port

PASSWORD = "correct horse battery"
APPLICATION_ID = "AAAAA-BBBBB"
PAYMENT_QUERY = {"transactionId": "2026112700000000001", "orderId": f"MDG-{APPLICATION_ID}-1"}


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    # Nothing listens on this port: Temporal is "down" for the whole life of the app.
    values: dict[str, object] = {
        "temporal_address": f"127.0.0.1:{free_port()}",
        "database_url": f"sqlite:///{tmp_path / 'backoffice.sqlite'}",
        "blob_dir": tmp_path / "blobs",
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def app_client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings)
    app.state.backoffice.accounts.create_staff("clerk1", "窓口 一郎", "clerk", PASSWORD, now=datetime.now(UTC))
    # Production's staff cookies are Secure: the client sends them back over HTTPS only.
    base_url = "https://testserver" if settings.session_cookie_secure else "http://testserver"
    with TestClient(app, base_url=base_url) as client:
        yield client


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[TestClient]:
    yield from app_client(settings_for(tmp_path))


def sign_in(client: TestClient) -> None:
    page = client.get("/staff/sign-in")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    data = {"login": "clerk1", "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/staff/sign-in", data=data, follow_redirects=False).status_code == 303


def api_token(client: TestClient) -> dict[str, str]:
    accounts = client.app.state.backoffice.accounts  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {accounts.create_token('clerk1', 'test', now=datetime.now(UTC))}"}


# -- Temporal down since the API started -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/staff/", "/staff/supervisor", f"/staff/applications/{APPLICATION_ID}", "/staff/?status=Approved"]
)
def test_clerk_pages_answer_503_with_a_page_while_temporal_is_down(dev: TestClient, path: str) -> None:
    sign_in(dev)
    response = dev.get(path, headers={"Accept": "text/html"})
    if path == "/staff/supervisor":
        assert response.status_code in (403, 503), "a clerk may be refused the supervisor's page first"
        return
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "ただいま処理できません" in response.text, "in the back office layout, in the clerk's language"
    assert "ホームへ戻る" in response.text
    english = dev.get(path + ("&" if "?" in path else "?") + "lang=en", headers={"Accept": "text/html"})
    assert english.status_code == 503 and "try again" in english.text


def test_a_clerk_decision_posted_while_temporal_is_down_is_503(dev: TestClient) -> None:
    headers = api_token(dev)
    response = dev.post(f"/api/applications/{APPLICATION_ID}/decision", json={"decision": "approve"}, headers=headers)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Temporal" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/applications", f"/api/applications/{APPLICATION_ID}"])
def test_the_json_api_answers_503_json_while_temporal_is_down(dev: TestClient, path: str) -> None:
    response = dev.get(path, headers=api_token(dev))
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Temporal" in response.json()["detail"]
    assert response.headers.get("retry-after")


def test_anonymous_callers_still_get_401_not_503(dev: TestClient) -> None:
    assert dev.get("/api/applications").status_code == 401


@pytest.mark.parametrize("kind", ["confirm", "cancel"])
def test_the_payment_return_page_is_503_while_temporal_is_down(dev: TestClient, kind: str) -> None:
    response = dev.get(f"/payments/linepay/{kind}", params=PAYMENT_QUERY, headers={"Accept": "text/html"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "ただいま処理できません" in response.text and "reload" in response.text


def test_readyz_still_reports_instead_of_the_generic_503(dev: TestClient) -> None:
    ready = dev.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "unavailable"


def test_an_outage_error_no_route_caught_is_503_and_other_rpc_errors_stay_500(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path))

    async def outage() -> None:
        raise RPCError("connection lost", RPCStatusCode.UNAVAILABLE, b"")

    async def refused() -> None:
        raise RPCError("no such thing", RPCStatusCode.NOT_FOUND, b"")

    app.add_api_route("/api/outage", outage)
    app.add_api_route("/staff/outage", outage)
    app.add_api_route("/api/refused", refused)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = client.get("/api/outage")
        assert api.status_code == 503 and api.json()["detail"].startswith("Temporal is not reachable")
        page = client.get("/staff/outage", headers={"Accept": "text/html"})
        assert page.status_code == 503 and "ただいま処理できません" in page.text
        assert client.get("/api/refused").status_code == 500


class NoApplications:
    """Stands in for a Temporal client that holds no application."""

    async def list_workflows(self, *args: object, **kwargs: object) -> AsyncIterator[object]:
        for _ in ():
            yield _

    async def count_workflows(self, *args: object, **kwargs: object) -> SimpleNamespace:
        return SimpleNamespace(count=0)


def test_signing_in_lands_on_the_queue(tmp_path: Path) -> None:
    for client in app_client(settings_for(tmp_path)):
        client.app.dependency_overrides[get_temporal] = NoApplications  # type: ignore[attr-defined]
        sign_in(client)
        home = client.get("/staff/")
        assert home.status_code == 200
        assert "<h1>申請一覧</h1>" in home.text and t("queue.empty", "ja") in home.text
