"""Signed, expiring download links for digital copies of certificates (pure: HMAC over id and expiry)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"madoguchi-download-link:" + secret.encode()).digest()


def signature(secret: str, certificate_id: str, expires: int) -> str:
    return hmac.new(_key(secret), f"{certificate_id}.{expires}".encode(), hashlib.sha256).hexdigest()


def download_url(public_url: str, secret: str, certificate_id: str, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    query = urlencode({"exp": expires, "sig": signature(secret, certificate_id, expires)})
    return f"{public_url.rstrip('/')}/certificates/{certificate_id}/download?{query}"


def check(secret: str, certificate_id: str, expires: str, sig: str, now: datetime) -> str:
    """ "ok", "expired" or "invalid" (a wrong or altered link)."""
    if not expires.isdigit() or len(sig) != 64:
        return "invalid"
    if not hmac.compare_digest(signature(secret, certificate_id, int(expires)), sig):
        return "invalid"
    return "ok" if now.timestamp() < int(expires) else "expired"
