"""The one settings class. Every field can be set by an environment variable of the same name."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

# Development defaults: safe to publish, refused when PROFILE=production.
DEV_CHANNEL_SECRET = "dev-channel-secret-0123456789abcdef"
DEV_CHANNEL_ACCESS_TOKEN = "dev-channel-access-token"
DEV_USER_ID_HASH_KEY = "dev-user-id-hash-key"
_DEV_SECRETS = {DEV_CHANNEL_SECRET, DEV_CHANNEL_ACCESS_TOKEN, DEV_USER_ID_HASH_KEY}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    profile: Literal["development", "production"] = "development"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "madoguchi"
    temporal_ui_port: int = 8233
    temporal_db_file: Path = ROOT / "var" / "temporal.sqlite"
    temporal_grpc_compression: Literal["none", "gzip"] = "none"

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

    # Emulator (development and tests only)
    emulator_host: str = "127.0.0.1"
    emulator_port: int = 9090
    emulator_webhook_url: str | None = None
    emulator_fault_rate: float = 0.0
    emulator_fault_latency_ms: int = 0
    emulator_reply_token_ttl_seconds: float = 60.0

    # Worker
    worker_metrics_port: int = 0

    # Conversation timing
    intake_reminder_after: timedelta = timedelta(hours=24)
    intake_expire_after: timedelta = timedelta(hours=72)
    # LINE reply tokens are valid for about a minute; stop trying them a little earlier.
    reply_token_max_age: timedelta = timedelta(seconds=50)

    catalog_path: Path = ROOT / "catalog" / "procedures.yaml"

    @model_validator(mode="after")
    def _production_has_real_secrets(self) -> Settings:
        if self.profile == "production":
            used = {self.line_channel_secret, self.line_channel_access_token, self.user_id_hash_key}
            if used & _DEV_SECRETS:
                raise ValueError(
                    "PROFILE=production needs LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN and "
                    "USER_ID_HASH_KEY set to real values, not the development defaults"
                )
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
    def webhook_url(self) -> str:
        return self.emulator_webhook_url or f"http://{self.api_host}:{self.api_port}/line/webhook"


@lru_cache
def get_settings() -> Settings:
    return Settings()
