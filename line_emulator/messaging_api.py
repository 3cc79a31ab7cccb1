"""The bot-facing Messaging API (api.line.me and api-data.line.me paths), on LINE's wire protocol."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from line_emulator.deps import LineApiError, State, state_of
from line_emulator.state import JsonObject
from line_emulator.validation import validate_messages

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
FAULT_MESSAGES = {429: "Too Many Requests", 500: "Internal server error"}
RETRY_KEY_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
NOT_FOUND: JsonObject = {"message": "Not found"}
INVALID_TO = "The property, 'to', in the request body is invalid (line: -, column: -)"


class LineApiMiddleware:
    """For /v2 paths: a request id on every response, injected latency and injected faults.

    Plain ASGI (not `@app.middleware("http")`, whose per-request task and stream plumbing cost more CPU
    than the emulator's own work on a busy 2-core machine, where it shares the CPU with the system).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v2/"):
            await self.app(scope, receive, send)
            return
        state = state_of(scope["app"])
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["line_request_id"] = request_id
        if state.faults.latency_ms > 0:
            await asyncio.sleep(state.faults.latency_ms / 1000)
        status = state.draw_fault()
        if status is not None:
            state.stats.faults += 1
            message = FAULT_MESSAGES.get(status, "Internal server error" if status >= 500 else "Bad Request")
            fault = JSONResponse({"message": message}, status_code=status, headers={"x-line-request-id": request_id})
            await fault(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "x-line-request-id" not in headers:
                    headers["x-line-request-id"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


async def require_bearer(request: Request) -> None:
    expected = f"Bearer {request.app.state.settings.line_channel_access_token}"
    if request.headers.get("authorization") != expected:
        raise LineApiError(401, {"message": AUTH_FAILED})


router = APIRouter(dependencies=[Depends(require_bearer)])


async def read_json(request: Request) -> JsonObject:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise LineApiError(400, {"message": "The request body could not be parsed as JSON"}) from None
    if not isinstance(body, dict):
        raise LineApiError(400, {"message": "The request body must be a JSON object"})
    return body


def _check(details: list[dict[str, str]]) -> None:
    if details:
        raise LineApiError(400, {"message": f"The request body has {len(details)} error(s)", "details": details})


def _required(body: JsonObject, name: str) -> list[dict[str, str]]:
    if not isinstance(body.get(name), str) or not body[name]:
        return [{"message": "Must be specified", "property": name}]
    return []


@router.post("/v2/bot/message/reply")
async def reply_message(request: Request, state: State) -> JsonObject:
    if "x-line-retry-key" in request.headers:
        raise LineApiError(400, {"message": "The X-Line-Retry-Key header is not supported by this endpoint"})
    body = await read_json(request)
    _check(_required(body, "replyToken") + validate_messages(body.get("messages")))
    chat_id = state.consume_reply_token(body["replyToken"])
    if chat_id is None:
        state.stats.invalid_reply_tokens += 1
        raise LineApiError(400, {"message": "Invalid reply token"})
    sent = state.deliver(chat_id, body["messages"], via="reply")
    state.stats.replies += 1
    return {"sentMessages": sent}


@router.post("/v2/bot/message/push")
async def push_message(request: Request, state: State) -> JsonObject:
    retry_key = request.headers.get("x-line-retry-key")
    if retry_key is not None and not RETRY_KEY_RE.match(retry_key):
        raise LineApiError(400, {"message": "The value for the 'X-Line-Retry-Key' header is invalid"})
    if retry_key is not None and (accepted := state.accepted_push(retry_key)) is not None:
        state.stats.retry_conflicts += 1
        raise LineApiError(
            409,
            {"message": "The retry key is already accepted", "sentMessages": accepted.sent_messages},
            {"x-line-accepted-request-id": accepted.request_id},
        )
    body = await read_json(request)
    _check(_required(body, "to") + validate_messages(body.get("messages")))
    if not state.is_known_chat(body["to"]):
        raise LineApiError(400, {"message": INVALID_TO})
    sent = state.deliver(body["to"], body["messages"], via="push")
    state.stats.pushes += 1
    state.total_usage += 1
    if retry_key is not None:
        state.accept_push(retry_key, request.state.line_request_id, sent)
    return {"sentMessages": sent}


@router.get("/v2/bot/profile/{user_id}")
async def get_profile(user_id: str, state: State) -> JsonObject:
    state.stats.profiles += 1
    resident = state.residents.get(user_id)
    if resident is None or resident.blocked:
        raise LineApiError(404, NOT_FOUND)
    return resident.profile()


@router.get("/v2/bot/message/{message_id}/content")
async def get_content(message_id: str, state: State) -> Response:
    content = state.contents.get(message_id)
    if content is None:
        raise LineApiError(404, NOT_FOUND)
    return Response(content.data, media_type=content.content_type)


@router.get("/v2/bot/message/{message_id}/content/transcoding")
async def get_transcoding(message_id: str, state: State) -> JsonObject:
    if message_id not in state.contents:
        raise LineApiError(404, NOT_FOUND)
    return {"status": "succeeded"}


@router.get("/v2/bot/message/quota")
async def get_quota() -> JsonObject:
    return {"type": "none"}


@router.get("/v2/bot/message/quota/consumption")
async def get_quota_consumption(state: State) -> JsonObject:
    return {"totalUsage": state.total_usage}


@router.post("/v2/bot/chat/loading/start", status_code=202)
async def show_loading_animation(request: Request, state: State) -> JsonObject:
    body = await read_json(request)
    if not isinstance(body.get("chatId"), str) or not state.is_known_chat(body["chatId"]):
        raise LineApiError(400, {"message": "The property, 'chatId', in the request body is invalid"})
    return {}


@router.get("/v2/bot/info")
async def get_bot_info(request: Request) -> dict[str, Any]:
    return {
        "userId": request.app.state.bot_user_id,
        "basicId": "@madoguchi",
        "displayName": "Madoguchi (emulator)",
        "chatMode": "bot",
        "markAsReadMode": "auto",
    }
