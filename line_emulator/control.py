"""Driver API, platform side: raw and redelivered webhooks, faults, stats, reset, health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, field_validator

from line_emulator.deps import LineApiError, Sender, State
from line_emulator.driver import delivery_response
from line_emulator.events import EventError, as_redelivery, complete_event
from line_emulator.state import JsonObject
from line_emulator.webhook import SignatureMode, encode_payload

router = APIRouter(prefix="/_emulator")


class WebhookIn(BaseModel):
    events: list[Any]
    signature: SignatureMode = "valid"
    destination: str | None = None


class RawWebhookIn(BaseModel):
    body: str
    signature: SignatureMode = "valid"


class FaultsIn(BaseModel):
    rate: float | None = Field(default=None, ge=0.0, le=1.0)
    statuses: list[int] | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=60_000)

    @field_validator("statuses")
    @classmethod
    def _error_statuses(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 400 <= s <= 599 for s in value):
            raise ValueError("statuses must be HTTP error statuses (400-599)")
        return value


@router.post("/events/{webhook_event_id}/redeliver")
async def redeliver(webhook_event_id: str, state: State, sender: Sender) -> Response:
    event = state.events.get(webhook_event_id)
    if event is None:
        raise LineApiError(404, {"message": f"Unknown webhookEventId {webhook_event_id}"})
    redelivered = as_redelivery(event)
    return delivery_response(await sender.send_events([redelivered]), redelivered)


@router.post("/webhook")
async def webhook(body: WebhookIn, state: State, sender: Sender) -> Response:
    """Complete partial events and deliver them all in one webhook (an empty list is LINE's check)."""
    try:
        events = [complete_event(state, partial, i) for i, partial in enumerate(body.events)]
    except EventError as exc:
        raise LineApiError(400, {"message": str(exc)}) from None
    raw = encode_payload(body.destination or sender.destination, events)
    delivery = await sender.send_raw(raw, body.signature)
    return delivery_response(
        delivery,
        webhookEventIds=[e["webhookEventId"] for e in events],
        replyTokens=[e.get("replyToken") for e in events],
        events=events,
    )


@router.post("/webhook/raw")
async def webhook_raw(body: RawWebhookIn, sender: Sender) -> Response:
    """Deliver any body byte for byte (malformed JSON, odd encodings), signed as asked."""
    return delivery_response(await sender.send_raw(body.body.encode("utf-8"), body.signature))


@router.get("/faults")
async def get_faults(state: State) -> JsonObject:
    return state.faults.as_dict()


@router.post("/faults")
async def set_faults(body: FaultsIn, state: State) -> JsonObject:
    """Change only the fields given."""
    if body.rate is not None:
        state.faults.rate = body.rate
    if body.statuses is not None:
        state.faults.statuses = list(body.statuses)
    if body.latency_ms is not None:
        state.faults.latency_ms = body.latency_ms
    return state.faults.as_dict()


@router.get("/stats")
async def stats(state: State) -> JsonObject:
    return state.stats.as_dict()


@router.post("/reset")
async def reset(state: State) -> JsonObject:
    state.reset()
    return {"status": "ok"}


@router.get("/healthz")
async def healthz() -> JsonObject:
    return {"status": "ok"}
