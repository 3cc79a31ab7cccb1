"""The back office web layer: templates, security headers, error pages, sign-in/out routes, init_backoffice.

    app = FastAPI(...)
    init_backoffice(app, settings)      # static files, middleware, error handlers, tables, sign-in routes
    app.include_router(pages_router)    # the pages (api/clerk_pages.py: the queue at /staff/ is the home page)

A page: ``return render(request, "detail.html", {"application": application})`` where detail.html starts with
``{% extends "base.html" %}`` and fills the blocks ``title`` and ``content`` (optionally ``heading``).
Every template gets ``t`` (bound to the page's language), ``lang``, ``csrf_token``, ``current_staff`` (a Staff or
None), ``lang_switch_url``, ``lang_switch_lang`` and ``static_url()``; these win over same-named context keys.
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import parse_qsl, urlencode

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from prometheus_client import Counter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backoffice.accounts import Accounts, SignInResult, normalise_login
from backoffice.auth import (
    SIGN_IN_PATH,
    Authentication,
    Backoffice,
    BackofficeError,
    NotAuthenticated,
    authentication,
    check_csrf,
    check_sign_in_csrf,
    csrf_token,
    current_authentication,
    current_time,
    end_session,
    get_backoffice,
    is_api_path,
    known_device,
    parse_session_cookie,
    read_session,
    safe_next,
    sent_csrf_token,
    sign_in_csrf_token,
    start_session,
)
from backoffice.db import Database
from backoffice.i18n import LANG_COOKIE, LANG_QUERY, language, t
from backoffice.throttle import HASH_QUEUE_TIMEOUT, Refused, address_key
from config.settings import Settings
from messages.i18n import other_language, parse_language

log = logging.getLogger(__name__)

PACKAGE_DIR: Final = Path(__file__).resolve().parent
TEMPLATE_DIR: Final = PACKAGE_DIR / "templates"
STATIC_DIR: Final = PACKAGE_DIR / "static"
STATIC_PATH: Final = "/staff/static"
SIGN_OUT_PATH: Final = "/staff/sign-out"

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
SIGN_INS = Counter(
    "madoguchi_sign_in_attempts_total",
    "Back office sign-in attempts by outcome: ok, invalid, address_limited, login_limited, busy",
    ["outcome"],
)
# The sign-in form's body: a password of MAX_PASSWORD_LENGTH characters, percent-encoded, still fits.
SIGN_IN_MAX_BODY: Final = 16 * 1024
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
# State-changing requests that need no credentials: everything else is refused before its body is read.
ANONYMOUS_POSTS: Final = frozenset({SIGN_IN_PATH, SIGN_OUT_PATH})


def is_backoffice_path(path: str) -> bool:
    """Paths the back office middleware covers: /staff… and /api…"""
    return path == "/staff" or path.startswith("/staff/") or is_api_path(path)


# -- templates ---------------------------------------------------------------------------------------------


def _lang_switch_url(request: Request, target: str) -> str:
    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != LANG_QUERY]
    query.append((LANG_QUERY, target))
    return f"{request.url.path}?{urlencode(query)}"


def _template_context(request: Request) -> dict[str, Any]:
    lang = language(request)
    auth = current_authentication(request)
    other = other_language(lang)

    def translate(key: str, **values: object) -> str:
        return t(key, lang, **values)

    return {
        "t": translate,
        "lang": lang,
        "csrf_token": csrf_token(request),
        "current_staff": auth.staff if auth is not None else None,
        "lang_switch_lang": other,
        "lang_switch_url": _lang_switch_url(request, other),
    }


def static_url(path: str) -> str:
    return f"{STATIC_PATH}/{path.lstrip('/')}"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The shared Jinja2 templates of the back office (backoffice/templates; autoescaped)."""
    shared = Jinja2Templates(directory=TEMPLATE_DIR, context_processors=[_template_context])
    shared.env.globals["static_url"] = static_url
    return shared


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a back office template (see the module docstring for the variables every template gets)."""
    return templates().TemplateResponse(request, name, context or {}, status_code=status_code, headers=headers)


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


# -- routes ------------------------------------------------------------------------------------------------

_router = APIRouter(include_in_schema=False)


def _sign_in_page(
    request: Request,
    *,
    status_code: int = 200,
    next_path: str | None = None,
    login: str = "",
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    signed_out: bool = False,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {
        "next": safe_next(next_path),
        "login": login,
        "error": error,
        "field_errors": field_errors or {},
        "signed_out": signed_out,
        # Not `csrf_token`: a session cookie of a deactivated account would give a session token.
        "sign_in_csrf_token": sign_in_csrf_token(request),
    }
    return render(request, "sign_in.html", context, status_code=status_code, headers=headers)


@_router.get(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in_form(
    request: Request,
    auth: Annotated[Authentication | None, Depends(authentication)],
    next_path: Annotated[str | None, Query(alias="next")] = None,
    signed_out: bool = False,
) -> Response:
    if auth is not None and auth.method == "session":
        return RedirectResponse(safe_next(next_path), status_code=303)
    return _sign_in_page(request, next_path=next_path, signed_out=signed_out)


@_router.post(SIGN_IN_PATH, response_class=HTMLResponse)
async def sign_in_submit(
    request: Request,
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    sent_token: Annotated[str, Form(alias="csrf_token")] = "",
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """The throttle decides before any hash (backoffice/throttle.py); argon2 and the database run in worker
    threads, at most `login_concurrent_hashes` hashes at once, the other attempts waiting here without a thread."""
    check_sign_in_csrf(request, request.headers.get("x-csrf-token") or sent_token)
    lang = language(request)
    login = login.strip()[:200]
    field_errors = {}
    if not login:
        field_errors["login"] = t("sign_in.error.login_required", lang)
    if not password:
        field_errors["password"] = t("sign_in.error.password_required", lang)
    if field_errors:
        return _sign_in_page(
            request,
            status_code=400,
            next_path=next_path,
            login=login,
            error=t("sign_in.error.summary", lang),
            field_errors=field_errors,
        )
    bo = get_backoffice(request)
    moment = current_time(request)
    host = request.client.host if request.client else None
    normalised = normalise_login(login)[:64]
    ticket = bo.throttle.begin(
        address=address_key(host), login=normalised, device=known_device(request, normalised), now=moment
    )
    if isinstance(ticket, Refused):
        SIGN_INS.labels(outcome=f"{ticket.reason}_limited").inc()
        key = "sign_in.error.address_limited" if ticket.reason == "address" else "sign_in.error.locked"
        return _sign_in_page(
            request,
            status_code=429,
            next_path=next_path,
            login=login,
            error=t(key, lang, minutes=ticket.minutes),
            headers={"Retry-After": str(math.ceil(ticket.retry_after))},
        )
    result: SignInResult | None = None
    try:
        acquired = False
        with anyio.move_on_after(HASH_QUEUE_TIMEOUT):  # only the wait for a slot: a hash once begun runs to its end
            await bo.throttle.hashing.acquire()
            acquired = True
        if acquired:
            try:
                check = partial(bo.accounts.authenticate, login, password, now=moment, remote_addr=host)
                result = await anyio.to_thread.run_sync(check)
            finally:
                bo.throttle.hashing.release()
    finally:
        bo.throttle.finish(ticket, success=None if result is None else result.staff is not None)
    if result is None:
        SIGN_INS.labels(outcome="busy").inc()
        error = t("sign_in.error.busy", lang)
        return _sign_in_page(
            request, status_code=503, next_path=next_path, login=login, error=error, headers={"Retry-After": "5"}
        )
    SIGN_INS.labels(outcome="ok" if result.staff is not None else "invalid").inc()
    if result.staff is not None:
        response = RedirectResponse(safe_next(next_path), status_code=303)
        await anyio.to_thread.run_sync(start_session, request, response, result.staff)
        log.info("staff %s signed in", result.staff.login)
        return response
    return _sign_in_page(
        request, status_code=401, next_path=next_path, login=login, error=t("sign_in.error.invalid", lang)
    )


@_router.post(SIGN_OUT_PATH)
async def sign_out(request: Request) -> Response:
    """End every session of the signed-in person. With a live session the CSRF token is required (no forced
    sign-out from elsewhere)."""
    if await anyio.to_thread.run_sync(read_session, request) is not None:
        check_csrf(request, await sent_csrf_token(request))
    response = RedirectResponse(f"{SIGN_IN_PATH}?signed_out=true", status_code=303)
    await anyio.to_thread.run_sync(end_session, request, response)
    return response


def router() -> APIRouter:
    """The sign-in and sign-out routes (init_backoffice includes it)."""
    return _router


# -- set-up ------------------------------------------------------------------------------------------------


def init_backoffice(
    app: FastAPI,
    settings: Settings,
    *,
    hasher: PasswordHasher | None = None,
    database: Database | None = None,
) -> Backoffice:
    """Set the back office up on `app`, once, before it starts.

    Creates the tables, stores ``app.state.backoffice`` (a Backoffice: settings, db, accounts, keys) and
    ``app.state.backoffice_engine`` / ``app.state.backoffice_sessions``, adds the middleware (security headers,
    cookies), the handlers for NotAuthenticated (303 to sign-in / 401 JSON) and BackofficeError (403 page or
    JSON), mounts the static files at /staff/static and includes `router()`.

    `hasher`: argon2-cffi's default PasswordHasher unless given (tests pass accounts.cheap_hasher()).
    """
    database = database or Database.from_url(settings.database_url)
    database.create_all()
    accounts = Accounts(database.sessions, hasher=hasher)
    state = Backoffice.create(settings, database, accounts)
    app.state.backoffice = state
    app.state.backoffice_engine = database.engine
    app.state.backoffice_sessions = database.sessions
    app.add_middleware(BackofficeMiddleware, backoffice=state)
    app.add_exception_handler(NotAuthenticated, _handle_not_authenticated)
    app.add_exception_handler(BackofficeError, _handle_backoffice_error)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="backoffice_static")
    app.include_router(router())
    return state
