"""Shared FastAPI dependencies and the JSON error every emulator endpoint answers with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from line_emulator.state import EmulatorState, JsonObject
from line_emulator.webhook import WebhookSender


class LineApiError(Exception):
    """An error answered the way LINE answers it: a JSON body with `message` (and maybe more)."""

    def __init__(self, status: int, body: JsonObject, headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("message"))
        self.status, self.body, self.headers = status, body, headers or {}


async def line_api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LineApiError)
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


def state_of(app: FastAPI) -> EmulatorState:
    state: EmulatorState = app.state.emulator
    return state


# The dependencies are coroutines: FastAPI runs a plain `def` dependency in its thread pool, a thread
# hop per request for a dictionary lookup.
async def get_state(request: Request) -> EmulatorState:
    return state_of(request.app)


async def get_sender(request: Request) -> WebhookSender:
    sender: WebhookSender | None = getattr(request.app.state, "sender", None)
    if sender is None:
        raise RuntimeError("no webhook client: enter app.router.lifespan_context(app) first")
    return sender


State = Annotated[EmulatorState, Depends(get_state)]
Sender = Annotated[WebhookSender, Depends(get_sender)]
