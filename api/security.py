"""What the public address shows: security headers on every response, and the internal routes kept internal.

- ``SecurityHeaders`` (middleware): Content-Security-Policy, X-Frame-Options, X-Content-Type-Options and
  Referrer-Policy on every response that does not set its own (the back office middleware sets stricter or
  different ones on /staff and /api first; the public pages send theirs, api/pages.py), and HSTS in production.
- ``/metrics``: with METRICS_TOKEN set, only ``Authorization: Bearer <METRICS_TOKEN>`` (401 otherwise); without it,
  open in development (``make run``, the test stack) and 404 in production.
- ``/docs``, ``/redoc``, ``/openapi.json``: open in development; in production only to signed-in staff (a session
  cookie or a staff API token; anonymous browsers go to the sign-in page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.pages import PUBLIC_CSP
from backoffice.auth import authentication, current_staff
from config.settings import Settings

HSTS: Final = "max-age=31536000; includeSubDomains"
DEFAULT_HEADERS: Final = (
    # The public pages' policy: their one inline style sheet, nothing else; JSON, PDFs and images need nothing.
    ("content-security-policy", PUBLIC_CSP),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
)


class SecurityHeaders:
    """Pure ASGI middleware: the headers of ``DEFAULT_HEADERS`` where a response has none of its own, and HSTS
    on every response when `hsts` (production, behind HTTPS)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULT_HEADERS:
                    if name not in headers:
                        headers[name] = value
                if self.hsts:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class MetricsGuard:
    """Pure ASGI wrapper of the Prometheus app: the bearer token when METRICS_TOKEN is set; else open in
    development and not there (404) in production."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.token = (settings.metrics_token or "").encode()
        self.closed = not self.token and settings.profile == "production"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.closed:
                await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
                return
            if self.token and not self._authorized(Headers(scope=scope).get("authorization", "")):
                refusal = PlainTextResponse(
                    "metrics need Authorization: Bearer <METRICS_TOKEN>",
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _authorized(self, header: str) -> bool:
        scheme, _, credentials = header.strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), self.token)


# -- API docs ----------------------------------------------------------------------------------------------

docs_router = APIRouter(include_in_schema=False)
OPENAPI_URL: Final = "/openapi.json"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def require_docs_access(request: Request) -> None:
    """Development: anyone. Production: signed-in staff (sync: the account lookup runs in the thread pool)."""
    settings: Settings = request.app.state.settings
    if settings.profile != "development":
        current_staff(request, authentication(request))


DocsAccess = Annotated[None, Depends(require_docs_access)]


def _docs_page(page: HTMLResponse) -> HTMLResponse:
    """The docs pages load Swagger UI / ReDoc from their CDN and start them with an inline script: their policy
    allows those (the script by its hash) and still forbids framing. Their widgets style elements inline."""
    html = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    policy = (
        f"default-src 'none'; script-src https://cdn.jsdelivr.net {hashes}; "
        "style-src https://cdn.jsdelivr.net https://fonts.googleapis.com 'unsafe-inline'; "
        "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
        "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return HTMLResponse(html, headers={"content-security-policy": policy, "cache-control": "no-store"})


@docs_router.get(OPENAPI_URL)
def openapi_document(request: Request, _: DocsAccess) -> JSONResponse:
    return JSONResponse(request.app.openapi(), headers={"cache-control": "no-store"})


@docs_router.get("/docs")
def swagger_ui(request: Request, _: DocsAccess) -> HTMLResponse:
    return _docs_page(get_swagger_ui_html(openapi_url=OPENAPI_URL, title=f"{request.app.title} - Swagger UI"))


@docs_router.get("/redoc")
def redoc(request: Request, _: DocsAccess) -> HTMLResponse:
    return _docs_page(get_redoc_html(openapi_url=OPENAPI_URL, title=f"{request.app.title} - ReDoc"))
