"""The back office middleware (security headers, cookies, early refusal of anonymous posts) and its
error handlers."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.errors import BackofficeError, NotAuthenticated
from backoffice.i18n import LANG_COOKIE, LANG_QUERY, language, t
from backoffice.session import parse_session_cookie, read_session
from backoffice.state import SIGN_IN_PATH, SIGN_OUT_PATH, Backoffice, is_api_path
from backoffice.templating import STATIC_PATH, render
from messages.i18n import parse_language

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
)
LANG_COOKIE_MAX_AGE: Final = 365 * 24 * 3600
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
# State-changing requests that need no credentials: everything else is refused before its body is read.
ANONYMOUS_POSTS: Final = frozenset({SIGN_IN_PATH, SIGN_OUT_PATH})


def is_backoffice_path(path: str) -> bool:
    """Paths the back office middleware covers: /staff… and /api…"""
    return path == "/staff" or path.startswith("/staff/") or is_api_path(path)


# -- middleware: security headers, language cookie, pre-session CSRF cookie -------------------------------


def _set_cookie_header(key: str, value: str, **options: Any) -> str:
    scratch = Response()
    scratch.set_cookie(key, value, **options)
    return next(v.decode("latin-1") for k, v in scratch.raw_headers if k == b"set-cookie")


class BackofficeMiddleware:
    """On /staff and /api responses: the security headers, ``Cache-Control: no-store`` (not for static files),
    the language cookie when ``?lang=`` chose one, and the pre-session CSRF cookie when a page made one up.

    A state-changing request (POST...) other than sign-in and sign-out that carries neither an Authorization
    header nor a well-signed session cookie is refused here, before anything reads its body (FastAPI reads and
    parses a body before it runs the dependencies that authenticate). Whether a well-signed session is still
    live is the dependencies' business (a database read).
    """

    def __init__(self, app: ASGIApp, backoffice: Backoffice) -> None:
        self.app = app
        self.backoffice = backoffice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not is_backoffice_path(path):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        is_static = path.startswith(STATIC_PATH + "/")
        request = Request(scope)
        chosen = parse_language(request.query_params.get(LANG_QUERY))
        new_lang = chosen if chosen is not None and request.cookies.get(LANG_COOKIE) != chosen else None
        secure = self.backoffice.secure

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name not in headers:
                        headers[name] = value
                if not is_static:
                    headers["cache-control"] = "no-store"
                    headers["pragma"] = "no-cache"
                if new_lang is not None:
                    headers.append(
                        "set-cookie",
                        _set_cookie_header(
                            LANG_COOKIE,
                            new_lang,
                            max_age=LANG_COOKIE_MAX_AGE,
                            path="/",
                            secure=secure,
                            httponly=True,
                            samesite="lax",
                        ),
                    )
                sign_in_value = state.get("backoffice_sign_in_value")
                if state.get("backoffice_set_sign_in_cookie") and isinstance(sign_in_value, str):
                    headers.append(
                        "set-cookie",
                        _set_cookie_header(
                            self.backoffice.sign_in_cookie,
                            sign_in_value,
                            path="/",
                            secure=secure,
                            httponly=True,
                            samesite="strict",
                        ),
                    )
            await send(message)

        if (
            scope.get("method", "GET") not in SAFE_METHODS
            and path not in ANONYMOUS_POSTS
            and "authorization" not in request.headers
            and parse_session_cookie(request) is None
        ):
            refusal = await _handle_not_authenticated(request, NotAuthenticated())
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


# -- error handlers ----------------------------------------------------------------------------------------


async def _handle_not_authenticated(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAuthenticated)
    if exc.bearer or is_api_path(request.url.path):
        return JSONResponse({"detail": exc.detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    target = SIGN_IN_PATH
    if request.method in ("GET", "HEAD"):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += "?" + urlencode({"next": here})
    return RedirectResponse(target, status_code=303)


async def _handle_backoffice_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BackofficeError)
    if is_api_path(request.url.path) or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
    lang = language(request)
    return render(
        request,
        "error.html",
        {"message": t(exc.message_key, lang), "detail": exc.detail, "signed_in": read_session(request) is not None},
        status_code=exc.status_code,
    )
