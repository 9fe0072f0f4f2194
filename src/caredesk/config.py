"""Settings in one place, read from the environment (prefix ``CAREDESK_``) and .env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
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
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    token_ttl_days: int = Field(default=90, ge=1, le=3650)
    log_level: str = "INFO"
    log_json: bool = True

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
