"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import LazyTemporalDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(temporal: LazyTemporalDep) -> JSONResponse:
    """Temporal is reachable, so webhooks can be accepted."""
    try:
        await asyncio.wait_for(temporal.service_client.check_health(), timeout=3)
    except Exception as err:  # any failure means "not ready"; the reason is in the answer
        return JSONResponse({"status": "unavailable", "temporal": type(err).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "temporal": "ok"})
