"""Staff accounts: creation, password checks, sessions, lock, API tokens. No web code here.

    accounts = Accounts(db.sessions)
    accounts.create_staff("clerk1", "窓口 一郎", "clerk", "a long passphrase", now=datetime.now(UTC))
    result = accounts.authenticate("clerk1", "a long passphrase", now=datetime.now(UTC))
    if result.staff is not None: ...            # signed in

How many attempts may reach `authenticate` (each one an argon2 hash) is the web layer's business:
backoffice/throttle.py limits them per client address and per login id before any hash runs.

Passwords are hashed with argon2-cffi's PasswordHasher (its default parameters; tests pass a cheap one) and
re-hashed on a successful sign-in when the parameters changed. Each method runs in its own transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backoffice.db import ROLES, ApiToken, LoginAttempt, StaffAccount, StaffSession

Role = Literal["clerk", "supervisor"]
MIN_PASSWORD_LENGTH: Final = 12
# argon2 copes with long inputs, but nobody needs more and a megabyte "password" is only a way to burn CPU.
MAX_PASSWORD_LENGTH: Final = 1024
LOGIN_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
TOKEN_PREFIX: Final = "mdg_"

# seed-demo (development profile only). The README states these.
DEMO_PASSWORD: Final = "madoguchi-demo-2026"
DEMO_ACCOUNTS: Final[tuple[tuple[str, str, Role], ...]] = (
    ("clerk", "デモ 窓口職員", "clerk"),
    ("supervisor", "デモ 責任者", "supervisor"),
)


@dataclass(frozen=True)
class Staff:
    """A signed-in (or token-authenticated) staff member, as the web code sees them."""

    id: int
    login: str
    name: str
    role: str  # "clerk" | "supervisor"

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


class AccountError(ValueError):
    """A refusal with a message fit for the person at the command line."""


class WeakPassword(AccountError):
    pass


class InvalidAccount(AccountError):
    """Malformed login id, role or name."""


class DuplicateLogin(AccountError):
    pass


class UnknownLogin(AccountError):
    pass


class SignInOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown login, wrong password or locked (inactive) account: one message for all


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    staff: Staff | None = None


def cheap_hasher() -> PasswordHasher:
    """Fast, weak argon2 parameters: for tests only."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def normalise_login(login: str) -> str:
    return login.strip().lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password too short: use at least {MIN_PASSWORD_LENGTH} characters (a passphrase is best)")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"password too long: at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(password)) < 4:
        raise WeakPassword("password too simple: use more different characters")


