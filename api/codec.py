"""Codec endpoint for the Temporal Web UI: decodes (and encodes) payloads so operators can read them.

The UI at TEMPORAL_UI_PORT is started with `--ui-codec-endpoint {PUBLIC_BASE_URL}/codec/{CODEC_TOKEN}` and
calls `POST .../decode` from the operator's browser. The operator token is in the path (the UI does not
send credentials of its own) or in `Authorization: Bearer`. CORS is allowed for CODEC_CORS_ORIGINS only,
and only on these routes.
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
from config.codec import EncryptionCodec
from config.settings import Settings
from storage.blobs import Keyring

router = APIRouter(prefix="/codec", tags=["operations"])
MAX_BODY = 4 * 1024 * 1024  # a history page of payloads; Temporal's own payload limit is 2 MB


@lru_cache(maxsize=4)
def _codec(payload_keys: str) -> EncryptionCodec:
    return EncryptionCodec(Keyring.parse(payload_keys))


def _cors(request: Request, settings: Settings) -> dict[str, str]:
    origin = request.headers.get("origin", "")
    if origin not in settings.codec_cors_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, X-Namespace, Authorization",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _authorised(request: Request, settings: Settings, token: str | None) -> bool:
    given = token or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return bool(given) and hmac.compare_digest(given.encode(), settings.codec_token.encode())


async def _run(request: Request, settings: Settings, token: str | None, operation: str) -> Response:
    headers = _cors(request, settings)
    if not _authorised(request, settings, token):
        raise HTTPException(401, "operator token required", headers=headers or None)
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"body larger than {MAX_BODY} bytes", headers=headers or None)
    try:
        payloads = json_format.Parse(body, Payloads())
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as err:
        message = f"expected {{'payloads': [...]}} in protobuf JSON: {err}"
        raise HTTPException(400, message, headers=headers or None) from None
    codec = _codec(settings.payload_keys)
    try:
        result = await (codec.decode if operation == "decode" else codec.encode)(payloads.payloads)
    except ValueError as err:  # an unknown key id
        raise HTTPException(400, str(err), headers=headers or None) from None
    except InvalidTag:  # a tampered or truncated payload
        raise HTTPException(400, f"cannot {operation} a payload: it was altered", headers=headers or None) from None
    out = json_format.MessageToJson(Payloads(payloads=result))
    return Response(out, media_type="application/json", headers=headers)


@router.options("/{token}/{operation}")
@router.options("/{operation}")
async def preflight(request: Request, settings: SettingsDep) -> Response:
    return Response(status_code=204, headers=_cors(request, settings))


@router.post("/decode", summary="Decode payloads (operator token as Bearer)")
async def decode(request: Request, settings: SettingsDep) -> Response:
    return await _run(request, settings, None, "decode")


@router.post("/encode", summary="Encode payloads (operator token as Bearer)")
async def encode(request: Request, settings: SettingsDep) -> Response:
    return await _run(request, settings, None, "encode")


@router.post("/{token}/decode", summary="Decode payloads (operator token in the path, for the Temporal UI)")
async def decode_with_path_token(token: str, request: Request, settings: SettingsDep) -> Response:
    return await _run(request, settings, token, "decode")


@router.post("/{token}/encode", summary="Encode payloads (operator token in the path, for the Temporal UI)")
async def encode_with_path_token(token: str, request: Request, settings: SettingsDep) -> Response:
    return await _run(request, settings, token, "encode")
