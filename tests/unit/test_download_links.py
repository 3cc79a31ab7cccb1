"""Digital copies: signed download links that expire; altered or expired links never reach the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import certificates
from config.settings import Settings
from domain.download import check, download_url

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def parts(url: str) -> tuple[str, str, str]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return parsed.path.split("/")[2], query["exp"][0], query["sig"][0]


def test_a_link_is_valid_until_it_expires() -> None:
    url = download_url("https://city.example/", "secret", "CERTID", NOW + timedelta(days=7))
    assert url.startswith("https://city.example/certificates/CERTID/download?exp=")
    cid, exp, sig = parts(url)
    assert check("secret", cid, exp, sig, NOW) == "ok"
    assert check("secret", cid, exp, sig, NOW + timedelta(days=7, seconds=1)) == "expired"
    assert check("other-secret", cid, exp, sig, NOW) == "invalid"
    assert check("secret", "OTHERID", exp, sig, NOW) == "invalid", "a link opens only its own certificate"
    assert check("secret", cid, str(int(exp) + 86400), sig, NOW) == "invalid", "the expiry cannot be extended"
    assert check("secret", cid, "soon", sig, NOW) == "invalid"


def test_the_endpoint_refuses_expired_and_forged_links_before_any_lookup() -> None:
    settings = Settings(database_url="sqlite:///:memory:")
    app = FastAPI()
    app.state.settings = settings
    app.include_router(certificates.router)
    client = TestClient(app)
    past = download_url("http://x", settings.session_secret, "CERTID", datetime.now(UTC) - timedelta(minutes=1))
    cid, exp, sig = parts(past)
    expired = client.get(f"/certificates/{cid}/download", params={"exp": exp, "sig": sig})
    assert expired.status_code == 410 and "有効期限" in expired.text
    forged = client.get(f"/certificates/{cid}/download", params={"exp": str(int(exp) + 10**6), "sig": sig})
    assert forged.status_code == 403
    assert client.get(f"/certificates/{cid}/download").status_code == 403
