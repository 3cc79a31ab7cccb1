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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from backoffice.accounts import Accounts, Staff, normalise_login
from backoffice.db import Database
from backoffice.throttle import LockoutPolicy, SignInThrottle
from config.settings import Settings

SESSION_SALT: Final = "session"
DEVICE_SALT: Final = "device"
# Login ids a device cookie remembers (a shared counter PC is used by several clerks).
DEVICE_MAX_LOGINS: Final = 10
# A sign-in page's token is good for one attempt within this long.
SIGN_IN_FORM_MAX_AGE: Final = timedelta(hours=1)
_USED_SIGN_IN_VALUES_MAX: Final = 100_000
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"
SIGN_IN_PATH: Final = "/staff/sign-in"
HOME_PATH: Final = "/staff/"
API_PREFIX: Final = "/api/"
# Allowed clock skew for a session issued "in the future" (several app servers).
_FUTURE_SKEW: Final = timedelta(minutes=5)
_ANONYMOUS: Final = object()  # request.state marker: the cookie was read and is not a valid session


def now() -> datetime:
    """The current time (UTC). Override in tests: ``app.dependency_overrides[now] = lambda: fixed_time``."""
    return datetime.now(UTC)


def current_time(request: Request) -> datetime:
    """`now()`, honouring an override in ``app.dependency_overrides`` (for code that is not a dependency)."""
    clock = request.app.dependency_overrides.get(now, now)
    value: datetime = clock()
    return value


def _subkey(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), b"madoguchi-backoffice:" + purpose.encode(), hashlib.sha256).digest()


def _mac(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Backoffice:
    """What init_backoffice stores on ``app.state.backoffice``: settings, database, accounts, keys."""

    settings: Settings
    db: Database
    accounts: Accounts
    serializer: URLSafeTimedSerializer
    csrf_key: bytes
    sign_in_key: bytes
    device_serializer: URLSafeTimedSerializer
    device_key: bytes
    throttle: SignInThrottle
    used_sign_in_values: UsedValues = field(default_factory=lambda: UsedValues(_USED_SIGN_IN_VALUES_MAX))

    @classmethod
    def create(cls, settings: Settings, db: Database, accounts: Accounts) -> Backoffice:
        return cls(
            settings=settings,
            db=db,
            accounts=accounts,
            serializer=URLSafeTimedSerializer(settings.session_secret, salt=SESSION_SALT),
            csrf_key=_subkey(settings.session_secret, "csrf"),
            sign_in_key=_subkey(settings.session_secret, "sign-in-csrf"),
            device_serializer=URLSafeTimedSerializer(settings.session_secret, salt=DEVICE_SALT),
            device_key=_subkey(settings.session_secret, "device"),
            throttle=SignInThrottle(LockoutPolicy.from_settings(settings)),
        )

    @property
    def secure(self) -> bool:
        return self.settings.session_cookie_secure

    @property
    def session_cookie(self) -> str:
        # "__Host-" cookies are refused by browsers unless Secure, Path=/ and without Domain: pinned to this host.
        return "__Host-mdg_session" if self.secure else "mdg_session"

    @property
    def sign_in_cookie(self) -> str:
        return "__Host-mdg_signin" if self.secure else "mdg_signin"

    @property
    def device_cookie(self) -> str:
        return "__Host-mdg_device" if self.secure else "mdg_device"


class UsedValues:
    """Values seen once (sign-in tokens), remembered until they expire; the oldest go first beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_use(self, value: str, expires_at: float, now: float) -> bool:
        with self._lock:
            while self._seen:
                oldest, until = next(iter(self._seen.items()))
                if until > now and len(self._seen) < self.limit:
                    break
                del self._seen[oldest]
            if value in self._seen:
                return False
            self._seen[value] = expires_at
            return True

    def __contains__(self, value: str) -> bool:
        with self._lock:
            return value in self._seen


def get_backoffice(request: Request) -> Backoffice:
    state: Backoffice | None = getattr(request.app.state, "backoffice", None)
    if state is None:
        raise RuntimeError("the back office is not set up: call backoffice.init_backoffice(app, settings)")
    return state


def db_session(request: Request) -> Iterator[Session]:
    """A SQLAlchemy session on the back office database for one request (commit it yourself)."""
    with get_backoffice(request).db.sessions() as session:
        yield session


# -- errors (turned into responses by the handlers init_backoffice installs) --------------------------------


class NotAuthenticated(Exception):
    """Anonymous request to a protected route: 303 to the sign-in page (HTML) or 401 JSON (/api/, bearer)."""

    def __init__(self, detail: str = "not signed in", *, bearer: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.bearer = bearer


class BackofficeError(Exception):
    """A refusal shown as an error page (HTML) or ``{"detail": ...}`` (JSON for /api/ paths)."""

    status_code = 400
    message_key = "error.title"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CsrfFailed(BackofficeError):
    status_code = 403
    message_key = "error.csrf"

    def __init__(self, detail: str = "CSRF token missing or wrong: reload the page and send the form again") -> None:
        super().__init__(detail)


class AccessDenied(BackofficeError):
    status_code = 403
    message_key = "error.forbidden"

    def __init__(self, detail: str = "your role may not do this") -> None:
        super().__init__(detail)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def safe_next(value: str | None) -> str:
    """A redirect target after sign-in: only a path of this back office, else the home page."""
    if not value or not value.startswith("/staff") or value.startswith(SIGN_IN_PATH):
        return HOME_PATH
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return HOME_PATH
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == "/staff" or parts.path.startswith("/staff/")):
        return HOME_PATH
    return value


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


# -- CSRF --------------------------------------------------------------------------------------------------


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


# Shorthands for route signatures.
CurrentStaff = Annotated[Staff, Depends(current_staff)]
SupervisorStaff = Annotated[Staff, Depends(require_supervisor)]
DbSession = Annotated[Session, Depends(db_session)]
