"""The sign-in and sign-out routes (init_backoffice includes `router()`)."""

from __future__ import annotations

import logging
import math
from functools import partial
from typing import Annotated, Final

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from prometheus_client import Counter

from backoffice.accounts import SignInResult, normalise_login
from backoffice.auth import Authentication, authentication
from backoffice.csrf import check_csrf, check_sign_in_csrf, sent_csrf_token, sign_in_csrf_token
from backoffice.i18n import language, t
from backoffice.session import end_session, known_device, read_session, start_session
from backoffice.state import SIGN_IN_PATH, SIGN_OUT_PATH, current_time, get_backoffice, safe_next
from backoffice.templating import render
from backoffice.throttle import HASH_QUEUE_TIMEOUT, Refused, address_key

log = logging.getLogger(__name__)

SIGN_INS = Counter(
    "madoguchi_sign_in_attempts_total",
    "Back office sign-in attempts by outcome: ok, invalid, address_limited, login_limited, busy",
    ["outcome"],
)
# The sign-in form's body: a password of MAX_PASSWORD_LENGTH characters, percent-encoded, still fits.
SIGN_IN_MAX_BODY: Final = 16 * 1024

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
