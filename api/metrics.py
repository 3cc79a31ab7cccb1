"""API metrics for Prometheus (served at /metrics): request latency by route template, decisions."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_SECONDS = Histogram(
    "madoguchi_api_request_seconds",
    "API request latency by route template (never the raw path: ids stay out of labels)",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DECISIONS = Counter("madoguchi_decisions_total", "Clerk decisions applied, by decision", ["decision"])
MAILED = Counter("madoguchi_certificates_mailed_total", "Certificates marked as mailed by clerks")


class RequestMetrics:
    """Pure ASGI middleware: measures every HTTP request, labelled by the matched route's template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_SECONDS.labels(scope["method"], template, str(status)).observe(time.perf_counter() - started)
