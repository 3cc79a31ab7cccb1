"""Issuing (idempotent per application) and the verification endpoints: keys, JSON, page, revocation."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from activities.certificates import CertificateActivities
from api.verify import router
from backoffice import cheap_hasher, init_backoffice
from certificates.__main__ import main as cli_main
from certificates.issue import IssuedCertificate, issue_certificate
from certificates.signing import SigningKeys, verify_pdf
from certificates.store import CertificateRow, CertificateStore
from config import Settings
from domain.models import RevokeCertificateInput
from registry.seed import seed_demo
from registry.sql import SqlRegistry
from storage.blobs import EncryptedBlobStore, blob_store_from_settings

CLERK_PASSWORD = "correct horse battery"
SUPERVISOR_PASSWORD = "staple battery horse"
ICHIRO, HANAKO = "P9000001", "P9000005"
WHOLE = {"scope": "whole", "include_head_relationship": "yes", "include_domicile": "yes"}
NOW = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # 10:30 in Japan


def seed(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


OLD_KEYS = f"k2025:{seed(1)}"
KEYS = f"k2026:{seed(2)},k2025:{seed(1)}"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlRegistry]:
    store = SqlRegistry.from_url(f"sqlite:///{tmp_path_factory.mktemp('registry') / 'registry.sqlite'}")
    seed_demo(store.engine)
    yield store
    store.close()


@dataclass
class Env:
    app: FastAPI
    settings: Settings
    store: CertificateStore
    blobs: EncryptedBlobStore
    registry: SqlRegistry

    def issue(
        self, application_id: str, *, keys: str = KEYS, person: str = ICHIRO, now: datetime = NOW
    ) -> IssuedCertificate:
        return issue_certificate(
            application_id=application_id,
            procedure_code="juminhyo",
            answers=WHOLE,
            person_id=person,
            registry=self.registry,
            store=self.store,
            blobs=self.blobs,
            keyring=SigningKeys.parse(keys),
            public_url="https://madoguchi.example.jp/",
            now=now,
        )


@pytest.fixture
def env(tmp_path: Path, registry: SqlRegistry) -> Iterator[Env]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'backoffice.sqlite'}",
        blob_dir=tmp_path / "blobs",
        cert_signing_keys=KEYS,
    )
    app = FastAPI()
    bo = init_backoffice(app, settings, hasher=cheap_hasher())
    app.state.settings = settings
    app.include_router(router)
    now = datetime.now(UTC)
    bo.accounts.create_staff("clerk1", "窓口 一郎", "clerk", CLERK_PASSWORD, now=now)
    bo.accounts.create_staff("boss", "責任 花子", "supervisor", SUPERVISOR_PASSWORD, now=now)
    blobs = blob_store_from_settings(settings.blob_dir, settings.blob_keys)
    yield Env(app, settings, CertificateStore(app.state.backoffice_sessions), blobs, registry)
    bo.db.dispose()


@pytest.fixture
def client(env: Env) -> TestClient:
    return TestClient(env.app)


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token field on the page"
    return match.group(1)


def sign_in(client: TestClient, login: str, password: str) -> None:
    page = client.get("/staff/sign-in")
    data = {"login": login, "password": password, "csrf_token": form_token(page.text)}
    response = client.post("/staff/sign-in", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


# -- issuing ---------------------------------------------------------------------------------------------


def test_issuing_twice_for_one_application_reuses_the_number(env: Env) -> None:
    first = env.issue("app-1")
    assert first.number == "2026-000001" and first.pages == 1 and len(first.certificate_id) == 22
    again = env.issue("app-1", now=NOW + timedelta(minutes=5))  # a retried activity
    assert again == first
    second = env.issue("app-2", person=HANAKO)
    assert second.number == "2026-000002" and second.certificate_id != first.certificate_id
    pdf = env.blobs.get(first.pdf_blob_key)
    assert pdf.startswith(b"%PDF-") and env.blobs.get(first.preview_blob_key).startswith(b"\x89PNG")
    result = verify_pdf(pdf, SigningKeys.parse(KEYS).keys_document())
    assert result.valid and result.data is not None
    assert result.data.number == first.number and result.data.issued_at.isoformat() == "2026-11-27"
    assert result.verify_url == f"https://madoguchi.example.jp/verify/{first.certificate_id}"
    stored = env.store.get(first.certificate_id)
    assert stored is not None and stored.pdf_sha256 == first.pdf_sha256 and stored.status == "valid"


def test_a_retry_after_a_crash_keeps_the_allocated_number(env: Env) -> None:
    certificate_id, number = env.store.allocate("app-9", procedure_code="juminhyo", now=NOW)
    assert env.store.allocate("app-9", now=NOW + timedelta(days=1)) == (certificate_id, number)
    issued = env.issue("app-9", now=NOW + timedelta(hours=1))  # the activity crashed before rendering; retried
    assert (issued.certificate_id, issued.number) == (certificate_id, number)
    assert env.store.allocate("app-10", now=NOW)[1] == "2026-000002"


def test_numbers_are_per_japanese_year(env: Env) -> None:
    new_year_eve_utc = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 2027-01-01 01:00 in Japan
    assert env.store.allocate("a", now=datetime(2026, 12, 31, 14, 0, tzinfo=UTC))[1] == "2026-000001"
    assert env.store.allocate("b", now=new_year_eve_utc)[1] == "2027-000001"
    assert env.store.allocate("c", now=new_year_eve_utc)[1] == "2027-000002"
    with pytest.raises(ValueError, match="naive"):
        env.store.allocate("d", now=datetime(2026, 1, 1))


# -- public verification ---------------------------------------------------------------------------------


def test_keys_list_the_current_and_the_old_key(client: TestClient) -> None:
    response = client.get("/verify/keys")
    assert response.status_code == 200
    assert [k["kid"] for k in response.json()["keys"]] == ["k2026", "k2025"]
    assert all("d" not in k for k in response.json()["keys"])


def test_json_of_a_valid_certificate_discloses_little(env: Env, client: TestClient) -> None:
    issued = env.issue("app-1")
    response = client.get(f"/verify/{issued.certificate_id}.json")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "valid" and body["number"] == issued.number and body["type"] == "juminhyo"
    assert body["title"] == {"ja": "住民票の写し", "en": "Certificate of residence"}
    assert (body["issued_on"], body["issued_on_ja"]) == ("2026-11-27", "令和8年11月27日")
    assert body["holder"] == {"name": "市川 一郎", "birth_date": "1970-05-20"}
    assert body["persons_listed"] == 3 and body["pages"] == 1 and body["signature_valid"] is True
    assert body["pdf_sha256"] == issued.pdf_sha256 and body["revoked_at"] is None
    text = response.text
    my_number = env.registry.get_my_number(ICHIRO)
    assert my_number and my_number not in text
    for hidden in ("八幡", "恵子", "太郎", "本籍", "domicile"):
        assert hidden not in text


def test_the_page_shows_the_same_in_japanese_and_english_without_external_resources(
    env: Env, client: TestClient
) -> None:
    issued = env.issue("app-1")
    response = client.get(f"/verify/{issued.certificate_id}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "有効な証明書です" in html and "This certificate is valid." in html
    assert issued.number in html and "市川 一郎" in html and "令和8年11月27日" in html
    assert "八幡" not in html and "<form" not in html, "no address; no revoke form for the public"
    assert not re.search(r"<(script|link|img|iframe)\b", html) and "src=" not in html
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_unknown_ids_are_unknown(client: TestClient) -> None:
    for certificate_id in ("AAAAAAAAAAAAAAAAAAAAAA", "short", "bad-id_with.dots"):
        response = client.get(f"/verify/{certificate_id}.json")
        assert (response.status_code, response.json()) == (404, {"status": "unknown"})
        page = client.get(f"/verify/{certificate_id}")
        assert (
            page.status_code == 404
            and "該当する証明書はありません" in page.text
            and "No such certificate." in page.text
        )


def test_an_allocated_but_unissued_certificate_is_unknown(env: Env, client: TestClient) -> None:
    certificate_id, _ = env.store.allocate("app-7", now=NOW)
    assert client.get(f"/verify/{certificate_id}.json").status_code == 404


# -- revocation ------------------------------------------------------------------------------------------


def revoke(client: TestClient, certificate_id: str, **data: str) -> httpx.Response:
    response: httpx.Response = client.post(
        f"/staff/certificates/{certificate_id}/revoke", data=data, follow_redirects=False
    )
    return response


def test_anonymous_and_clerks_cannot_revoke(env: Env, client: TestClient) -> None:
    issued = env.issue("app-1")
    anonymous = revoke(client, issued.certificate_id, reason="x")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/sign-in")
    sign_in(client, "clerk1", CLERK_PASSWORD)
    refused = revoke(client, issued.certificate_id, reason="x")
    assert refused.status_code == 403
    token = form_token(refused.text)  # the sign-out form of the error page in the back office layout
    clerk = revoke(client, issued.certificate_id, reason="x", csrf_token=token)
    assert clerk.status_code == 403
    assert "<form" not in client.get(f"/verify/{issued.certificate_id}").text, "no revoke form for clerks"
    assert client.get(f"/verify/{issued.certificate_id}.json").json()["status"] == "valid"


def test_a_supervisor_revokes_with_a_csrf_token(env: Env, client: TestClient) -> None:
    issued = env.issue("app-1")
    sign_in(client, "boss", SUPERVISOR_PASSWORD)
    page = client.get(f"/verify/{issued.certificate_id}")
    assert f'action="/staff/certificates/{issued.certificate_id}/revoke"' in page.text
    assert revoke(client, issued.certificate_id, reason="紛失の届出").status_code == 403, "no CSRF token"
    assert revoke(client, issued.certificate_id, reason="x", csrf_token="forged").status_code == 403
    token = form_token(page.text)
    empty = revoke(client, issued.certificate_id, reason="  ", csrf_token=token)
    assert empty.status_code == 400 and "失効理由を入力してください" in empty.text
    done = revoke(client, issued.certificate_id, reason="紛失の届出", csrf_token=token)
    assert done.status_code == 303 and done.headers["location"] == f"/verify/{issued.certificate_id}"

    body = client.get(f"/verify/{issued.certificate_id}.json").json()
    assert body["status"] == "revoked" and body["revoked_at"].startswith("20")
    staff_page = client.get(f"/verify/{issued.certificate_id}").text
    assert "この証明書は失効しています" in staff_page and "has been revoked" in staff_page
    assert "紛失の届出" in staff_page and "boss" in staff_page, "staff see why and who"
    public = TestClient(env.app).get(f"/verify/{issued.certificate_id}")
    assert "この証明書は失効しています" in public.text and "紛失の届出" not in public.text
    stored = env.store.get(issued.certificate_id)
    assert stored is not None and (stored.revoked_by, stored.revoke_reason) == ("boss", "紛失の届出")
    assert revoke(client, "AAAAAAAAAAAAAAAAAAAAAA", reason="x", csrf_token=token).status_code == 404


async def test_the_withdrawal_activity_revokes_once_and_knows_unknown_ids(env: Env, client: TestClient) -> None:
    issued = env.issue("app-w")
    activities = CertificateActivities(
        env.registry, env.store, env.blobs, SigningKeys.parse(KEYS), "https://madoguchi.example.jp/", "link-secret"
    )
    first = await activities.revoke_certificate(RevokeCertificateInput(issued.certificate_id, "application withdrawn"))
    again = await activities.revoke_certificate(RevokeCertificateInput(issued.certificate_id, "another reason"))
    assert first and again == first, "a retried revocation keeps the first"
    stored = env.store.get(issued.certificate_id)
    assert stored is not None and (stored.revoked_by, stored.revoke_reason) == ("system", "application withdrawn")
    assert client.get(f"/verify/{issued.certificate_id}.json").json()["status"] == "revoked"
    assert await activities.revoke_certificate(RevokeCertificateInput("AAAAAAAAAAAAAAAAAAAAAA", "x")) == ""


def test_rotation_end_to_end_with_the_published_keys(env: Env, client: TestClient, tmp_path: Path) -> None:
    """A certificate signed before the rotation verifies offline with the keys the server publishes after it."""
    issued = env.issue("app-old", keys=OLD_KEYS)
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(client.get("/verify/keys").json()), encoding="utf-8")
    pdf = tmp_path / "old.pdf"
    pdf.write_bytes(env.blobs.get(issued.pdf_blob_key))
    assert cli_main(["verify", str(pdf), "--keys", str(keys)]) == 0
    assert client.get(f"/verify/{issued.certificate_id}.json").json()["key_id"] == "k2025"
    pdf.write_bytes(pdf.read_bytes().replace(b"q 595.28", b"q 595.00"))
    assert cli_main(["verify", str(pdf), "--keys", str(keys)]) == 1


# -- an altered or unreadable register row -----------------------------------------------------------------


def alter(env: Env, certificate_id: str, **values: object) -> None:
    """Change the certificate's row behind the application's back (as a database user could)."""
    with env.app.state.backoffice_sessions.begin() as session:
        row = session.get(CertificateRow, certificate_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def assert_not_valid(client: TestClient, certificate_id: str, expected_status: int = 200) -> None:
    response = client.get(f"/verify/{certificate_id}.json")
    assert response.status_code == expected_status, response.text
    body = response.json()
    assert body["status"] == "invalid" and body.get("signature_valid") is False
    page = client.get(f"/verify/{certificate_id}")
    assert page.status_code == expected_status, page.text
    assert "有効な証明書です" not in page.text and "This certificate is valid." not in page.text
    assert 'class="status valid"' not in page.text, "never the green box"
    assert "この証明書は確認できません" in page.text and "cannot be verified" in page.text
    assert "市川 一郎" not in page.text + response.text, "nothing from an unverified payload is shown"


def test_a_row_with_an_altered_payload_is_invalid_not_valid(env: Env, client: TestClient) -> None:
    issued = env.issue("app-1")
    stored = env.store.get(issued.certificate_id)
    assert stored is not None and stored.payload is not None
    alter(env, issued.certificate_id, payload=stored.payload.replace("1970-05-20", "1999-05-20"))
    assert_not_valid(client, issued.certificate_id)


def test_a_row_with_an_altered_signature_or_key_id_is_invalid(env: Env, client: TestClient) -> None:
    first, second = env.issue("app-1"), env.issue("app-2", person=HANAKO)
    other = env.store.get(second.certificate_id)
    assert other is not None
    alter(env, first.certificate_id, signature=other.signature)
    assert_not_valid(client, first.certificate_id)
    alter(env, second.certificate_id, key_id="k2025")
    assert_not_valid(client, second.certificate_id)


def test_a_validly_signed_payload_copied_into_another_row_is_invalid(env: Env, client: TestClient) -> None:
    first, second = env.issue("app-1"), env.issue("app-2", person=HANAKO)
    source = env.store.get(first.certificate_id)
    assert source is not None
    alter(env, second.certificate_id, payload=source.payload, signature=source.signature, key_id=source.key_id)
    assert_not_valid(client, second.certificate_id)


@pytest.mark.parametrize("payload", ["not json {", "[]", "{}", '{"format": 1}', ""])
def test_an_unreadable_payload_is_409_with_a_log_line_not_500(
    env: Env, client: TestClient, caplog: pytest.LogCaptureFixture, payload: str
) -> None:
    issued = env.issue("app-1")
    alter(env, issued.certificate_id, payload=payload)
    with caplog.at_level("WARNING", logger="api.verify"):
        assert_not_valid(client, issued.certificate_id, expected_status=409)
    lines = [r.getMessage() for r in caplog.records if r.name == "api.verify"]
    assert lines and all(issued.number in line for line in lines), lines
    assert not any(issued.certificate_id in line for line in lines), "the id opens the public page: not logged"
    assert not any("市川" in line or "1970" in line for line in lines), "no personal data in the log"


def test_an_unreadable_but_signed_payload_is_409_not_500(
    env: Env, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A payload the current code cannot read, signed with the city's own key (a format the code forgot)."""
    issued = env.issue("app-1")
    stored = env.store.get(issued.certificate_id)
    assert stored is not None and stored.payload is not None
    payload = stored.payload.replace('"1970-05-20"', '"1970-13-45"')
    signed = SigningKeys.parse(KEYS).sign(payload)
    alter(env, issued.certificate_id, payload=payload, signature=signed.signature_b64, key_id=signed.key_id)
    with caplog.at_level("WARNING", logger="api.verify"):
        assert_not_valid(client, issued.certificate_id, expected_status=409)
    assert not any("1970-13-45" in r.getMessage() for r in caplog.records), "no payload values in the log"


def test_a_revoked_certificate_with_an_altered_payload_is_still_not_valid(env: Env, client: TestClient) -> None:
    issued = env.issue("app-1")
    env.store.revoke(issued.certificate_id, by="boss", reason="x", now=NOW)
    stored = env.store.get(issued.certificate_id)
    assert stored is not None and stored.payload is not None
    alter(env, issued.certificate_id, payload=stored.payload.replace("1970-05-20", "1999-05-20"))
    body = client.get(f"/verify/{issued.certificate_id}.json").json()
    assert body["status"] in ("invalid", "revoked") and body["status"] != "valid"
    assert "有効な証明書です" not in client.get(f"/verify/{issued.certificate_id}").text