def token_hash(token: str) -> str:
    """SHA-256 (hex) of an API token: tokens are 32 random bytes, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


def _delete_sessions(session: Session, staff_id: int) -> int:
    result = session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))
    return int(getattr(result, "rowcount", 0) or 0)


def _to_staff(account: StaffAccount) -> Staff:
    return Staff(id=account.id, login=account.login, name=account.name, role=account.role)


class Accounts:
    """Staff accounts over a session factory. Thread-safe (no shared mutable state besides the dummy hash)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.sessions = sessions
        self.hasher = hasher or PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against for unknown logins, so they take as long as known ones."""
        return self.hasher.hash(secrets.token_urlsafe(16))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- accounts ------------------------------------------------------------------------------------------

    def create_staff(self, login: str, name: str, role: str, password: str, *, now: datetime) -> Staff:
        login = normalise_login(login)
        if not LOGIN_PATTERN.fullmatch(login):
            raise InvalidAccount("login id: 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter/digit")
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidAccount("name: 1-100 characters")
        if role not in ROLES:
            raise InvalidAccount(f"role: one of {', '.join(ROLES)}")
        check_password_strength(password)
        if self.find(login) is not None:  # before hashing: argon2 takes a while
            raise DuplicateLogin(f"login id {login!r} is taken")
        account = StaffAccount(
            login=login,
            name=name,
            role=role,
            password_hash=self.hasher.hash(password),
            active=True,
            failed_attempts=0,
            created_at=now,
        )
        try:
            with self.sessions.begin() as session:
                if session.scalar(select(StaffAccount.id).where(StaffAccount.login == login)) is not None:
                    raise DuplicateLogin(f"login id {login!r} is taken")
                session.add(account)
        except IntegrityError as exc:  # a concurrent create of the same login
            raise DuplicateLogin(f"login id {login!r} is taken") from exc
        return _to_staff(account)

    def set_password(self, login: str, password: str) -> None:
        """A new password; every session of that person ends (a copied cookie stops working too)."""
        check_password_strength(password)
        password_hash = self.hasher.hash(password)
        with self.sessions.begin() as session:
            account = self._by_login(session, login)
            account.password_hash = password_hash
            _delete_sessions(session, account.id)

    def set_active(self, login: str, active: bool) -> None:
        """Lock (False) or unlock (True) an account. Locking ends every session; unlocking brings none back."""
        with self.sessions.begin() as session:
            account = self._by_login(session, login)
            account.active = active
            if not active:
                _delete_sessions(session, account.id)

    def lock(self, login: str) -> None:
        self.set_active(login, False)

    def unlock(self, login: str) -> None:
        self.set_active(login, True)

    def remove_staff(self, login: str) -> None:
        """Delete the account with its sessions and API tokens; the sign-in log keeps its rows (staff id cleared)."""
        with self.sessions.begin() as session:
            account = self._by_login(session, login)
            # Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys only where the pragma is on.
            _delete_sessions(session, account.id)
            session.execute(delete(ApiToken).where(ApiToken.staff_id == account.id))
            session.execute(update(LoginAttempt).where(LoginAttempt.staff_id == account.id).values(staff_id=None))
            session.delete(account)

    def get(self, staff_id: int) -> Staff | None:
        """The active staff member with this id, or None (unknown or deactivated)."""
        with self.sessions() as session:
            account = session.get(StaffAccount, staff_id)
            return _to_staff(account) if account is not None and account.active else None

    def find(self, login: str) -> Staff | None:
        with self.sessions() as session:
            account = session.scalar(select(StaffAccount).where(StaffAccount.login == normalise_login(login)))
            return _to_staff(account) if account is not None else None

    @staticmethod
    def _by_login(session: Session, login: str) -> StaffAccount:
        account = session.scalar(select(StaffAccount).where(StaffAccount.login == normalise_login(login)))
        if account is None:
            raise UnknownLogin(f"no staff account with login id {normalise_login(login)!r}")
        return account

    # -- sign-in -------------------------------------------------------------------------------------------

    def authenticate(self, login: str, password: str, *, now: datetime, remote_addr: str | None = None) -> SignInResult:
        """Check a password. Always runs one argon2 verification (a dummy one for unknown logins), so unknown and
        known logins take as long; call it only within the sign-in throttle's budget (backoffice/throttle.py).

        Unknown login, wrong password and a locked (inactive) account are all INVALID. Success re-hashes the
        password if the hasher's parameters changed. The hash runs outside any database transaction.
        """
        login = normalise_login(login)[:64]
        with self.sessions() as session:
            account = session.scalar(select(StaffAccount).where(StaffAccount.login == login))
        if account is None or len(password) > MAX_PASSWORD_LENGTH:
            self._verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])
            password_ok = False
        else:
            password_ok = self._verify(account.password_hash, password)
        with self.sessions.begin() as session:
            if account is None:
                self._log(session, login, None, SignInOutcome.INVALID, now, remote_addr)
                return SignInResult(SignInOutcome.INVALID)
            if not account.active:
                self._log(session, login, account.id, "inactive", now, remote_addr)
                return SignInResult(SignInOutcome.INVALID)
            if not password_ok:
                self._log(session, login, account.id, SignInOutcome.INVALID, now, remote_addr)
                return SignInResult(SignInOutcome.INVALID)
            if self.hasher.check_needs_rehash(account.password_hash):
                session.execute(
                    update(StaffAccount)
                    .where(StaffAccount.id == account.id)
                    .values(password_hash=self.hasher.hash(password))
                )
            self._log(session, login, account.id, SignInOutcome.OK, now, remote_addr)
            return SignInResult(SignInOutcome.OK, staff=_to_staff(account))

    # -- sessions ------------------------------------------------------------------------------------------

    def open_session(self, staff_id: int, nonce: str, *, now: datetime, expires_at: datetime) -> None:
        """Record a signed-in browser (its cookie carries `nonce`); drops that person's expired sessions."""
        with self.sessions.begin() as session:
            session.execute(
                delete(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.expires_at <= now)
            )
            session.add(
                StaffSession(staff_id=staff_id, nonce_hash=token_hash(nonce), created_at=now, expires_at=expires_at)
            )

    def staff_for_session(self, staff_id: int, nonce: str, *, now: datetime) -> Staff | None:
        """The active staff member whose live session carries `nonce`, or None (ended, expired, locked, removed)."""
        with self.sessions() as session:
            row = session.execute(
                select(StaffSession, StaffAccount)
                .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
                .where(StaffSession.nonce_hash == token_hash(nonce))
            ).first()
        if row is None:
            return None
        stored, account = row
        if stored.staff_id != staff_id or stored.expires_at <= now or not account.active:
            return None
        return _to_staff(account)

    def end_sessions(self, staff_id: int) -> int:
        """End every session of this staff member (sign-out ends them all: a copied cookie too); returns how many."""
        with self.sessions.begin() as session:
            return _delete_sessions(session, staff_id)

    @staticmethod
    def _log(
        session: Session, login: str, staff_id: int | None, outcome: str, now: datetime, remote_addr: str | None
    ) -> None:
        session.add(
            LoginAttempt(
                at=now, login=login, staff_id=staff_id, outcome=str(outcome), remote_addr=(remote_addr or None)
            )
        )

    # -- API tokens ----------------------------------------------------------------------------------------

    def create_token(self, login: str, name: str, *, now: datetime, expires_at: datetime | None = None) -> str:
        """A new API token for `login`, returned once: only its SHA-256 is stored."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidAccount("token name: 1-100 characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            account = self._by_login(session, login)
            session.add(
                ApiToken(
                    staff_id=account.id, name=name, token_hash=token_hash(token), created_at=now, expires_at=expires_at
                )
            )
        return token

    def revoke_tokens(self, login: str, name: str | None, *, now: datetime) -> int:
        """Revoke `login`'s live tokens (only those called `name` if given); returns how many."""
        with self.sessions.begin() as session:
            account = self._by_login(session, login)
            query = select(ApiToken).where(ApiToken.staff_id == account.id, ApiToken.revoked_at.is_(None))
            if name is not None:
                query = query.where(ApiToken.name == name)
            tokens = session.scalars(query).all()
            for token in tokens:
                token.revoked_at = now
            return len(tokens)

    def staff_for_token(self, token: str, *, now: datetime) -> Staff | None:
        """The active staff member owning this live (unrevoked, unexpired) token, or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = token_hash(token)
        with self.sessions.begin() as session:
            row = session.execute(
                select(ApiToken, StaffAccount)
                .join(StaffAccount, StaffAccount.id == ApiToken.staff_id)
                .where(ApiToken.token_hash == digest)
            ).first()
            if row is None:
                return None
            api_token, account = row
            # The lookup was by hash; compare again in constant time for good measure.
            if not hmac.compare_digest(api_token.token_hash, digest):
                return None
            if api_token.revoked_at is not None or not account.active:
                return None
            if api_token.expires_at is not None and api_token.expires_at <= now:
                return None
            if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
                api_token.last_used_at = now
            return _to_staff(account)

    # -- development -------------------------------------------------------------------------------------

    def seed_demo(self, *, now: datetime) -> list[str]:
        """Create the demo accounts that are missing (idempotent); returns the logins created."""
        created = []
        for login, name, role in DEMO_ACCOUNTS:
            if self.find(login) is None:
                try:
                    self.create_staff(login, name, role, DEMO_PASSWORD, now=now)
                except DuplicateLogin:
                    continue
                created.append(login)
        return created
