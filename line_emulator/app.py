"""The emulator's FastAPI application: Messaging API, driver API and the resident chat page."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp
import httpx
from fastapi import FastAPI
from fastapi.responses import FileResponse

from config import Settings
from line_emulator import control, driver, linepay, messaging_api
from line_emulator.deps import LineApiError, line_api_error_handler
from line_emulator.state import EmulatorState, Faults, bot_user_id
from line_emulator.webhook import TIMEOUT_SECONDS, AiohttpPoster, HttpxPoster, WebhookPoster, WebhookSender

STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    settings: Settings,
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    rng: random.Random | None = None,
) -> FastAPI:
    """The emulator app. `webhook_transport` replaces the network for webhooks (tests: an httpx transport;
    without one, webhooks go out through aiohttp); `rng` drives faults.

    The webhook client is made in the lifespan: when driving the app through httpx.ASGITransport, enter
    `app.router.lifespan_context(app)` first.
    """
    faults = Faults(
        rate=settings.emulator_fault_rate, statuses=[500, 429], latency_ms=settings.emulator_fault_latency_ms
    )
    state = EmulatorState(reply_token_ttl=settings.emulator_reply_token_ttl_seconds, faults=faults, rng=rng)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            poster: WebhookPoster
            if webhook_transport is not None:
                poster = HttpxPoster(
                    await stack.enter_async_context(
                        httpx.AsyncClient(transport=webhook_transport, timeout=TIMEOUT_SECONDS, trust_env=False)
                    )
                )
            else:
                timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
                poster = AiohttpPoster(await stack.enter_async_context(aiohttp.ClientSession(timeout=timeout)))
            app.state.sender = WebhookSender(
                url=settings.webhook_url, channel_secret=settings.line_channel_secret, poster=poster, state=state
            )
            yield
            app.state.sender = None

    app = FastAPI(
        title="LINE platform emulator",
        lifespan=lifespan,
        # Swagger UI would load scripts from a CDN; the schema alone stays local.
        docs_url=None,
        redoc_url=None,
        openapi_url="/_emulator/openapi.json",
    )
    app.state.settings = settings
    app.state.emulator = state
    app.state.bot_user_id = bot_user_id(settings.line_channel_secret)
    app.state.linepay = linepay.LinePaySandbox.from_settings(settings, rng=state.rng)
    app.add_exception_handler(LineApiError, line_api_error_handler)
    app.add_middleware(messaging_api.LineApiMiddleware)
    app.include_router(messaging_api.router)
    app.include_router(driver.router)
    app.include_router(control.router)
    app.include_router(linepay.router)

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        return FileResponse(STATIC / "chat.html", media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> FileResponse:
        if name not in {"chat.js", "render.js", "chat.css"}:
            raise LineApiError(404, {"message": "Not found"})
        media = "text/javascript" if name.endswith(".js") else "text/css"
        return FileResponse(STATIC / name, media_type=f"{media}; charset=utf-8")

    return app
