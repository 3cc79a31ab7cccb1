"""The FastAPI application: one router per audience, clients built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from linebot.v3.messaging import AsyncMessagingApi
from prometheus_client import make_asgi_app
from temporalio.service import RPCError

from api import certificates, clerk_api, clerk_pages, codec, health, line, payments, verify
from api.body_limit import BodyLimit
from api.deps import TemporalUnavailable, answer_temporal_unavailable
from api.metrics import RequestMetrics
from api.security import MetricsGuard, SecurityHeaders, docs_router
from backoffice import init_backoffice
from backoffice.sign_in import SIGN_IN_MAX_BODY
from config import Settings, get_settings
from config.logs import setup_logging
from config.serve import serve
from config.temporal import connect
from lineapi.client import line_api_client


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        # Lazy: the API starts (and answers 503) even while Temporal is down.
        app.state.temporal = await connect(settings, lazy=True)
        async with line_api_client(settings) as line_client:
            app.state.line = AsyncMessagingApi(line_client)  # profiles of residents who follow
            yield

    # The docs and the OpenAPI document are routes of api/security.py: staff only in production.
    app = FastAPI(
        title="Madoguchi API", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.include_router(docs_router)
    app.include_router(health.router)
    app.include_router(line.router)
    app.include_router(payments.router)
    app.include_router(certificates.router)
    app.include_router(verify.router)
    app.include_router(codec.router)
    app.include_router(clerk_api.router)
    # The clerk pages: the queue at /staff/ is the staff home page.
    app.include_router(clerk_pages.router)
    init_backoffice(app, settings)
    app.add_exception_handler(TemporalUnavailable, answer_temporal_unavailable)
    app.add_exception_handler(RPCError, answer_temporal_unavailable)
    app.mount("/metrics", MetricsGuard(make_asgi_app(), settings))
    # Outside the back office middleware: a body announced too large gets 413 before anything else looks at it.
    app.add_middleware(
        BodyLimit,
        rules=[
            (r"/line/webhook", settings.webhook_max_body_bytes),
            (r"/codec/.*", codec.MAX_BODY),
            (r"/staff/sign-in", SIGN_IN_MAX_BODY),
        ],
        default=settings.max_body_bytes,
    )
    # Outside the back office middleware, so the back office's own headers win on its paths.
    app.add_middleware(SecurityHeaders, hsts=settings.profile == "production")
    app.add_middleware(RequestMetrics)
    return app


def main() -> None:
    setup_logging()
    settings = get_settings()
    serve(create_app(settings), settings.api_host, settings.api_port, settings)


if __name__ == "__main__":
    main()
