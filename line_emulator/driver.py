"""Driver API, residents side: what a resident does in the LINE app (follow, send), and what they see."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from line_emulator.deps import LineApiError, Sender, State
from line_emulator.events import resident_event
from line_emulator.state import USER_ID_RE, EmulatorState, JsonObject, Resident, new_user_id
from line_emulator.webhook import Delivery, WebhookSender

router = APIRouter(prefix="/_emulator")

BAD_TYPE = "type must be 'text', 'postback' or 'sticker' (or send multipart/form-data with a 'file')"
IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"))


class ResidentIn(BaseModel):
    userId: str | None = Field(default=None, pattern=USER_ID_RE.pattern)
    displayName: str = Field(min_length=1, max_length=100)
    language: str = Field(default="ja", min_length=2, max_length=16)


def delivery_response(delivery: Delivery, event: JsonObject | None = None, **extra: Any) -> JSONResponse:
    """The driver's answer to a delivery: the bot's status in the body, 502 if the bot was unreachable."""
    body: JsonObject = {**delivery.as_dict(), **extra}
    if event is not None:
        body = {"webhookEventId": event["webhookEventId"], "replyToken": event.get("replyToken"), **body}
    return JSONResponse(body, status_code=502 if delivery.status is None else 200)


def known_resident(state: EmulatorState, user_id: str) -> Resident:
    resident = state.residents.get(user_id)
    if resident is None:
        raise LineApiError(404, {"message": f"Unknown resident {user_id}; follow first"})
    return resident


async def optional_json(request: Request) -> JsonObject:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise LineApiError(400, {"message": "The body must be JSON"}) from None
    if not isinstance(body, dict):
        raise LineApiError(400, {"message": "The body must be a JSON object"})
    return body


async def _deliver(
    state: EmulatorState, sender: WebhookSender, user_id: str, event: JsonObject, entry: JsonObject
) -> Response:
    """Note the resident's action in their timeline, deliver its event, note the bot's answer."""
    # Noted before delivery: the bot may reply while the webhook request is still open.
    item = state.record_resident_action(user_id, {**entry, "webhookEventId": event["webhookEventId"]})
    delivery = await sender.send_events([event])
    item["status"] = delivery.status
    if delivery.error:
        item["error"] = delivery.error
    return delivery_response(delivery, event)


@router.get("/residents")
async def list_residents(state: State) -> list[JsonObject]:
    return [r.as_dict() for r in state.residents.values()]


@router.post("/residents", status_code=201)
async def create_resident(body: ResidentIn, state: State) -> JsonObject:
    return state.add_resident(body.userId or new_user_id(), body.displayName, body.language).as_dict()


@router.post("/residents/{user_id}/follow")
async def follow(user_id: str, request: Request, state: State, sender: Sender) -> Response:
    if not USER_ID_RE.match(user_id):
        raise LineApiError(400, {"message": "userId must be 'U' followed by 32 lowercase hex digits"})
    body = await optional_json(request)
    resident = state.residents.get(user_id)
    name = body.get("displayName") or (resident.display_name if resident else f"Resident {user_id[-4:]}")
    resident = state.add_resident(user_id, str(name), str(body.get("language") or getattr(resident, "language", "ja")))
    was_blocked = resident.blocked
    resident.followed, resident.blocked = True, False
    event = resident_event(state, user_id, "follow", follow={"isUnblocked": was_blocked})
    return await _deliver(state, sender, user_id, event, {"kind": "follow"})


@router.post("/residents/{user_id}/unfollow")
async def unfollow(user_id: str, state: State, sender: Sender) -> Response:
    resident = known_resident(state, user_id)
    resident.blocked = True
    event = resident_event(state, user_id, "unfollow")
    return await _deliver(state, sender, user_id, event, {"kind": "unfollow"})


def _sniff(data: bytes, declared: str | None) -> str:
    if declared and declared.startswith("image/"):
        return declared
    return next((kind for magic, kind in IMAGE_MAGIC if data.startswith(magic)), declared or "image/jpeg")


async def _image_event(state: EmulatorState, user_id: str, request: Request) -> tuple[JsonObject, JsonObject]:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise LineApiError(400, {"message": "multipart/form-data needs a 'file' field"})
    data = await upload.read()
    if not data:
        raise LineApiError(400, {"message": "The file is empty"})
    event = resident_event(state, user_id, "message", message={"type": "image"})
    state.store_content(event["message"]["id"], data, _sniff(data, upload.content_type))
    return event, {"kind": "message", "message": event["message"]}


def _json_event(state: EmulatorState, user_id: str, body: JsonObject) -> tuple[JsonObject, JsonObject]:
    kind = body.get("type")
    if kind == "text":
        if not isinstance(body.get("text"), str) or not body["text"]:
            raise LineApiError(400, {"message": "A text message needs a non-empty 'text'"})
        event = resident_event(state, user_id, "message", message={"type": "text", "text": body["text"]})
        return event, {"kind": "message", "message": event["message"]}
    if kind == "sticker":
        sticker = {
            "type": "sticker",
            "packageId": str(body.get("packageId", "446")),
            "stickerResourceType": "STATIC",
        }
        sticker["stickerId"] = str(body.get("stickerId", "1988"))
        event = resident_event(state, user_id, "message", message=sticker)
        return event, {"kind": "message", "message": event["message"]}
    if kind == "postback":
        if not isinstance(body.get("data"), str):
            raise LineApiError(400, {"message": "A postback needs a string 'data'"})
        postback: JsonObject = {"data": body["data"]}
        if isinstance(body.get("params"), dict):
            postback["params"] = body["params"]
        event = resident_event(state, user_id, "postback", postback=postback)
        return event, {"kind": "postback", "postback": postback, "displayText": body.get("displayText")}
    raise LineApiError(400, {"message": BAD_TYPE})


@router.post("/residents/{user_id}/messages")
async def send_message(user_id: str, request: Request, state: State, sender: Sender) -> Response:
    known_resident(state, user_id)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        event, entry = await _image_event(state, user_id, request)
    else:
        event, entry = _json_event(state, user_id, await optional_json(request))
    return await _deliver(state, sender, user_id, event, entry)


@router.get("/residents/{user_id}/inbox")
async def inbox(
    user_id: str, state: State, after: int = Query(0, ge=0), wait: float = Query(0, ge=0, le=30)
) -> list[JsonObject]:
    """The bot's messages to the resident from index `after` on; `wait` long-polls for a new one."""
    known_resident(state, user_id)
    return await state.wait_for_inbox(user_id, after, wait)


@router.get("/residents/{user_id}/timeline")
async def timeline(user_id: str, state: State) -> list[JsonObject]:
    """Both sides of the chat, in order (the chat page uses this)."""
    known_resident(state, user_id)
    return list(state.chats.get(user_id, []))


@router.get("/content/{message_id}")
async def content(message_id: str, state: State) -> Response:
    """A resident's uploaded image, without the bot's bearer token (for the chat page)."""
    stored = state.contents.get(message_id)
    if stored is None:
        raise LineApiError(404, {"message": "Not found"})
    return Response(stored.data, media_type=stored.content_type)
