"""The LINE API client of the worker and the API: the environment is read once, not on every request."""

from __future__ import annotations

import pytest

from config import Settings
from lineapi.client import env_proxy_for, line_api_client

PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


async def test_the_session_does_not_read_the_environment_per_request() -> None:
    async with line_api_client(Settings(line_api_base="http://127.0.0.1:9")) as client:
        assert client.rest_client.pool_manager.trust_env is False
        assert client.configuration.proxy is None


async def test_a_proxy_from_the_environment_is_used_for_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.city.example:3128")
    async with line_api_client(Settings(line_api_base="https://api.line.me")) as client:
        assert client.configuration.host == "https://api.line.me"
        assert client.configuration.proxy == "http://proxy.city.example:3128"
        assert client.rest_client.proxy == "http://proxy.city.example:3128"


def test_no_proxy_and_scheme_decide_like_urllib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.city.example:3128")
    assert env_proxy_for("http://127.0.0.1:9090") is None  # no HTTP_PROXY for an http URL
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.city.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert env_proxy_for("http://127.0.0.1:9090") is None
    assert env_proxy_for("https://api.line.me") == "http://proxy.city.example:3128"
