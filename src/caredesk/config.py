"""Settings in one place, read from the environment (prefix ``CAREDESK_``) and .env."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite:///var/caredesk.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CAREDESK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_SQLITE_URL,
        description="SQLAlchemy URL: a SQLite file by default, postgresql+psycopg://... at scale.",
    )
    policy_file: Path = Field(
        default=Path("config/policy.toml"),
        description="Outbound-call policy file; the handbook's values apply where it is absent.",
    )
    vendor_dir: Path | None = Field(
        default=None,
        description="node_modules holding the browser libraries; the checkout's by default.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    token_ttl_days: int = Field(default=90, ge=1, le=3650)
    # The pepper mixed into PIN and SSN-last-4 hashes (docs/adr/0001): kept outside the database.
    # Set it (the same value on every machine of a deployment), or let the key file be created
    # on first use; back it up, since without it no stored PIN can be verified.
    secret_pepper: SecretStr | None = Field(
        default=None, description="At least 32 characters; overrides secret_pepper_file."
    )
    secret_pepper_file: Path = Field(
        default=Path("var/secret-pepper"),
        description="Key file holding the pepper, created with mode 0600 when missing.",
    )
    # Failed logins (POST /v1/auth/token): after this many within the window, per login or per
    # client address, further attempts are refused with 429 for the lockout.
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_max_failures_per_address: int = Field(default=50, ge=1, le=100000)
    login_failure_window_seconds: int = Field(default=900, ge=1, le=86400)
    login_lockout_seconds: int = Field(default=900, ge=1, le=86400)
    log_level: str = "INFO"
    log_json: bool = True

    # The browser pages: a signed-in session ends after this long without a request, and in
    # any case this long after sign-in. Activity is written at most once per touch interval.
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=24 * 30)
    session_touch_seconds: int = Field(default=60, ge=0, le=3600)
    # Live updates (/live): how often a process looks for new events when nothing wakes it
    # (SQLite has no LISTEN/NOTIFY, and it is the fallback on PostgreSQL), and the keep-alive.
    live_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    live_keepalive_seconds: float = Field(default=15.0, gt=0, le=300)
    # How long live events (a browser catching up after a disconnect) and idempotency keys (a
    # client retrying a create) are kept; the dispatcher drops older ones as it goes.
    live_keep_hours: int = Field(default=48, ge=1, le=24 * 90)
    idempotency_keep_hours: int = Field(default=48, ge=1, le=24 * 90)
    # For tests and demonstrations only: the clock stands still at this instant (with offset).
    fixed_clock: datetime | None = Field(
        default=None, description="An ISO 8601 instant with offset; unset means the real time."
    )

    # Messages to customers (OB-NOTIFY, OB-SA-EMAIL-FIRST). Without an SMTP host, email is
    # written to the log instead of sent (the demo's sender).
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from_address: str = "care@caredesk.example"
    smtp_from_name: str = "Customer Care"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    brand_name: str = "Customer Care"
    support_number: str = Field(
        default="1-800-937-8997",
        description="The 800 number offered as the alternative to a scheduled call (OB-SA-*).",
    )
    care_mailbox: str = "care@caredesk.example"

    # Outbox delivery of messages.
    outbox_retry_base_seconds: int = Field(default=30, ge=1)
    outbox_retry_cap_seconds: int = Field(default=3600, ge=1)
    outbox_max_attempts: int = Field(default=12, ge=1)
    outbox_lease_seconds: int = Field(default=120, ge=5)

    # Voice: the platform lines calls are placed from (OB-DEVICE) and the gateway behind them.
    voice_gateway: str = Field(default="simulated", pattern="^(simulated|sip)$")
    voice_lines: list[str] = Field(default_factory=lambda: ["+12065550100", "+12065550101"])
    voice_seed: int = 7

    # Dispatcher: how long a claim on a due callback lasts, and when an owned callback that is
    # overdue falls back to the line of business's assignment pool (OB-SA-OWNERSHIP).
    dispatcher_lease_seconds: int = Field(default=120, ge=5)
    dispatcher_batch: int = Field(default=50, ge=1, le=1000)
    dispatcher_poll_seconds: float = Field(default=2.0, gt=0)
    owned_overdue_to_pool_minutes: int = Field(default=30, ge=1)

    @field_validator("fixed_clock")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a UTC offset, e.g. 2026-03-10T18:00:00+00:00")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; the bare scheme would pick psycopg2.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
