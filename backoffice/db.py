"""The back office database: staff accounts, their sessions and API tokens, the sign-in log (SQLAlchemy 2).

Any SQLAlchemy URL works (SQLite in development, PostgreSQL in production). Times are stored in UTC
and always come back timezone-aware, on SQLite as on PostgreSQL.

    db = Database.from_url(settings.database_url)
    db.create_all()
    with db.sessions.begin() as session:   # one transaction, committed on leaving the block
        session.add(...)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

ROLES = ("clerk", "supervisor")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime (SQLite keeps no offset: store naive UTC there, re-attach UTC on load)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the back office tables (create_all creates every table declared on it)."""


class StaffAccount(Base):
    __tablename__ = "staff_account"
    __table_args__ = (CheckConstraint("role IN ('clerk', 'supervisor')", name="staff_account_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower case, e.g. "clerk1"
    login: Mapped[str] = mapped_column(String(64), unique=True)
    # Display name, e.g. "窓口 一郎"
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # argon2id, PHC string format ("$argon2id$v=19$m=...")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Not read any more: sign-in throttling lives in memory and applies to every login id typed, known or not
    # (backoffice/throttle.py). The columns stay so that existing databases need no migration.
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A signed-in browser. The cookie names its row (by the SHA-256 of a random nonce), so deleting the rows of
    a staff member ends their sessions at once: sign-out, a new password, a lock or removal (ON DELETE CASCADE).

    A table of its own, not a column: `create_all` adds it to a database made before it existed.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id", ondelete="CASCADE"), index=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token for scripts. Only the SHA-256 of the token is kept (tokens are 32 random bytes)."""

    __tablename__ = "staff_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id", ondelete="CASCADE"), index=True)
    # What the token is for, e.g. "ci"; unique per staff account among live tokens is not enforced.
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class LoginAttempt(Base):
    """The sign-in log: one row per attempt (an audit trail; the lock-out itself lives on StaffAccount)."""

    __tablename__ = "staff_login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The login id as typed (normalised, cut to 64 characters); it may name no account.
    login: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id", ondelete="SET NULL"), default=None)
    # "ok" | "invalid" | "locked" | "inactive"
    outcome: Mapped[str] = mapped_column(String(16))
    remote_addr: Mapped[str | None] = mapped_column(String(64), default=None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite: creates the file's directory, allows use across threads, enforces foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        if not database or database == ":memory:":
            kwargs.setdefault("poolclass", StaticPool)  # one shared connection, else each one is a new empty DB
        engine = create_engine(parsed, **kwargs)

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: objects stay readable after the transaction (the code copies them to dataclasses).
    return sessionmaker(engine, expire_on_commit=False)


def create_all(engine: Engine) -> None:
    """Create the missing tables (no migrations yet: new columns need an ALTER TABLE or a fresh database)."""
    Base.metadata.create_all(engine)


@dataclass
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def from_url(cls, url: str, **engine_kwargs: Any) -> Database:
        engine = make_engine(url, **engine_kwargs)
        return cls(engine=engine, sessions=make_sessionmaker(engine))

    def create_all(self) -> None:
        create_all(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
