"""Back office sign-in, sessions, CSRF, lock-out, API tokens, roles, security headers and the CLI."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from admin.cli import app as admin_app
from backoffice import (
    Backoffice,
    CurrentStaff,
    SupervisorStaff,
    cheap_hasher,
    init_backoffice,
    now,
    render,
    require_csrf,
)
from backoffice.accounts import DEMO_PASSWORD, Accounts, SignInOutcome, token_hash
from backoffice.db import ApiToken, LoginAttempt, StaffAccount
from backoffice.i18n import t
from backoffice.state import safe_next
from backoffice.throttle import address_key
from config import Settings

ROOT = Path(__file__).resolve().parents[2]
CLERK_PASSWORD = "correct horse battery"
SUPERVISOR_PASSWORD = "staple battery horse"
MAX_FAILURES = 3
LOCKOUT = timedelta(minutes=15)
INVALID_JA = t("sign_in.error.invalid", "ja")
STAND_IN = "a page in the back office layout"


@dataclass
class Clock:
    current: datetime

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass
class Env:
    app: FastAPI
    bo: Backoffice
    clock: Clock
    settings: Settings

    def client(self, **kwargs: Any) -> TestClient:
        return TestClient(self.app, **kwargs)


def make_app(settings: Settings, clock: Clock) -> tuple[FastAPI, Backoffice]:
    app = FastAPI()
    bo = init_backoffice(app, settings, hasher=cheap_hasher())
    app.dependency_overrides[now] = clock

    # Stand-ins for the clerk pages (api/clerk_pages.py, the queue at /staff/ among them), which need Temporal.
    @app.get("/staff/", response_class=HTMLResponse)
    @app.get("/staff/protected", response_class=HTMLResponse)
    def protected(request: Request, staff: CurrentStaff) -> HTMLResponse:
        return render(request, "error.html", {"message": STAND_IN, "signed_in": True})

    @app.get("/api/whoami")
    def whoami(staff: CurrentStaff) -> dict[str, str]:
        return {"login": staff.login, "role": staff.role}

    @app.post("/staff/do", dependencies=[Depends(require_csrf)])
    def do(staff: CurrentStaff) -> dict[str, str]:
        return {"done_by": staff.login}

    @app.post("/api/do", dependencies=[Depends(require_csrf)])
    def api_do(staff: CurrentStaff) -> dict[str, str]:
        return {"done_by": staff.login}

    @app.get("/staff/supervisor-only")
    def supervisor_only(staff: SupervisorStaff) -> dict[str, str]:
        return {"ok": staff.login}

    @app.get("/elsewhere")
    def elsewhere() -> dict[str, str]:
        return {"ok": "yes"}

    return app, bo


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'backoffice.sqlite'}"


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    # The address budget is large here: tests of it make their own app.
    settings = Settings(
        database_url=db_url, login_max_failures=MAX_FAILURES, login_lockout=LOCKOUT, login_address_attempts=1000
    )
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    app, bo = make_app(settings, clock)
    bo.accounts.create_staff("clerk1", "窓口 一郎", "clerk", CLERK_PASSWORD, now=clock())
    bo.accounts.create_staff("boss", "責任 花子", "supervisor", SUPERVISOR_PASSWORD, now=clock())
    yield Env(app=app, bo=bo, clock=clock, settings=settings)
    bo.db.dispose()


@pytest.fixture
def client(env: Env) -> TestClient:
    return env.client()


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def sign_in(client: TestClient, login: str, password: str, next_path: str | None = None) -> httpx.Response:
    page = client.get("/staff/sign-in", params={"next": next_path} if next_path else None)
    assert page.status_code == 200
    data = {"login": login, "password": password, "csrf_token": form_token(page.text)}
    if next_path:
        data["next"] = next_path
    response: httpx.Response = client.post("/staff/sign-in", data=data, follow_redirects=False)
    return response


def sign_out(client: TestClient) -> None:
    home = client.get("/staff/")
    assert client.post("/staff/sign-out", data={"csrf_token": form_token(home.text)}).status_code == 200


def alert_text(html: str) -> str:
    match = re.search(r'role="alert">\s*<p>(.*?)</p>', html, re.S)
    assert match, "no alert on the page"
    return match.group(1)


def session_cookie_header(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith("mdg_session=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


# -- sign-in and sign-out ----------------------------------------------------------------------------------


def test_sign_in_sets_a_httponly_samesite_cookie_home_shows_the_name_and_sign_out_clears_it(client: TestClient) -> None:
    response = sign_in(client, "clerk1", CLERK_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    cookie = session_cookie_header(response).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert f"max-age={8 * 3600}" in cookie
    assert "secure" not in cookie  # development setting

    home = client.get("/staff/")
    assert home.status_code == 200
    assert "窓口 一郎" in home.text
    assert STAND_IN in home.text
    assert "担当職員" in home.text  # the role, in the header

    signed_out = client.post("/staff/sign-out", data={"csrf_token": form_token(home.text)}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/staff/sign-in")
    assert 'mdg_session=""' in signed_out.headers["set-cookie"]
    assert "mdg_session" not in client.cookies
    assert client.get("/staff/", follow_redirects=False).status_code == 303
    assert t("sign_in.signed_out", "ja") in client.get(signed_out.headers["location"]).text


def test_sign_in_goes_to_next_but_never_off_site(client: TestClient) -> None:
    response = sign_in(client, "clerk1", CLERK_PASSWORD, next_path="/staff/protected?x=1")
    assert response.headers["location"] == "/staff/protected?x=1"
    for evil in ("//evil.example/", "https://evil.example/staff/", "/staff\\@evil", "/api/whoami", "/elsewhere"):
        assert safe_next(evil) == "/staff/"
    assert safe_next("/staff/applications/A1?tab=2") == "/staff/applications/A1?tab=2"


def test_signed_in_staff_visiting_sign_in_is_sent_on(client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    response = client.get("/staff/sign-in", params={"next": "/staff/protected"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/protected"


def test_wrong_password_and_unknown_login_get_the_same_generic_message(client: TestClient) -> None:
    wrong = sign_in(client, "clerk1", "not the password")
    unknown = sign_in(client, "nobody", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert alert_text(response.text) == INVALID_JA
        assert not any(h.startswith("mdg_session=") for h in response.headers.get_list("set-cookie"))
    assert "mdg_session" not in client.cookies
    # The login id typed stays in the field, the password does not; the error is linked to the inputs.
    assert 'value="clerk1"' in wrong.text
    assert "not the password" not in wrong.text
    assert 'aria-describedby="sign-in-error"' in wrong.text


def test_what_was_typed_is_escaped(env: Env, client: TestClient) -> None:
    response = sign_in(client, '"><script>alert(1)</script>', "not the password")
    assert response.status_code == 401
    assert "<script" not in response.text
    assert "&#34;&gt;&lt;script&gt;" in response.text
    env.bo.accounts.create_staff("xss", "<b>名前</b>", "clerk", CLERK_PASSWORD, now=env.clock())
    sign_in(client, "xss", CLERK_PASSWORD)
    assert "&lt;b&gt;名前&lt;/b&gt;" in client.get("/staff/").text


def test_empty_fields_get_field_errors_linked_to_the_inputs(client: TestClient) -> None:
    page = client.get("/staff/sign-in")
    response = client.post("/staff/sign-in", data={"login": "", "password": "", "csrf_token": form_token(page.text)})
    assert response.status_code == 400
    assert 'id="login-error"' in response.text
    assert 'aria-describedby="login-error sign-in-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert '<label class="field__label" for="password">' in response.text


def test_sign_in_log_records_attempts(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", "not the password")
    sign_in(client, "ghost", "not the password")
    sign_in(client, "clerk1", CLERK_PASSWORD)
    with env.bo.db.sessions() as session:
        rows = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
        assert [(r.login, r.outcome, r.staff_id is not None) for r in rows] == [
            ("clerk1", "invalid", True),
            ("ghost", "invalid", False),
            ("clerk1", "ok", True),
        ]


# -- lock-out and throttling -------------------------------------------------------------------------------


def failed_attempts(env: Env, login: str, count: int) -> list[tuple[int, str]]:
    """`count` wrong passwords for `login`, each from a fresh browser (no device cookie): status and alert."""
    answers = []
    for _ in range(count):
        response = sign_in(env.client(), login, "not the password")
        answers.append((response.status_code, alert_text(response.text)))
    return answers


def test_unknown_and_real_logins_answer_alike_and_are_held_back_alike(env: Env) -> None:
    real = failed_attempts(env, "clerk1", MAX_FAILURES + 2)
    unknown = failed_attempts(env, "nobody", MAX_FAILURES + 2)
    assert real == unknown
    assert real[:MAX_FAILURES] == [(401, INVALID_JA)] * MAX_FAILURES
    status, text = real[MAX_FAILURES]
    assert status == 429
    assert "ロック" in text and "1分" in text


def test_lock_out_is_short_backoff_that_grows_and_refuses_before_any_hash(env: Env) -> None:
    calls = count_hashes(env)
    failed_attempts(env, "clerk1", MAX_FAILURES)
    before = calls["verify"]
    refused = sign_in(env.client(), "clerk1", CLERK_PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert calls["verify"] == before, "no hash while held back"
    env.clock.advance(timedelta(minutes=1))
    assert failed_attempts(env, "clerk1", 1)[0][0] == 401  # one more try, then twice as long
    assert sign_in(env.client(), "clerk1", CLERK_PASSWORD).headers["retry-after"] == "120"
    env.clock.advance(timedelta(minutes=2))
    assert sign_in(env.client(), "clerk1", CLERK_PASSWORD).status_code == 303
    assert failed_attempts(env, "clerk1", MAX_FAILURES)[-1][0] == 401, "success started the count again"


def test_an_attacker_cannot_lock_a_clerk_out_of_a_browser_they_signed_in_with(env: Env) -> None:
    clerk_browser = env.client()
    assert sign_in(clerk_browser, "clerk1", CLERK_PASSWORD).status_code == 303
    assert "mdg_device" in clerk_browser.cookies
    sign_out(clerk_browser)

    assert failed_attempts(env, "clerk1", MAX_FAILURES + 3)[-1][0] == 429
    assert sign_in(env.client(), "clerk1", CLERK_PASSWORD).status_code == 429, "a new browser waits"
    assert sign_in(clerk_browser, "clerk1", CLERK_PASSWORD).status_code == 303, "the clerk's own browser does not"
    sign_out(clerk_browser)

    # The device cookie names the login ids signed in with it: it does not help another login id.
    assert failed_attempts(env, "boss", MAX_FAILURES)[-1][0] == 401
    assert sign_in(clerk_browser, "boss", SUPERVISOR_PASSWORD).status_code == 429


def test_a_known_browser_has_a_failure_budget_of_its_own(env: Env) -> None:
    browser = env.client()
    sign_in(browser, "clerk1", CLERK_PASSWORD)
    sign_out(browser)
    statuses = [sign_in(browser, "clerk1", "not the password").status_code for _ in range(2 * MAX_FAILURES + 1)]
    # Its own budget, then the one of any other browser, then it waits like any other.
    assert statuses == [401] * (2 * MAX_FAILURES) + [429]


def test_attempts_are_held_back_per_address_before_any_hash(db_url: str) -> None:
    settings = Settings(database_url=db_url, login_address_attempts=3, login_address_refill=timedelta(minutes=1))
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    app, bo = make_app(settings, clock)
    bo.accounts.create_staff("clerk1", "窓口 一郎", "clerk", CLERK_PASSWORD, now=clock())
    env = Env(app=app, bo=bo, clock=clock, settings=settings)
    calls = count_hashes(env)
    answers = [sign_in(env.client(), login, "not the password") for login in ("a1", "a2", "clerk1", "a4")]
    assert [r.status_code for r in answers] == [401, 401, 401, 429]
    assert "このネットワーク" in alert_text(answers[-1].text)
    assert calls["verify"] == 3
    # Another address is not held back; this one gets one more attempt a minute.
    other = TestClient(app, client=("192.0.2.7", 50000))
    assert sign_in(other, "clerk1", CLERK_PASSWORD).status_code == 303
    clock.advance(timedelta(minutes=1))
    assert sign_in(env.client(), "a5", "not the password").status_code == 401
    assert sign_in(env.client(), "a6", "not the password").status_code == 429
    bo.db.dispose()


def test_lock_out_message_in_english(env: Env) -> None:
    failed_attempts(env, "clerk1", MAX_FAILURES)
    client = env.client()
    page = client.get("/staff/sign-in", params={"lang": "en"})
    response = client.post(
        "/staff/sign-in", data={"login": "clerk1", "password": CLERK_PASSWORD, "csrf_token": form_token(page.text)}
    )
    assert response.status_code == 429
    assert "This login ID is locked" in alert_text(response.text)


def test_a_sign_in_token_is_good_for_one_attempt_and_the_answer_carries_a_new_one(env: Env) -> None:
    client = env.client()
    token = form_token(client.get("/staff/sign-in").text)
    data = {"login": "clerk1", "password": "not the password", "csrf_token": token}
    first = client.post("/staff/sign-in", data=data)
    assert first.status_code == 401
    assert client.post("/staff/sign-in", data=data).status_code == 403, "the same token again"
    fresh = form_token(first.text)
    assert fresh != token
    assert client.post("/staff/sign-in", data={**data, "csrf_token": fresh}).status_code == 401
    # A sign-in page left open too long needs a reload.
    stale = form_token(client.get("/staff/sign-in").text)
    env.clock.advance(timedelta(hours=1, seconds=1))
    assert client.post("/staff/sign-in", data={**data, "csrf_token": stale}).status_code == 403
    assert client.get("/staff/sign-in").status_code == 200
    assert sign_in(client, "clerk1", CLERK_PASSWORD).status_code == 303


def count_hashes(env: Env) -> dict[str, int]:
    """Count the argon2 verifications of the app's accounts (known and dummy alike)."""
    calls = {"verify": 0}

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            calls["verify"] += 1
            return super().verify(hash, password)

    env.bo.accounts.hasher = CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    return calls


