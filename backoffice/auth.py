"""Who is asking: the signed session cookie or an API token; roles; CSRF. FastAPI dependencies.

Routes of the back office use them like this (see backoffice/__init__.py for a complete example):

    @router.get("/staff/applications/{application_id}")
    def detail(request: Request, application_id: str, staff: CurrentStaff) -> HTMLResponse: ...

    @router.post("/staff/applications/{application_id}/decision", dependencies=[Depends(require_csrf)])
    def decide(request: Request, application_id: str, staff: SupervisorStaff) -> RedirectResponse: ...

Session cookie: an itsdangerous URLSafeTimedSerializer token (salt "session") of
``{"sid": staff id, "n": session nonce, "iat": issued-at (epoch seconds), "c": CSRF secret}``: signed, not
encrypted (it holds no personal data). HttpOnly, SameSite=Lax, Path=/, Secure per settings. It is valid for
settings.session_max_age from sign-in; expired, tampered or malformed cookies count as anonymous. The session
is also a row on the server (table staff_session, found by the SHA-256 of the nonce), read with the staff row
on every request: sign-out, a new password, a lock or removal delete that person's rows, and every copy of
their cookies stops working at once.

Device cookie: after a sign-in the browser keeps a signed cookie (salt "device", `login_device_trust` long)
naming the login ids signed in with it (as HMACs). It signs nobody in; it only lets the sign-in throttle tell
that person's own browser from an attacker's (backoffice/throttle.py).

CSRF: a POST signed in by cookie must carry ``csrf_token`` (form field) or ``X-CSRF-Token`` (header) equal
to HMAC(key from session_secret, nonce + CSRF secret of the session). Before sign-in, a random cookie plays the
role of the session (signed double submit: the field is an HMAC of the cookie), so login CSRF fails too. That
cookie holds its issue time: a sign-in token is good for one attempt within `SIGN_IN_FORM_MAX_AGE` (the
page that answers an attempt carries a new one).
Requests authenticated by ``Authorization: Bearer <token>`` carry no cookies and are exempt.

Time: every check reads the clock through `now`; tests override it like any dependency
(``app.dependency_overrides[now] = lambda: fixed``) and the override applies to non-dependency code too.

Where the parts live: this module (who is asking, roles, the route shorthands); backoffice/state.py (the
Backoffice state, keys, the clock, shared paths); backoffice/session.py (session and device cookies);
backoffice/csrf.py (CSRF tokens, `require_csrf`); backoffice/errors.py (the refusals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backoffice.accounts import Staff
from backoffice.errors import AccessDenied, NotAuthenticated
from backoffice.session import SessionData, _session_staff, read_session
from backoffice.state import current_time, db_session, get_backoffice

# -- who is asking -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Authentication:
    staff: Staff
    method: Literal["session", "bearer"]
    session: SessionData | None = None


def authentication(request: Request) -> Authentication | None:
    """The request's authentication, or None when anonymous. Cached per request by FastAPI.

    ``Authorization`` present: it alone counts (cookies are ignored); anything but a live bearer token of an
    active account raises NotAuthenticated (401). Else the session cookie.
    """
    bo = get_backoffice(request)
    auth: Authentication | None = None
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticated("Authorization header must be 'Bearer <API token>'", bearer=True)
        staff = bo.accounts.staff_for_token(credentials.strip(), now=current_time(request))
        if staff is None:
            raise NotAuthenticated("invalid, expired or revoked API token", bearer=True)
        auth = Authentication(staff=staff, method="bearer")
    else:
        session = read_session(request)
        staff = _session_staff(request)
        if session is not None and staff is not None:
            auth = Authentication(staff=staff, method="session", session=session)
    request.state.backoffice_auth = auth
    return auth


def current_staff(request: Request, auth: Annotated[Authentication | None, Depends(authentication)]) -> Staff:
    """The signed-in staff member (session cookie or bearer token).

    Anonymous: HTML routes redirect (303) to /staff/sign-in?next=<path>; /api/ routes answer 401 JSON.
    """
    if auth is None:
        raise NotAuthenticated()
    return auth.staff


def require_supervisor(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    """The signed-in staff member if a supervisor; 403 otherwise."""
    if staff.role != "supervisor":
        raise AccessDenied("supervisor role required")
    return staff


def current_authentication(request: Request) -> Authentication | None:
    """What `authentication` found for this request, if it ran (templates use it for the header)."""
    auth: Authentication | None = getattr(request.state, "backoffice_auth", None)
    return auth


# Shorthands for route signatures.
CurrentStaff = Annotated[Staff, Depends(current_staff)]
SupervisorStaff = Annotated[Staff, Depends(require_supervisor)]
DbSession = Annotated[Session, Depends(db_session)]
