"""Codec endpoint for the Temporal Web UI: decodes (and encodes) payloads so operators can read them.

`POST /codec/decode` and `/codec/encode` (Temporal's remote codec protocol) accept either credential:

- `Authorization: Bearer <CODEC_TOKEN>`: scripts and the `temporal` CLI (`--codec-endpoint URL/codec
  --codec-auth "Bearer ..."`);
- the back office session cookie of a signed-in supervisor, sent by the operator's browser when the Web UI calls
  with credentials (the UI server's `codec.includeCredentials`: TEMPORAL_CODEC_INCLUDE_CREDENTIALS in the
  temporalio/ui image, or "include cross-origin credentials" in the UI's Data Encoder settings). The cookie counts
  only in a request whose Origin is one of CODEC_CORS_ORIGINS, so no other site can use a signed-in browser. The
  cookie is SameSite=Lax: the browser sends it when the UI and the API are the same site (same scheme and domain,
  any port: 127.0.0.1:8233 and 127.0.0.1:8000; ui.city.example and madoguchi.city.example).

Neither credential is ever in the URL, so it cannot land in proxy or access logs. One exception, in development
only: `POST /codec/{CODEC_TOKEN}/decode`. `temporal server start-dev` (`make run`) gives its Web UI nothing but an
endpoint URL (`--ui-codec-endpoint`): it cannot make the UI send credentials or a header, so the URL is the only
credential that UI can carry, and on the development system it is the published development token on loopback.
In production that route answers 404.

CORS is allowed, with credentials, for CODEC_CORS_ORIGINS only, and only on these routes. Decoded payloads hold
residents' data: responses are never cached.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payloads

from api.deps import SettingsDep
from backoffice.session import read_session
from config.codec import EncryptionCodec
from config.keys import Keyring
from config.settings import Settings

router = APIRouter(prefix="/codec", tags=["operations"])
MAX_BODY = 4 * 1024 * 1024  # a history page of payloads; Temporal's own payload limit is 2 MB
# Staff roles whose session cookie may decode: payloads hold every resident's data, clerks see their queue only.
CODEC_ROLES = frozenset({"supervisor"})
OPERATIONS = ("decode", "encode")


@lru_cache(maxsize=4)
def _codec(payload_keys: str) -> EncryptionCodec:
    # Plaintext passes through here: the UI shows what a history holds, forged payloads included; nothing runs on it.
    return EncryptionCodec(Keyring.parse(payload_keys))


def _allowed_origin(request: Request, settings: Settings) -> str | None:
    origin = request.headers.get("origin")
    return origin if origin in settings.codec_cors_origins else None


def _cors(request: Request, settings: Settings) -> dict[str, str]:
    origin = _allowed_origin(request, settings)
    if origin is None:
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, X-Namespace, Authorization",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _token_matches(given: str, settings: Settings) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), settings.codec_token.encode())


def _check_credentials(request: Request, settings: Settings, headers: dict[str, str]) -> None:
    """Bearer CODEC_TOKEN, or a supervisor's session cookie in a request from the Web UI's origin (401 / 403)."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, given = authorization.strip().partition(" ")
        if scheme.lower() == "bearer" and _token_matches(given.strip(), settings):
            return
        raise HTTPException(401, "wrong operator token", headers=headers)
    if _allowed_origin(request, settings) is None or getattr(request.app.state, "backoffice", None) is None:
        raise HTTPException(401, "operator token or staff sign-in required", headers=headers)
    session = read_session(request)
    staff = request.app.state.backoffice.accounts.get(session.staff_id) if session is not None else None
    if staff is None:
        raise HTTPException(401, "sign in to the back office first", headers=headers)
    if staff.role not in CODEC_ROLES:
        raise HTTPException(403, "decoding payloads needs the supervisor role", headers=headers)


async def _run(request: Request, settings: Settings, operation: str, headers: dict[str, str]) -> Response:
    """The codec operation, for a caller whose credentials were checked."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"body larger than {MAX_BODY} bytes", headers=headers)
    try:
        payloads = json_format.Parse(body, Payloads())
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as err:
        message = f"expected {{'payloads': [...]}} in protobuf JSON: {err}"
        raise HTTPException(400, message, headers=headers) from None
    codec = _codec(settings.payload_keys)
    try:
        result = await (codec.decode if operation == "decode" else codec.encode)(payloads.payloads)
    except ValueError as err:  # an unknown key id
        raise HTTPException(400, str(err), headers=headers) from None
    except InvalidTag:  # a tampered or truncated payload
        raise HTTPException(400, f"cannot {operation} a payload: it was altered", headers=headers) from None
    out = json_format.MessageToJson(Payloads(payloads=result))
    return Response(out, media_type="application/json", headers={**headers, "Cache-Control": "no-store"})


@router.options("/{operation}")
@router.options("/{token}/{operation}")
async def preflight(request: Request, settings: SettingsDep) -> Response:
    return Response(status_code=204, headers=_cors(request, settings))


@router.post("/decode", summary="Decode payloads (Bearer CODEC_TOKEN, or a supervisor's session from the Web UI)")
async def decode(request: Request, settings: SettingsDep) -> Response:
    headers = _cors(request, settings)
    _check_credentials(request, settings, headers)
    return await _run(request, settings, "decode", headers)


@router.post("/encode", summary="Encode payloads (Bearer CODEC_TOKEN, or a supervisor's session from the Web UI)")
async def encode(request: Request, settings: SettingsDep) -> Response:
    headers = _cors(request, settings)
    _check_credentials(request, settings, headers)
    return await _run(request, settings, "encode", headers)


@router.post("/{token}/{operation}", summary="Development only: the token in the path, for the dev server's Web UI")
async def with_path_token(token: str, operation: str, request: Request, settings: SettingsDep) -> Response:
    if settings.profile != "development" or operation not in OPERATIONS:
        raise HTTPException(404, "Not Found")
    headers = _cors(request, settings)
    if not _token_matches(token, settings):
        raise HTTPException(401, "wrong operator token", headers=headers)
    return await _run(request, settings, operation, headers)
