"""PROFILE=production refuses weak, reused or development secrets, development keys under any id and insecure
cookies; its errors name the variable and never show the value."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from pydantic import ValidationError

from config.settings import (
    DEV_BLOB_KEYS,
    DEV_CERT_SIGNING_KEYS,
    DEV_PAYLOAD_KEYS,
    DEV_SESSION_SECRET,
    Settings,
)

DEV_MATERIALS = [spec.partition(":")[2] for spec in (DEV_BLOB_KEYS, DEV_PAYLOAD_KEYS, DEV_CERT_SIGNING_KEYS)]
RINGS = ("blob_keys", "payload_keys", "cert_signing_keys")


def entry(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def token() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def production(**overrides: Any) -> dict[str, Any]:
    """Settings a production deployment could really use: random secrets, fresh keys, Secure cookies."""
    values: dict[str, Any] = {
        "profile": "production",
        "line_channel_secret": os.urandom(16).hex(),  # what LINE issues: 32 hex characters
        "line_channel_access_token": token() + token() + token(),
        "user_id_hash_key": token(),
        "session_secret": token(),
        "linepay_channel_secret": os.urandom(16).hex(),
        "codec_token": token(),
        "blob_keys": entry("blob-1"),
        "payload_keys": entry("payload-1"),
        "cert_signing_keys": entry("cert-1"),
        "session_cookie_secure": True,
    }
    values.update(overrides)
    return values


def refusal(**overrides: Any) -> str:
    with pytest.raises(ValidationError) as info:
        Settings(**production(**overrides))
    return str(info.value)


def test_real_secrets_are_accepted() -> None:
    settings = Settings(**production())
    assert settings.profile == "production"


@pytest.mark.parametrize(
    ("field", "minimum"),
    [
        ("session_secret", 43),
        ("codec_token", 43),
        ("user_id_hash_key", 43),
        ("line_channel_secret", 32),
        ("linepay_channel_secret", 32),
        ("line_channel_access_token", 32),
    ],
)
def test_short_secrets_are_refused_by_name_without_their_value(field: str, minimum: int) -> None:
    variable = field.upper()
    for weak in ("", "x", "Zq7#pW2m", token()[: minimum - 1]):
        message = refusal(**{field: weak})
        assert variable in message and str(minimum) in message, message
        if len(weak) >= 8:
            assert weak not in message, "the value must never be shown"
    Settings(**production(**{field: token()[:minimum]}))


def test_a_long_secret_of_few_distinct_characters_is_refused() -> None:
    message = refusal(session_secret="x" * 64)
    assert "SESSION_SECRET" in message and "x" * 64 not in message


def test_development_values_and_reused_secrets_are_refused() -> None:
    assert "CODEC_TOKEN" in refusal(codec_token=DEV_SESSION_SECRET)
    shared = token()
    message = refusal(session_secret=shared, codec_token=shared)
    assert "SESSION_SECRET" in message and "CODEC_TOKEN" in message and shared not in message


@pytest.mark.parametrize("field", RINGS)
@pytest.mark.parametrize("material", DEV_MATERIALS)
def test_a_development_key_is_refused_under_any_id_and_as_an_old_key(field: str, material: str) -> None:
    renamed = f"prod-2027:{material}"
    message = refusal(**{field: renamed})
    assert field.upper() in message and "prod-2027" in message and "development" in message, message
    assert material not in message
    kept_as_old = f"{entry('new-1')},old-1:{material}"
    message = refusal(**{field: kept_as_old})
    assert field.upper() in message and "old-1" in message and material not in message


def test_the_same_key_in_two_rings_is_refused() -> None:
    shared = entry("k1")
    message = refusal(blob_keys=shared, payload_keys=shared.replace("k1", "k2"))
    assert "BLOB_KEYS" in message and "PAYLOAD_KEYS" in message and shared.partition(":")[2] not in message


def test_insecure_cookies_are_refused() -> None:
    assert "SESSION_COOKIE_SECURE" in refusal(session_cookie_secure=False)


def test_malformed_settings_never_echo_their_value() -> None:
    secret_looking = "k:" + base64.b64encode(b"sixteen byte key").decode()
    with pytest.raises(ValidationError) as info:
        Settings(blob_keys=secret_looking)
    assert "BLOB_KEYS" in str(info.value) and secret_looking not in str(info.value)
    message = refusal(session_secret="short-but-secret")
    assert "short-but-secret" not in message


def test_development_profile_keeps_its_defaults() -> None:
    settings = Settings(profile="development")
    assert settings.session_secret == DEV_SESSION_SECRET and settings.session_cookie_secure is False
