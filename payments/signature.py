"""LINE Pay online API v3 request signature (pure: no I/O).

    X-LINE-Authorization = Base64(HMAC-SHA256(key = channel secret,
                                              message = channel secret + API path + payload + nonce))

where `payload` is the exact JSON body sent for POST, or the query string without its '?' for GET ("" when there
is none), and `nonce` is the X-LINE-Authorization-Nonce header (a fresh UUID v1/v4 or a timestamp per call).
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(channel_secret: str, path: str, body_or_query: str, nonce: str) -> str:
    """The X-LINE-Authorization header for a request to `path` (e.g. "/v3/payments/request")."""
    message = f"{channel_secret}{path}{body_or_query}{nonce}".encode()
    digest = hmac.new(channel_secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(channel_secret: str, path: str, body_or_query: str, nonce: str, signature: str) -> bool:
    """Whether `signature` is the right X-LINE-Authorization for this request (constant-time comparison)."""
    expected = sign(channel_secret, path, body_or_query, nonce)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))
