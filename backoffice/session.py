"""The signed session cookie, its row on the server, and the device cookie (see backoffice/auth.py)."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import Request, Response
from itsdangerous import BadSignature

from backoffice.accounts import Staff, normalise_login
from backoffice.state import _FUTURE_SKEW, Backoffice, _mac, current_time, get_backoffice

# Login ids a device cookie remembers (a shared counter PC is used by several clerks).
DEVICE_MAX_LOGINS: Final = 10
_ANONYMOUS: Final = object()  # request.state marker: the cookie was read and is not a valid session

# -- the session -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionData:
    staff_id: int
    nonce: str
    issued_at: datetime
    csrf_secret: str


def read_session(request: Request) -> SessionData | None:
    """The request's live session, or None (no cookie, bad signature, malformed, expired, or ended on the
    server: signed out, new password, locked, removed). Cached per request.

    Reads the database: from a coroutine, prefer `authentication` (a dependency run in the thread pool) first.
    """
    cached = getattr(request.state, "backoffice_session", None)
    if cached is _ANONYMOUS:
        return None
    if isinstance(cached, SessionData):
        return cached
    session = parse_session_cookie(request)
    staff = None
    if session is not None:
        staff = get_backoffice(request).accounts.staff_for_session(
            session.staff_id, session.nonce, now=current_time(request)
        )
    if session is None or staff is None:
        request.state.backoffice_session = _ANONYMOUS
        return None
    request.state.backoffice_session = session
    request.state.backoffice_session_staff = staff
    return session


def _session_staff(request: Request) -> Staff | None:
    if read_session(request) is None:
        return None
    staff: Staff | None = getattr(request.state, "backoffice_session_staff", None)
    return staff


def parse_session_cookie(request: Request) -> SessionData | None:
    """The session cookie if it is well signed and unexpired (no database: whether it was ended is not known)."""
    bo = get_backoffice(request)
    raw = request.cookies.get(bo.session_cookie)
    if not raw or len(raw) > 4096:
        return None
    max_age = bo.settings.session_max_age
    try:
        # itsdangerous checks its own (wall clock) timestamp; the injected clock checks "iat" below.
        payload: Any = bo.serializer.loads(raw, max_age=math.ceil(max_age.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    staff_id, nonce, issued, csrf_secret = payload.get("sid"), payload.get("n"), payload.get("iat"), payload.get("c")
    if not (
        isinstance(staff_id, int)
        and isinstance(nonce, str)
        and isinstance(csrf_secret, str)
        and isinstance(issued, int | float)
        and not isinstance(issued, bool)
    ):
        return None
    issued_at = datetime.fromtimestamp(issued, UTC)
    current = current_time(request)
    if current - issued_at > max_age or issued_at - current > _FUTURE_SKEW:
        return None
    return SessionData(staff_id=staff_id, nonce=nonce, issued_at=issued_at, csrf_secret=csrf_secret)


def start_session(request: Request, response: Response, staff: Staff) -> SessionData:
    """Sign `staff` in: a fresh session (new nonce and CSRF secret: no fixation), recorded in the database and in
    the cookie on `response`; the browser is remembered as known for this login id (the device cookie)."""
    bo = get_backoffice(request)
    session = SessionData(
        staff_id=staff.id,
        nonce=secrets.token_urlsafe(32),
        issued_at=current_time(request).replace(microsecond=0),
        csrf_secret=secrets.token_urlsafe(32),
    )
    bo.accounts.open_session(
        staff.id, session.nonce, now=session.issued_at, expires_at=session.issued_at + bo.settings.session_max_age
    )
    payload = {
        "sid": session.staff_id,
        "n": session.nonce,
        "iat": int(session.issued_at.timestamp()),
        "c": session.csrf_secret,
    }
    response.set_cookie(
        bo.session_cookie,
        bo.serializer.dumps(payload),
        max_age=int(bo.settings.session_max_age.total_seconds()),
        path="/",
        secure=bo.secure,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(bo.sign_in_cookie, path="/", secure=bo.secure, httponly=True, samesite="lax")
    _remember_device(request, response, staff.login)
    request.state.backoffice_session = session
    request.state.backoffice_session_staff = staff
    return session


def end_session(request: Request, response: Response) -> None:
    """Sign out: end every session of the signed-in person (other browsers, copied cookies) and expire the
    cookie on `response`."""
    bo = get_backoffice(request)
    staff = _session_staff(request)
    if staff is not None:
        bo.accounts.end_sessions(staff.id)
    response.delete_cookie(bo.session_cookie, path="/", secure=bo.secure, httponly=True, samesite="lax")
    request.state.backoffice_session = _ANONYMOUS


# -- the device cookie -------------------------------------------------------------------------------------


def _login_mark(bo: Backoffice, login: str) -> str:
    return _mac(bo.device_key, normalise_login(login)[:64])[:22]


def _read_device(request: Request) -> tuple[str, list[str]] | None:
    bo = get_backoffice(request)
    raw = request.cookies.get(bo.device_cookie)
    if not raw or len(raw) > 4096:
        return None
    try:
        payload: Any = bo.device_serializer.loads(
            raw, max_age=math.ceil(bo.settings.login_device_trust.total_seconds())
        )
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    device, marks = payload.get("d"), payload.get("l")
    if not isinstance(device, str) or not isinstance(marks, list) or not all(isinstance(m, str) for m in marks):
        return None
    return device, marks


def known_device(request: Request, login: str) -> str | None:
    """An id of this browser if its device cookie names `login` (that person signed in with it before), else None."""
    found = _read_device(request)
    if found is None:
        return None
    device, marks = found
    return device if _login_mark(get_backoffice(request), login) in marks else None


def _remember_device(request: Request, response: Response, login: str) -> None:
    bo = get_backoffice(request)
    device, marks = _read_device(request) or (secrets.token_urlsafe(16), [])
    mark = _login_mark(bo, login)
    others = [m for m in marks if m != mark][-(DEVICE_MAX_LOGINS - 1) :]
    marks = [*others, mark]
    response.set_cookie(
        bo.device_cookie,
        bo.device_serializer.dumps({"d": device, "l": marks}),
        max_age=int(bo.settings.login_device_trust.total_seconds()),
        path="/",
        secure=bo.secure,
        httponly=True,
        samesite="strict",
    )
