"""How our HTTP processes (the API, the LINE emulator) run their ASGI app under uvicorn."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from config.heap import settle_heap
from config.settings import Settings


def serve(app: ASGIApp, host: str, port: int, settings: Settings) -> None:
    """Settle the heap (start-up is over once the app is built), then serve until SIGINT or SIGTERM.

    Idle connections are kept `HTTP_KEEP_ALIVE_SECONDS`, longer than our clients' pools (aiohttp's 15 s:
    line-bot-sdk and the emulator's webhooks; httpx's 5 s: the test and benchmark drivers): with uvicorn's
    default 5 s a request could go out on a connection the server was closing.
    """
    settle_heap()
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=settings.http_keep_alive_seconds)
