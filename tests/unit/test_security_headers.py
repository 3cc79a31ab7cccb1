"""Security headers on every page (HSTS in production) and the internal routes (metrics, API docs) closed to
anonymous callers in production."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.unit.test_production_settings import production
from tests.unit.test_temporal_down import PAYMENT_QUERY, api_token, app_client, settings_for, sign_in

# Production needs real secrets: random, long enough, no development key, Secure cookies.
PRODUCTION_SECRETS = {k: v for k, v in production().items() if k != "profile"}


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[TestClient]:
    yield from app_client(settings_for(tmp_path))


@pytest.fixture
def prod(tmp_path: Path) -> Iterator[TestClient]:
    yield from app_client(
        settings_for(tmp_path, profile="production", metrics_token="scrape-token", **PRODUCTION_SECRETS)
    )


# -- security headers --------------------------------------------------------------------------------------

PUBLIC_PAGES = [
    ("/payments/linepay/confirm", {"transactionId": "x", "orderId": "y"}),  # the "invalid link" page, no Temporal
    ("/certificates/CERTID/download", {}),  # the "invalid link" page
    ("/verify/AAAAAAAAAAAAAAAAAAAAAA", {}),  # the "no such certificate" page
    ("/staff/sign-in", {}),
]


def assert_page_headers(headers: httpx.Headers) -> None:
    csp = headers["content-security-policy"]
    assert "default-src" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("no-referrer", "same-origin")


@pytest.mark.parametrize(("path", "params"), PUBLIC_PAGES)
def test_every_html_page_carries_the_security_headers(dev: TestClient, path: str, params: dict[str, str]) -> None:
    response = dev.get(path, params=params)
    assert response.headers["content-type"].startswith("text/html"), (path, response.status_code)
    assert_page_headers(response.headers)
    assert "strict-transport-security" not in response.headers, "no HSTS over the development profile's plain HTTP"
    assert "style=" not in response.text, "inline style attributes would need 'unsafe-inline'"


def test_the_public_pages_inline_style_is_the_one_the_policy_allows(dev: TestClient) -> None:
    response = dev.get("/verify/AAAAAAAAAAAAAAAAAAAAAA")
    match = re.search(r"<style>(.*?)</style>", response.text, re.DOTALL)
    assert match is not None
    digest = base64.b64encode(hashlib.sha256(match.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in response.headers["content-security-policy"]


def test_the_503_page_carries_the_security_headers(dev: TestClient) -> None:
    response = dev.get("/payments/linepay/confirm", params=PAYMENT_QUERY)
    assert response.status_code == 503
    assert_page_headers(response.headers)


def test_the_back_office_keeps_its_own_policy(dev: TestClient) -> None:
    response = dev.get("/staff/sign-in")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers.get_list("content-security-policy") == [response.headers["content-security-policy"]]
    assert response.headers.get_list("x-frame-options") == ["DENY"]


@pytest.mark.parametrize(("path", "params"), PUBLIC_PAGES)
def test_production_adds_hsts(prod: TestClient, path: str, params: dict[str, str]) -> None:
    response = prod.get(path, params=params)
    assert_page_headers(response.headers)
    hsts = response.headers["strict-transport-security"]
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age is not None and int(max_age.group(1)) >= 365 * 24 * 3600
    assert prod.get("/healthz").headers["strict-transport-security"] == hsts


# -- internal routes ---------------------------------------------------------------------------------------

DOCS = ["/docs", "/redoc", "/openapi.json"]


@pytest.mark.parametrize("path", DOCS)
def test_api_docs_are_closed_to_anonymous_callers_in_production(prod: TestClient, path: str) -> None:
    response = prod.get(path, follow_redirects=False)
    assert response.status_code in (401, 404) or (
        response.status_code == 303 and response.headers["location"].startswith("/staff/sign-in")
    ), response.status_code
    assert "openapi" not in response.text.lower()


@pytest.mark.parametrize("path", DOCS)
def test_api_docs_are_open_to_signed_in_staff_in_production(prod: TestClient, path: str) -> None:
    sign_in(prod)
    response = prod.get(path)
    assert response.status_code == 200, response.text
    assert "openapi" in response.text.lower() or "swagger" in response.text.lower()


def test_the_openapi_document_takes_an_api_token_in_production(prod: TestClient) -> None:
    response = prod.get("/openapi.json", headers=api_token(prod))
    assert response.status_code == 200 and response.json()["info"]["title"] == "Madoguchi API"


@pytest.mark.parametrize("path", DOCS)
def test_api_docs_stay_open_in_development(dev: TestClient, path: str) -> None:
    assert dev.get(path).status_code == 200


def test_metrics_need_the_bearer_token_in_production(prod: TestClient) -> None:
    assert prod.get("/metrics/").status_code == 401
    assert prod.get("/metrics").status_code == 401
    assert prod.get("/metrics/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    sign_in(prod)
    assert prod.get("/metrics/").status_code == 401, "a staff session is no scraper credential"
    response = prod.get("/metrics/", headers={"Authorization": "Bearer scrape-token"})
    assert response.status_code == 200 and "madoguchi_api_request_seconds" in response.text


def test_metrics_are_off_in_production_without_a_token(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, profile="production", **PRODUCTION_SECRETS)
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics/").status_code == 404
        assert client.get("/metrics/", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_stay_open_in_development(dev: TestClient) -> None:
    response = dev.get("/metrics/")
    assert response.status_code == 200 and "madoguchi_api_request_seconds" in response.text