def test_password_is_rehashed_when_the_hasher_parameters_change(env: Env) -> None:
    stronger = Accounts(env.bo.db.sessions, hasher=PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    with env.bo.db.sessions() as session:
        before = session.scalars(select(StaffAccount.password_hash).where(StaffAccount.login == "clerk1")).one()
    result = stronger.authenticate("clerk1", CLERK_PASSWORD, now=env.clock())
    assert result.outcome is SignInOutcome.OK
    with env.bo.db.sessions() as session:
        after = session.scalars(select(StaffAccount.password_hash).where(StaffAccount.login == "clerk1")).one()
    assert after != before
    assert "t=2" in after
    assert stronger.authenticate("clerk1", CLERK_PASSWORD, now=env.clock()).outcome is SignInOutcome.OK


# -- anonymous requests ------------------------------------------------------------------------------------


def test_anonymous_html_route_redirects_to_sign_in_with_next(client: TestClient) -> None:
    response = client.get("/staff/protected?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?next=%2Fstaff%2Fprotected%3Fx%3D1"
    assert client.get("/staff/", follow_redirects=False).status_code == 303


def test_anonymous_json_route_gets_401_json(client: TestClient) -> None:
    response = client.get("/api/whoami")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()
    assert response.headers["www-authenticate"] == "Bearer"


# -- CSRF --------------------------------------------------------------------------------------------------


def test_csrf_on_state_changing_routes(client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    token = form_token(client.get("/staff/").text)

    missing = client.post("/staff/do", data={})
    assert missing.status_code == 403
    assert t("error.csrf", "ja") in missing.text
    assert client.post("/staff/do", data={"csrf_token": token[:-2] + "xx"}).status_code == 403
    assert client.post("/staff/do", data={"csrf_token": token}).json() == {"done_by": "clerk1"}
    assert client.post("/staff/do", headers={"X-CSRF-Token": token}).json() == {"done_by": "clerk1"}
    json_refusal = client.post("/api/do", json={})
    assert json_refusal.status_code == 403
    assert "CSRF" in json_refusal.json()["detail"]


def test_csrf_token_is_bound_to_the_session(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    other = env.client()
    sign_in(other, "clerk1", CLERK_PASSWORD)
    other_token = form_token(other.get("/staff/").text)
    assert client.post("/staff/do", data={"csrf_token": other_token}).status_code == 403
    # The pre-session (sign-in) token does not do for a signed-in session either.
    sign_in_token = form_token(env.client().get("/staff/sign-in").text)
    assert client.post("/staff/do", data={"csrf_token": sign_in_token}).status_code == 403


def test_sign_in_form_needs_its_csrf_cookie_and_field(env: Env) -> None:
    client = env.client()
    token = form_token(client.get("/staff/sign-in").text)
    assert "mdg_signin" in client.cookies
    no_field = client.post("/staff/sign-in", data={"login": "clerk1", "password": CLERK_PASSWORD})
    assert no_field.status_code == 403
    assert t("error.csrf", "ja") in no_field.text

    without_cookie = env.client()  # a forged cross-site form: the field, but not the victim's cookie
    forged = without_cookie.post(
        "/staff/sign-in", data={"login": "clerk1", "password": CLERK_PASSWORD, "csrf_token": token}
    )
    assert forged.status_code == 403
    assert "mdg_session" not in without_cookie.cookies

    wrong_field = client.post(
        "/staff/sign-in", data={"login": "clerk1", "password": CLERK_PASSWORD, "csrf_token": "x" * 43}
    )
    assert wrong_field.status_code == 403


def test_sign_out_needs_the_csrf_token(client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    assert client.post("/staff/sign-out", data={}).status_code == 403
    assert client.get("/staff/", follow_redirects=False).status_code == 200


# -- the session cookie ------------------------------------------------------------------------------------


def test_tampered_cookie_is_anonymous(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    value = client.cookies["mdg_session"]
    payload, _, rest = value.partition(".")
    # Another staff id in the payload, signature kept.
    forged_payload = base64.urlsafe_b64encode(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(b'"sid":1', b'"sid":2')
    ).rstrip(b"=")
    assert forged_payload.decode() != payload
    # The signature's first character: all six of its bits count (the last one's low bits may not, so
    # changing it can leave the decoded signature as it was).
    signed, _, signature = value.rpartition(".")
    bad_signature = signed + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (bad_signature, forged_payload.decode() + "." + rest, "garbage"):
        tampered = env.client(cookies={"mdg_session": bad})
        assert tampered.get("/staff/", follow_redirects=False).status_code == 303
        assert tampered.get("/api/whoami").status_code == 401
    assert env.client(cookies={"mdg_session": value}).get("/staff/").status_code == 200


def test_expired_cookie_is_anonymous(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    env.clock.advance(env.settings.session_max_age - timedelta(seconds=1))
    assert client.get("/staff/", follow_redirects=False).status_code == 200
    env.clock.advance(timedelta(seconds=2))
    response = client.get("/staff/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/sign-in")


def test_deactivated_account_loses_its_session_at_once(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    env.bo.accounts.set_active("clerk1", False)
    assert client.get("/staff/", follow_redirects=False).status_code == 303
    # ...and cannot sign in again (same generic message), nor does the stale cookie break the sign-in form.
    response = sign_in(client, "clerk1", CLERK_PASSWORD)
    assert alert_text(response.text) == INVALID_JA
    assert sign_in(client, "boss", SUPERVISOR_PASSWORD).status_code == 303


def test_secure_setting_gives_a_secure_host_only_cookie(db_url: str) -> None:
    settings = Settings(database_url=db_url, session_cookie_secure=True)
    app, bo = make_app(settings, Clock(datetime.now(UTC)))
    bo.accounts.create_staff("clerk1", "窓口 一郎", "clerk", CLERK_PASSWORD, now=datetime.now(UTC))
    client = TestClient(app, base_url="https://testserver")
    page = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={"login": "clerk1", "password": CLERK_PASSWORD, "csrf_token": form_token(page.text)},
        follow_redirects=False,
    )
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("__Host-mdg_session="))
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    assert client.get("/staff/").status_code == 200
    bo.db.dispose()


# -- API tokens --------------------------------------------------------------------------------------------


def test_bearer_token_authenticates_is_csrf_exempt_and_only_its_hash_is_stored(env: Env, client: TestClient) -> None:
    token = env.bo.accounts.create_token("clerk1", "ci", now=env.clock())
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/whoami", headers=headers).json() == {"login": "clerk1", "role": "clerk"}
    assert client.post("/api/do", headers=headers).json() == {"done_by": "clerk1"}
    assert client.post("/staff/do", headers=headers).json() == {"done_by": "clerk1"}

    with env.bo.db.sessions() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() == token_hash(token)
        assert row.last_used_at is not None
        for column in ApiToken.__table__.columns:
            assert token not in str(getattr(row, column.key))


def test_invalid_expired_or_revoked_bearer_token_gets_401(env: Env, client: TestClient) -> None:
    for header in ("Bearer mdg_not-a-token", "Bearer ", "Basic Y2xlcms6cGFzcw==", "Bearer nonsense"):
        response = client.get("/api/whoami", headers={"Authorization": header})
        assert response.status_code == 401, header
        # HTML routes too: a script gets 401, not a sign-in page.
        assert client.get("/staff/protected", headers={"Authorization": header}).status_code == 401
        assert client.post("/api/do", headers={"Authorization": header}).status_code == 401

    expiring = env.bo.accounts.create_token("clerk1", "short", now=env.clock(), expires_at=env.clock() + timedelta(1))
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {expiring}"}).status_code == 200
    env.clock.advance(timedelta(days=1))
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {expiring}"}).status_code == 401

    revoked = env.bo.accounts.create_token("clerk1", "ci", now=env.clock())
    assert env.bo.accounts.revoke_tokens("clerk1", "ci", now=env.clock()) == 1
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {revoked}"}).status_code == 401

    live = env.bo.accounts.create_token("clerk1", "live", now=env.clock())
    env.bo.accounts.set_active("clerk1", False)
    assert client.get("/api/whoami", headers={"Authorization": f"Bearer {live}"}).status_code == 401


# -- roles -------------------------------------------------------------------------------------------------


def test_supervisor_only_route_refuses_a_clerk(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    refused = client.get("/staff/supervisor-only")
    assert refused.status_code == 403
    assert t("error.forbidden", "ja") in refused.text

    boss = env.client()
    sign_in(boss, "boss", SUPERVISOR_PASSWORD)
    assert boss.get("/staff/supervisor-only").json() == {"ok": "boss"}
    assert "責任者" in boss.get("/staff/").text


# -- layout, language, headers -----------------------------------------------------------------------------


def test_security_headers_on_back_office_responses_only(client: TestClient) -> None:
    responses = [
        client.get("/staff/sign-in"),
        client.get("/staff/", follow_redirects=False),
        client.get("/api/whoami"),
    ]
    for response in responses:
        assert response.headers["content-security-policy"] == (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
    css = client.get("/staff/static/backoffice.css")
    assert css.status_code == 200
    assert "Noto Sans JP" in css.text
    assert css.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in css.headers.get("cache-control", "")
    other = client.get("/elsewhere")
    assert "content-security-policy" not in other.headers


def test_layout_is_accessible_and_switches_language(env: Env, client: TestClient) -> None:
    page = client.get("/staff/sign-in")
    html = page.text
    assert '<html lang="ja">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert '<label class="field__label" for="login">' in html
    assert 'id="login"' in html
    assert "市川市 LINE窓口 バックオフィス" in html
    assert "http://" not in html and "https://" not in html  # no external resources
    assert ' style="' not in html and "<script" not in html  # the CSP allows neither

    english = client.get("/staff/sign-in", params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert "Ichikawa LINE counter — back office" in english.text
    assert any(h.startswith("mdg_lang=en") for h in english.headers.get_list("set-cookie"))
    assert '<html lang="en">' in client.get("/staff/sign-in").text  # remembered
    assert 'href="/staff/sign-in?lang=ja" lang="ja"' in client.get("/staff/sign-in").text

    sign_in(client, "clerk1", CLERK_PASSWORD)
    home = client.get("/staff/")
    assert "Sign out" in home.text
    assert 'aria-label="Main menu"' in home.text
    assert "<nav" in home.text
    assert "Clerk" in home.text
    assert '<html lang="ja">' in client.get("/staff/?lang=ja").text


def test_package_exports_are_listed() -> None:
    import backoffice

    assert set(backoffice.__all__) == set(backoffice._EXPORTS)
    for name in backoffice.__all__:
        assert getattr(backoffice, name) is not None


def test_an_unknown_text_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        t("no.such.key", "ja")


# -- the CLI -----------------------------------------------------------------------------------------------


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k.upper() not in {"PROFILE", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "admin", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=60,
        check=False,
    )


def run_main(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """The CLI in-process (fast): exit code, stdout, stderr."""
    result = CliRunner().invoke(admin_app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_cli_create_staff_and_token_in_a_subprocess(env: Env, db_url: str) -> None:
    created = cli(
        "create-staff", "--url", db_url, "--login", "Clerk2", "--name", "窓口 二郎", "--role", "clerk",
        "--password-stdin", stdin="a long enough passphrase\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "clerk2" in created.stdout
    with env.bo.db.sessions() as session:
        stored = session.scalars(select(StaffAccount.password_hash).where(StaffAccount.login == "clerk2")).one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # argon2-cffi's defaults outside tests
    assert sign_in(env.client(), "clerk2", "a long enough passphrase").status_code == 303

    made = cli("create-token", "--url", db_url, "--login", "clerk2", "--name", "ci")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("mdg_")
    assert env.client().get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).json()["login"] == "clerk2"


def test_cli_refusals(env: Env, db_url: str) -> None:
    common = ("--url", db_url, "--name", "x", "--role", "clerk", "--password-stdin")
    code, _, err = run_main("create-staff", *common, "--login", "clerk1", stdin="another passphrase\n")
    assert (code, "taken" in err) == (1, True)
    code, _, err = run_main("create-staff", *common, "--login", "c3", stdin="short\n")
    assert (code, "at least 12 characters" in err) == (2, True)
    code, _, err = run_main("create-staff", *common, "--login", "bad login!", stdin="another passphrase\n")
    assert (code, "login id" in err) == (2, True)
    assert err.startswith("error: refused: ") and len(err.strip().splitlines()) == 1
    code, _, _ = run_main("create-staff", "--url", db_url, "--login", "c3", "--name", "x", "--role", "mayor")
    assert code == 2
    code, _, err = run_main("create-token", "--url", db_url, "--login", "ghost", "--name", "ci")
    assert (code, "no staff account" in err) == (1, True)
    code, _, _ = run_main("create-token", "--url", db_url, "--login", "clerk1", "--name", "ci", "--days", "0")
    assert code == 2
    code, _, _ = run_main("frobnicate")
    assert code == 2


def test_cli_revoke_lock_unlock_set_password_and_remove(env: Env, db_url: str) -> None:
    token = env.bo.accounts.create_token("clerk1", "ci", now=env.clock())
    assert run_main("revoke-tokens", "--url", db_url, "--login", "clerk1")[:2] == (0, "revoked 1 token(s)\n")
    assert env.client().get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    browser = env.client()
    sign_in(browser, "clerk1", CLERK_PASSWORD)
    assert run_main("lock", "--url", db_url, "--login", "clerk1")[0] == 0
    assert browser.get("/api/whoami").status_code == 401
    assert alert_text(sign_in(env.client(), "clerk1", CLERK_PASSWORD).text) == INVALID_JA
    assert run_main("unlock", "--url", db_url, "--login", "clerk1")[0] == 0
    assert browser.get("/api/whoami").status_code == 401, "unlocking brings no session back"
    assert sign_in(browser, "clerk1", CLERK_PASSWORD).status_code == 303

    changed = run_main(
        "set-password", "--url", db_url, "--login", "clerk1", "--password-stdin", stdin="another long passphrase\n"
    )
    assert changed[0] == 0, changed
    assert browser.get("/api/whoami").status_code == 401
    assert sign_in(browser, "clerk1", "another long passphrase").status_code == 303

    assert run_main("remove-staff", "--url", db_url, "--login", "clerk1")[0] == 0
    assert browser.get("/api/whoami").status_code == 401
    assert run_main("lock", "--url", db_url, "--login", "clerk1")[0] == 1


def test_cli_seed_demo_is_idempotent_and_refused_in_production(env: Env, db_url: str, tmp_path: Path) -> None:
    code, out, _ = run_main("seed-demo-staff", "--url", db_url)
    assert code == 0
    assert out.count("(created)") == 2
    code, out, _ = run_main("seed-demo-staff", "--url", db_url)
    assert code == 0
    assert out.count("(already there)") == 2
    with env.bo.db.sessions() as session:
        logins = session.scalars(select(StaffAccount.login).where(StaffAccount.login.in_(["clerk", "supervisor"])))
        assert sorted(logins) == ["clerk", "supervisor"]
    assert DEMO_PASSWORD == "madoguchi-demo-2026"
    assert sign_in(env.client(), "clerk", DEMO_PASSWORD).status_code == 303
    supervisor = env.client()
    sign_in(supervisor, "supervisor", DEMO_PASSWORD)
    assert supervisor.get("/staff/supervisor-only").status_code == 200

    production = {
        "PROFILE": "production",
        "LINE_CHANNEL_SECRET": secrets.token_hex(16),
        "LINE_CHANNEL_ACCESS_TOKEN": secrets.token_urlsafe(128),
        "USER_ID_HASH_KEY": secrets.token_urlsafe(32),
        "BLOB_KEYS": "prod1:" + base64.b64encode(bytes(range(32))).decode(),
        "SESSION_SECRET": secrets.token_urlsafe(32),
        "SESSION_COOKIE_SECURE": "true",
        "LINEPAY_CHANNEL_SECRET": secrets.token_hex(16),
        "CERT_SIGNING_KEYS": "prod-cert:" + base64.b64encode(bytes(range(1, 33))).decode(),
        "PAYLOAD_KEYS": "prod-payload:" + base64.b64encode(bytes(range(2, 34))).decode(),
        "CODEC_TOKEN": secrets.token_urlsafe(32),
    }
    target = tmp_path / "production.sqlite"
    refused = cli("seed-demo-staff", "--url", f"sqlite:///{target}", env=production)
    assert refused.returncode == 1
    assert "published password" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr, "refused by seed-demo-staff itself, not by invalid settings"
    assert not target.exists()


# -- revoking sessions -------------------------------------------------------------------------------------


def test_sign_out_ends_every_session_of_that_person_even_a_copied_cookie(env: Env) -> None:
    first, second, other_person = env.client(), env.client(), env.client()
    sign_in(first, "clerk1", CLERK_PASSWORD)
    sign_in(second, "clerk1", CLERK_PASSWORD)
    sign_in(other_person, "boss", SUPERVISOR_PASSWORD)
    copied = env.client(cookies={"mdg_session": first.cookies["mdg_session"]})
    assert copied.get("/api/whoami").status_code == 200

    home = first.get("/staff/")
    assert first.post("/staff/sign-out", data={"csrf_token": form_token(home.text)}).status_code == 200
    assert copied.get("/api/whoami").status_code == 401
    assert copied.get("/staff/", follow_redirects=False).status_code == 303
    assert second.get("/api/whoami").status_code == 401, "every session of that person ends"
    assert other_person.get("/api/whoami").json()["login"] == "boss", "nobody else's"


def test_password_change_ends_existing_sessions(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    copied = env.client(cookies={"mdg_session": client.cookies["mdg_session"]})
    env.bo.accounts.set_password("clerk1", "a brand new passphrase")
    assert client.get("/api/whoami").status_code == 401
    assert copied.get("/api/whoami").status_code == 401
    assert sign_in(env.client(), "clerk1", "a brand new passphrase").status_code == 303


def test_lock_ends_sessions_and_unlocking_does_not_bring_them_back(env: Env, client: TestClient) -> None:
    sign_in(client, "clerk1", CLERK_PASSWORD)
    cookie = client.cookies["mdg_session"]
    env.bo.accounts.set_active("clerk1", False)
    env.bo.accounts.set_active("clerk1", True)
    assert env.client(cookies={"mdg_session": cookie}).get("/api/whoami").status_code == 401
    assert sign_in(env.client(), "clerk1", CLERK_PASSWORD).status_code == 303


def test_a_removed_staff_members_cookie_does_not_open_a_new_account_with_the_same_id(env: Env) -> None:
    boss = env.client()
    sign_in(boss, "boss", SUPERVISOR_PASSWORD)
    with env.bo.db.sessions.begin() as session:
        account = session.scalars(select(StaffAccount).where(StaffAccount.login == "boss")).one()
        old_id = account.id
        session.delete(account)
    # SQLite hands the highest rowid out again: the new account may get the removed one's id.
    newcomer = env.bo.accounts.create_staff("newcomer", "新人 三郎", "supervisor", SUPERVISOR_PASSWORD, now=env.clock())
    assert newcomer.id == old_id
    assert boss.get("/api/whoami").status_code == 401


def test_a_database_made_by_the_previous_version_gets_the_sessions_table(db_url: str) -> None:
    from backoffice.db import Base, make_engine

    engine = make_engine(db_url)
    previous = [table for name, table in Base.metadata.tables.items() if name != "staff_session"]
    Base.metadata.create_all(engine, tables=previous)
    engine.dispose()
    settings = Settings(database_url=db_url)
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    app, bo = make_app(settings, clock)
    bo.accounts.create_staff("clerk1", "窓口 一郎", "clerk", CLERK_PASSWORD, now=clock())
    client = TestClient(app)
    assert sign_in(client, "clerk1", CLERK_PASSWORD).status_code == 303
    assert client.get("/api/whoami").json()["login"] == "clerk1"
    bo.db.dispose()


def test_no_free_hashing_slot_answers_busy_and_the_attempt_does_not_count(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import anyio

    import backoffice.sign_in

    class NeverFree:
        async def acquire(self) -> None:
            await anyio.sleep(60)

        def release(self) -> None:
            raise AssertionError("never acquired")

    monkeypatch.setattr(backoffice.sign_in, "HASH_QUEUE_TIMEOUT", 0.05)
    real = env.bo.throttle.hashing
    env.bo.throttle.hashing = NeverFree()  # type: ignore[assignment]
    for _ in range(MAX_FAILURES + 1):
        busy = sign_in(env.client(), "clerk1", "not the password")
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "5"
        assert alert_text(busy.text) == t("sign_in.error.busy", "ja")
    env.bo.throttle.hashing = real
    assert sign_in(env.client(), "clerk1", CLERK_PASSWORD).status_code == 303, "the busy answers did not count"


def test_throttle_keys_addresses_by_host_and_ipv6_by_64() -> None:
    assert address_key("192.0.2.1") == "192.0.2.1"
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key(None) == "unknown"
    assert address_key("testclient") == "testclient"
