"""The back office state kept on ``app.state.backoffice`` (settings, database, accounts, keys), the clock,
and the paths the back office shares. How it all fits together: backoffice/auth.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from fastapi import Request
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from backoffice.accounts import Accounts
from backoffice.db import Database
from backoffice.throttle import LockoutPolicy, SignInThrottle
from config.settings import Settings

SESSION_SALT: Final = "session"
DEVICE_SALT: Final = "device"
_USED_SIGN_IN_VALUES_MAX: Final = 100_000
SIGN_IN_PATH: Final = "/staff/sign-in"
HOME_PATH: Final = "/staff/"
API_PREFIX: Final = "/api/"
# Allowed clock skew for a session issued "in the future" (several app servers).
_FUTURE_SKEW: Final = timedelta(minutes=5)
SIGN_OUT_PATH: Final = "/staff/sign-out"


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


# -- paths -------------------------------------------------------------------------------------------------


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
