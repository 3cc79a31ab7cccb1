"""Typed dependencies for the routers (coroutines: FastAPI runs a plain `def` dependency in its thread pool)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from linebot.v3.messaging import AsyncMessagingApi
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.pages import unavailable_page
from backoffice.i18n import language, t
from backoffice.session import read_session
from backoffice.templating import render
from config import Settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
RETRY_AFTER = {"retry-after": "5"}
UNAVAILABLE_DETAIL = "Temporal is not reachable; try again shortly"


class TemporalUnavailable(Exception):
    """Temporal cannot be reached: every route answers 503 (`answer_temporal_unavailable`)."""


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def connected_temporal(app: Any) -> Client:
    """The app's Temporal client, once it has reached the server; else TemporalUnavailable.

    The client is made lazily so the API starts while Temporal is down, and until its first connection
    succeeds the SDK raises a bare RuntimeError from every call. So the first use connects here, on a cheap
    call, and a failure becomes TemporalUnavailable. Once connected the SDK keeps (and re-establishes) the
    connection and reports an outage as RPCError UNAVAILABLE, which the callers already turn into 503.
    """
    client: Client = app.state.temporal
    if not getattr(app.state, "temporal_connected", False):
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                await client.workflow_service.get_system_info(GetSystemInfoRequest())
        except (RuntimeError, RPCError, TimeoutError) as err:
            raise TemporalUnavailable(type(err).__name__) from None
        app.state.temporal_connected = True
    return client


async def get_temporal(request: Request) -> Client:
    return await connected_temporal(request.app)


async def get_lazy_temporal(request: Request) -> Client:
    """The client as it is, for a route that must answer without Temporal (readiness)."""
    client: Client = request.app.state.temporal
    return client


async def get_line(request: Request) -> AsyncMessagingApi:
    line: AsyncMessagingApi = request.app.state.line
    return line


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith(("/api/", "/line/", "/codec/"))
        or path in ("/api", "/readyz")
        or "application/json" in request.headers.get("accept", "")
    )


async def answer_temporal_unavailable(request: Request, exc: Exception) -> Response:
    """503 while Temporal cannot be reached: JSON for the API routes, a page for the others (the clerk's in the
    back office layout and language). An RPCError other than an outage is not ours to answer: re-raised."""
    if isinstance(exc, RPCError) and exc.status not in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        raise exc
    log.warning("temporal unavailable for %s %s: %s", request.method, request.url.path, type(exc).__name__)
    if _wants_json(request):
        return JSONResponse({"detail": UNAVAILABLE_DETAIL}, status_code=503, headers=RETRY_AFTER)
    path = request.url.path
    if (path == "/staff" or path.startswith("/staff/")) and getattr(request.app.state, "backoffice", None):
        context = {"message": t("decision.unavailable", language(request)), "signed_in": bool(read_session(request))}
        return render(request, "error.html", context, status_code=503, headers=RETRY_AFTER)
    return unavailable_page(headers=RETRY_AFTER)


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
LazyTemporalDep = Annotated[Client, Depends(get_lazy_temporal)]
LineDep = Annotated[AsyncMessagingApi, Depends(get_line)]
