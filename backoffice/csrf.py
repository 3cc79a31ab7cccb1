"""CSRF tokens: of the session, and before sign-in of the pre-session cookie (see backoffice/auth.py)."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Annotated, Final

from fastapi import Depends, Request

from backoffice.auth import Authentication, authentication
from backoffice.errors import CsrfFailed
from backoffice.session import SessionData, read_session
from backoffice.state import _FUTURE_SKEW, Backoffice, _mac, current_time, get_backoffice

# A sign-in page's token is good for one attempt within this long.
SIGN_IN_FORM_MAX_AGE: Final = timedelta(hours=1)
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"


def _session_csrf(bo: Backoffice, session: SessionData) -> str:
    return _mac(bo.csrf_key, f"{session.nonce}:{session.csrf_secret}")


def _sign_in_value(request: Request) -> str | None:
    value: str | None = getattr(request.state, "backoffice_sign_in_value", None)
    if value is None and not getattr(request.state, "backoffice_sign_in_used", False):
        cookie = request.cookies.get(get_backoffice(request).sign_in_cookie)
        if cookie and 16 <= len(cookie) <= 128:
            value = cookie
    return value


def _sign_in_issued_at(value: str) -> float | None:
    _, _, issued = value.rpartition(".")
    return float(issued) if issued.isdigit() else None


def _sign_in_value_usable(request: Request, value: str) -> bool:
    """Not used yet and not too old (else the page gets a new one)."""
    issued = _sign_in_issued_at(value)
    moment = current_time(request).timestamp()
    if issued is None or not -_FUTURE_SKEW.total_seconds() <= moment - issued <= SIGN_IN_FORM_MAX_AGE.total_seconds():
        return False
    return value not in get_backoffice(request).used_sign_in_values


def expected_csrf_token(request: Request) -> str | None:
    """The token a POST of this request must carry: from the session, else from the pre-session cookie."""
    bo = get_backoffice(request)
    session = read_session(request)
    if session is not None:
        return _session_csrf(bo, session)
    value = _sign_in_value(request)
    return _mac(bo.sign_in_key, value) if value else None


def sign_in_csrf_token(request: Request) -> str:
    """The token of the sign-in form: an HMAC of the pre-session cookie's value.

    Without that cookie a value is made up and the back office middleware sets the cookie on the response.
    """
    value = _sign_in_value(request)
    if value is None or not _sign_in_value_usable(request, value):
        value = f"{secrets.token_urlsafe(24)}.{int(current_time(request).timestamp())}"
        request.state.backoffice_sign_in_value = value
        request.state.backoffice_set_sign_in_cookie = True
    return _mac(get_backoffice(request).sign_in_key, value)


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page (templates get it as ``csrf_token``): from the session if signed in,
    else the pre-session one."""
    session = read_session(request)
    if session is not None:
        return _session_csrf(get_backoffice(request), session)
    return sign_in_csrf_token(request)


def check_csrf(request: Request, sent: str | None) -> None:
    """Raise CsrfFailed unless `sent` is this request's CSRF token."""
    if not sent:
        raise CsrfFailed(f"CSRF token missing: send the form field {CSRF_FIELD!r} or the header {CSRF_HEADER!r}")
    expected = expected_csrf_token(request)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed("CSRF token wrong or expired: reload the page and send the form again")


def check_sign_in_csrf(request: Request, sent: str | None) -> None:
    """The sign-in form's check: against the pre-session cookie only (a stale session in the browser plays no part)."""
    value = _sign_in_value(request)
    expected = _mac(get_backoffice(request).sign_in_key, value) if value else None
    if not sent:
        raise CsrfFailed(f"CSRF token missing: send the form field {CSRF_FIELD!r}")
    if not expected or not value or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed("CSRF token wrong or sign-in page too old: reload the sign-in page and try again")
    issued = _sign_in_issued_at(value)
    moment = current_time(request).timestamp()
    max_age = SIGN_IN_FORM_MAX_AGE.total_seconds()
    if issued is None or not -_FUTURE_SKEW.total_seconds() <= moment - issued <= max_age:
        request.state.backoffice_sign_in_used = True
        raise CsrfFailed("sign-in page too old: reload the sign-in page and try again")
    request.state.backoffice_sign_in_used = True  # the page that answers gets a new token
    if not get_backoffice(request).used_sign_in_values.first_use(value, issued + max_age, moment):
        raise CsrfFailed("this sign-in page was already sent once: reload the sign-in page and try again")


async def sent_csrf_token(request: Request) -> str | None:
    """The token the request carries: the X-CSRF-Token header, else the csrf_token form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def require_csrf(request: Request, auth: Annotated[Authentication | None, Depends(authentication)]) -> None:
    """Dependency for state-changing routes: 403 unless the CSRF token is right. Bearer-token requests are exempt."""
    if auth is not None and auth.method == "bearer":
        return
    check_csrf(request, await sent_csrf_token(request))
