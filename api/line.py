"""LINE webhook: verify the signature on the raw body, parse, hand each event to Temporal."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import APIRouter, HTTPException, Request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import AsyncMessagingApi
from prometheus_client import Counter
from pydantic import ValidationError
from temporalio.client import Client
from temporalio.service import RPCError

from api.deps import LineDep, SettingsDep, TemporalUnavailable, connected_temporal
from api.line_events import to_signals
from config import Settings
from config.temporal import RPC_TIMEOUT
from domain.ids import conversation_workflow_id
from domain.models import ConversationInput, LineEventInput
from domain.policy import intake_policy
from lineapi.client import fetch_profile
from workflows.shared import CONVERSATION_WORKFLOW, LINE_EVENT_SIGNAL

log = logging.getLogger(__name__)
router = APIRouter(prefix="/line", tags=["line"])

WEBHOOK_OUTCOMES = Counter("madoguchi_webhook_requests_total", "LINE webhook requests by outcome", ["outcome"])
SIGNALS_SENT = Counter("madoguchi_webhook_events_signalled_total", "LINE events handed to Temporal")
PROFILE_PREFETCHES = Counter(
    "madoguchi_webhook_profile_prefetch_total", "LINE profiles fetched for follow events, by outcome", ["outcome"]
)
PROFILE_PREFETCH_TIMEOUT_S = 1.0


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"request body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"request body larger than {limit} bytes")
    return bytes(body)


async def attach_profiles(line: AsyncMessagingApi, by_user: dict[str, list[LineEventInput]]) -> None:
    """Give each follow event the resident's LINE profile (one request per resident, all at once), so the
    conversation greets them by name in their language without fetching the profile first.

    Best effort: on a timeout or any failure the event goes without it and the workflow fetches it
    (with retries) as before; the webhook is never refused for it.
    """

    async def fetch(user_id: str, follows: list[LineEventInput]) -> None:
        try:
            profile = await asyncio.wait_for(fetch_profile(line, user_id), PROFILE_PREFETCH_TIMEOUT_S)
        except Exception as err:
            PROFILE_PREFETCHES.labels(outcome="failed").inc()
            log.info("profile not fetched for a follow event: %s", type(err).__name__)
            return
        PROFILE_PREFETCHES.labels(outcome="fetched").inc()
        for event in follows:
            event.profile = profile

    await asyncio.gather(
        *(
            fetch(user_id, follows)
            for user_id, events in by_user.items()
            if (follows := [e for e in events if e.inbound.kind == "follow"])
        )
    )


async def signal_resident(client: Client, settings: Settings, user_id: str, events: list[LineEventInput]) -> None:
    """Signal-with-start, one event after the other, so one resident's events keep their order."""
    workflow_id = conversation_workflow_id(user_id, settings.user_id_hash_key)
    policy = intake_policy(settings)
    for event in events:
        event.intake_policy = policy  # an intake this event starts runs by the settings of today
        await client.start_workflow(
            CONVERSATION_WORKFLOW,
            ConversationInput(line_user_id=user_id),
            id=workflow_id,
            task_queue=settings.temporal_task_queue,
            start_signal=LINE_EVENT_SIGNAL,
            start_signal_args=[event],
            rpc_timeout=RPC_TIMEOUT,
        )
        SIGNALS_SENT.inc()


@router.post("/webhook")
async def webhook(request: Request, settings: SettingsDep, line: LineDep) -> dict[str, str]:
    """Receive LINE events. 200 only once Temporal has durably accepted every event."""
    body = await read_body(request, settings.webhook_max_body_bytes)
    signature = request.headers.get("x-line-signature")
    if not signature:
        WEBHOOK_OUTCOMES.labels(outcome="no_signature").inc()
        raise HTTPException(400, "missing X-Line-Signature header")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        WEBHOOK_OUTCOMES.labels(outcome="bad_body").inc()
        raise HTTPException(400, "request body is not UTF-8") from None
    parser = WebhookParser(settings.line_channel_secret)
    try:
        events = parser.parse(text, signature)
        raw_events = json.loads(text)["events"]
    except InvalidSignatureError:
        WEBHOOK_OUTCOMES.labels(outcome="bad_signature").inc()
        raise HTTPException(400, "invalid X-Line-Signature") from None
    # RecursionError: a signed body nested deeper than the parser's recursion limit is just as unreadable.
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError, RecursionError) as err:
        WEBHOOK_OUTCOMES.labels(outcome="bad_body").inc()
        raise HTTPException(400, f"malformed webhook body: {type(err).__name__}") from None
    by_user = to_signals(list(events), raw_events, int(time.time() * 1000))
    if not by_user:  # a connectivity check, group or standby events: acknowledged without Temporal
        WEBHOOK_OUTCOMES.labels(outcome="accepted").inc()
        return {"status": "ok"}
    await attach_profiles(line, by_user)
    try:
        temporal = await connected_temporal(request.app)
        await asyncio.gather(*(signal_resident(temporal, settings, u, ev) for u, ev in by_user.items()))
    except (RPCError, TemporalUnavailable) as err:
        WEBHOOK_OUTCOMES.labels(outcome="temporal_unavailable").inc()
        log.warning("temporal did not accept the events: %s", type(err).__name__)
        raise HTTPException(503, "events could not be stored; please retry") from None
    WEBHOOK_OUTCOMES.labels(outcome="accepted").inc()
    return {"status": "ok"}
