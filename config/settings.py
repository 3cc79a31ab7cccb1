"""The one settings class. Every field can be set by an environment variable of the same name."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.keys import Keyring, parse_key_ring

ROOT = Path(__file__).resolve().parent.parent

# Development defaults: safe to publish, refused when PROFILE=production.
DEV_CHANNEL_SECRET = "dev-channel-secret-0123456789abcdef"
DEV_CHANNEL_ACCESS_TOKEN = "dev-channel-access-token"
DEV_USER_ID_HASH_KEY = "dev-user-id-hash-key"
# "key id:base64 of 32 bytes"; this one is all zeros but "dev1", so it is never mistaken for a real key.
DEV_BLOB_KEYS = "dev1:" + "A" * 43 + "="
DEV_SESSION_SECRET = "dev-session-secret-0123456789abcdef"
DEV_LINEPAY_CHANNEL_ID = "1234567890"
DEV_LINEPAY_CHANNEL_SECRET = "dev-linepay-channel-secret-0123456789"
# Ed25519 signing key for certificates: "keyid:base64 of the raw 32-byte seed".
DEV_CERT_SIGNING_KEYS = "dev-2026:" + "B" * 43 + "="
DEV_PAYLOAD_KEYS = "dev-payload-1:" + "C" * 43 + "="
DEV_CODEC_TOKEN = "dev-codec-token-0123456789abcdef"
_DEV_SECRETS = {
    DEV_CHANNEL_SECRET,
    DEV_CHANNEL_ACCESS_TOKEN,
    DEV_USER_ID_HASH_KEY,
    DEV_BLOB_KEYS,
    DEV_SESSION_SECRET,
    DEV_LINEPAY_CHANNEL_SECRET,
    DEV_CERT_SIGNING_KEYS,
    DEV_PAYLOAD_KEYS,
    DEV_CODEC_TOKEN,
}
# The key material of the development rings: published, so refused in production under whatever id it is listed.
DEV_KEY_MATERIAL = frozenset(
    raw
    for spec in (DEV_BLOB_KEYS, DEV_PAYLOAD_KEYS, DEV_CERT_SIGNING_KEYS)
    for raw in parse_key_ring(spec, "development key").values()
)

# Shortest value production accepts, in characters. The secrets we generate ourselves carry 32 random bytes:
# `secrets.token_urlsafe(32)` prints 43 characters (.env.example). LINE issues channel secrets of 32 hex characters,
# and so does LINE Pay; a channel access token from LINE is far longer than 32 characters.
SECRET_MIN_LENGTH = {
    "session_secret": 43,
    "codec_token": 43,
    "user_id_hash_key": 43,
    "line_channel_secret": 32,
    "linepay_channel_secret": 32,
    "line_channel_access_token": 32,
}
# Length cannot show entropy; a value made of so few different characters (or a key of so few different bytes)
# is a placeholder such as "xxxx...", not a random secret. A random secret of 32 hex characters has fewer about once
# in 3 * 10^12; a 43-character token or a 32-byte key practically never.
MIN_DISTINCT_SYMBOLS = 6
KEY_RINGS = ("blob_keys", "payload_keys", "cert_signing_keys")


def _random_looking(value: str | bytes) -> bool:
    return len(set(value)) >= MIN_DISTINCT_SYMBOLS


def production_problems(settings: Settings) -> list[str]:
    """Why `settings` must not run as production, each naming the variable and never its value."""
    problems: list[str] = []
    seen_values: dict[str, str] = {}
    for field, minimum in SECRET_MIN_LENGTH.items():
        variable, value = field.upper(), str(getattr(settings, field))
        if value in _DEV_SECRETS:
            problems.append(f"{variable} is a published development value")
        elif len(value) < minimum:
            problems.append(f"{variable} must be at least {minimum} characters")
        elif not _random_looking(value):
            problems.append(f"{variable} has too few different characters to be random")
        if value in seen_values:
            problems.append(f"{seen_values[value]} and {variable} must differ")
        seen_values.setdefault(value, variable)
    seen_keys: dict[bytes, str] = {}
    for field in KEY_RINGS:
        variable = field.upper()
        for key_id, raw in parse_key_ring(str(getattr(settings, field)), variable).items():
            if raw in DEV_KEY_MATERIAL:
                problems.append(f"{variable} key {key_id!r} is a published development key")
            elif not _random_looking(raw):
                problems.append(f"{variable} key {key_id!r} has too few different bytes to be random")
            elif raw in seen_keys:
                problems.append(f"{seen_keys[raw]} and {variable} key {key_id!r} are the same key")
            seen_keys.setdefault(raw, f"{variable} key {key_id!r}")
    if not settings.session_cookie_secure:
        problems.append("SESSION_COOKIE_SECURE must be true (staff session cookies only over HTTPS)")
    return problems


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting's error names the variable, never its value (secrets reach logs).
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    profile: Literal["development", "production"] = "development"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "madoguchi"
    temporal_ui_port: int = 8233
    temporal_db_file: Path = ROOT / "var" / "temporal.sqlite"
    temporal_grpc_compression: Literal["none", "gzip"] = "none"
    # Temporal payload encryption: "keyid:base64(32 bytes)[,...]"; the first encrypts, all decrypt.
    payload_keys: str = DEV_PAYLOAD_KEYS
    # Operators' token for the codec endpoint (POST /codec/decode, `Authorization: Bearer`; api/codec.py).
    codec_token: str = DEV_CODEC_TOKEN
    # Browser origins allowed to call the codec endpoint (the Temporal Web UI), with the staff session cookie.
    codec_cors_origins: list[str] = ["http://127.0.0.1:8233", "http://localhost:8233"]

    # LINE Messaging API (the emulator reads the same secret and token)
    line_channel_secret: str = DEV_CHANNEL_SECRET
    line_channel_access_token: str = DEV_CHANNEL_ACCESS_TOKEN
    # None means the real LINE hosts (api.line.me / api-data.line.me).
    line_api_base: str | None = None
    # Key for the keyed hash that turns a LINE user id into a workflow id.
    user_id_hash_key: str = DEV_USER_ID_HASH_KEY

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    webhook_max_body_bytes: int = 1_048_576
    # Idle keep-alive connections are closed after this long (the API's and the emulator's servers). It must
    # be longer than the idle timeout of the clients and proxies in front (LINE, a load balancer, httpx's
    # 5 s pool expiry): when both sides time out together, a request sent on a connection being closed fails.
    http_keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    # Bearer token Prometheus sends for the API's /metrics. Unset: open in development, 404 in production.
    metrics_token: str | None = None

    # Emulator (development and tests only)
    emulator_host: str = "127.0.0.1"
    emulator_port: int = 9090
    emulator_webhook_url: str | None = None
    emulator_fault_rate: float = 0.0
    emulator_fault_latency_ms: int = 0
    emulator_reply_token_ttl_seconds: float = 60.0

    # Worker
    worker_metrics_port: int = 0
    # The Temporal SDK's own worker metrics (task latencies, failures, slots), a second endpoint.
    worker_sdk_metrics_port: int = 0

    # Conversation timing
    intake_reminder_after: timedelta = timedelta(hours=24)
    intake_expire_after: timedelta = timedelta(hours=72)
    # LINE reply tokens are valid for about a minute; stop trying them a little earlier.
    reply_token_max_age: timedelta = timedelta(seconds=50)

    catalog_path: Path = ROOT / "catalog" / "procedures.yaml"

    # Blob store (ID photos; later certificates): a local directory, encrypted at rest with AES-256-GCM.
    blob_dir: Path = ROOT / "var" / "blobs"
    # Comma-separated "key id:base64 key" pairs; the first encrypts, all decrypt (rotation).
    blob_keys: str = DEV_BLOB_KEYS

    # ID photo stage
    id_photo_max_attempts: int = Field(default=3, ge=1)
    id_photo_retention_days: int = Field(default=30, ge=0)
    id_photo_reminder_after: timedelta = timedelta(hours=24)
    id_photo_expire_after: timedelta = timedelta(days=7)
    # Perceptual hashes of stored ID photos, for the duplicate flag (SQLite file).
    photo_index_path: Path = ROOT / "var" / "photo_index.sqlite"
    # Hashes this close (bits of 64) count as the same photo.
    duplicate_photo_max_distance: int = Field(default=6, ge=0, le=32)

    # Resident registry (the city's 住民基本台帳 system, behind a port): any SQLAlchemy URL.
    registry_url: str = f"sqlite:///{ROOT / 'var' / 'registry.sqlite'}"
    # Back office database: staff accounts, API tokens (any SQLAlchemy URL).
    database_url: str = f"sqlite:///{ROOT / 'var' / 'backoffice.sqlite'}"

    # Back office sign-in
    session_secret: str = DEV_SESSION_SECRET
    session_max_age: timedelta = timedelta(hours=8)
    # Failures in a row with one login id (known or not) from browsers not known for it before each further
    # attempt waits 1, 2, 4 ... minutes, at most LOGIN_LOCKOUT. A browser where that person signed in before
    # has a budget of its own, so nobody can lock a clerk out (backoffice/throttle.py).
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout: timedelta = timedelta(minutes=15)
    # Sign-in attempts per client address (IPv6: per /64): this many at once, then one more per refill period.
    login_address_attempts: int = Field(default=10, ge=1)
    login_address_refill: timedelta = timedelta(minutes=1)
    # How long a browser where a staff member signed in stays known for that login id.
    login_device_trust: timedelta = timedelta(days=30)
    # argon2 hashes running at once in one API process: each takes 64 MiB (argon2-cffi's default parameters).
    login_concurrent_hashes: int = Field(default=1, ge=1, le=64)
    # Request bodies larger than this get 413 before anything reads them, on every route without a limit of its
    # own (the webhook: WEBHOOK_MAX_BODY_BYTES; the codec: 4 MiB; the sign-in form: 16 KiB).
    max_body_bytes: int = Field(default=8192, ge=1024)
    # Cookies marked Secure (HTTPS only); off for the local http:// development system, required in production.
    session_cookie_secure: bool = False

    # Clerk review
    review_deadline_business_days: int = Field(default=1, ge=1)
    review_still_reviewing_after_days: int = Field(default=3, ge=1)

    # Fee payment: the provider is a setting behind a port; LINE Pay online API v3 is the first adapter.
    payment_provider: Literal["linepay"] = "linepay"
    # None: the emulator's LINE Pay sandbox in development; https://api-pay.line.me in production.
    linepay_api_base: str | None = None
    linepay_channel_id: str = DEV_LINEPAY_CHANNEL_ID
    linepay_channel_secret: str = DEV_LINEPAY_CHANNEL_SECRET
    payment_currency: str = "JPY"
    # Where the provider sends the resident's browser back (the API's public URL).
    public_base_url: str | None = None
    payment_reminder_after: timedelta = timedelta(hours=24)
    payment_expire_after: timedelta = timedelta(hours=72)

    # Certificates: Ed25519 signing keys "keyid:base64(32-byte seed)[,...]"; the first signs, all verify.
    cert_signing_keys: str = DEV_CERT_SIGNING_KEYS
    digital_copy_link_valid_for: timedelta = timedelta(days=7)
    # A Japanese OpenType/TrueType font for certificates; unset: the one of the noto-cjk-sans-jp-regular package.
    cert_font_path: Path | None = None

    @field_validator("blob_keys", "payload_keys")
    @classmethod
    def _key_ring_parses(cls, value: str, info: ValidationInfo) -> str:
        Keyring.parse(value, (info.field_name or "").upper())  # refuse a malformed ring at start-up, with its reason
        return value

    @field_validator("cert_signing_keys")
    @classmethod
    def _cert_keys_parse(cls, value: str) -> str:
        Keyring.parse(value, "CERT_SIGNING_KEYS", "seed")  # any 32-byte seed is an Ed25519 key: the ring's format
        return value

    @model_validator(mode="after")
    def _production_has_real_secrets(self) -> Settings:
        if self.profile == "production":
            problems = production_problems(self)
            if problems:
                raise ValueError("PROFILE=production refuses these settings: " + "; ".join(problems))
        return self

    @property
    def line_host(self) -> str | None:
        """Host for line-bot-sdk's Configuration; the emulator in development."""
        if self.line_api_base:
            return self.line_api_base.rstrip("/")
        if self.profile == "development":
            return f"http://{self.emulator_host}:{self.emulator_port}"
        return None

    @property
    def linepay_host(self) -> str:
        """LINE Pay API base: the emulator's sandbox in development unless set."""
        if self.linepay_api_base:
            return self.linepay_api_base.rstrip("/")
        if self.profile == "development":
            return f"http://{self.emulator_host}:{self.emulator_port}"
        return "https://api-pay.line.me"

    @property
    def public_url(self) -> str:
        """The API as residents' browsers reach it (payment redirects, verification links)."""
        return (self.public_base_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def webhook_url(self) -> str:
        return self.emulator_webhook_url or f"http://{self.api_host}:{self.api_port}/line/webhook"


@lru_cache
def get_settings() -> Settings:
    return Settings()
