"""Configuration of the service from environment variables (``TANSHI_…``), with defaults."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of ``tanshi serve``; each is read from ``TANSHI_<NAME>`` (see docs/api.md)."""

    model_config = SettingsConfigDict(env_prefix="TANSHI_", extra="ignore")

    database_url: str = Field(
        "",
        description="database URL or SQLite path; empty: ./tanshi-demo/demo.sqlite if it exists, else ./tanshi.sqlite",
    )
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    workers: int = Field(
        1, ge=1, le=64, description="server processes; each has its own database pool"
    )
    db_pool_size: int = Field(
        8, ge=1, le=100,
        description="database connections kept open per process (on SQLite as many again "
        "for reads), and as many threads run the request handlers",
    )  # fmt: skip
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="larger request bodies get 413")
    session_hours: int = Field(8, ge=1, le=24 * 30, description="web session lifetime")
    login_max_failures: int = Field(5, ge=1, description="wrong logins before an account locks")
    lockout_minutes: int = Field(15, ge=1, description="how long a locked account stays locked")
    login_attempts_per_minute: int = Field(
        20, ge=1, description="login attempts per client address per minute (then 429)"
    )
    token_cache_seconds: float = Field(
        5, ge=0, le=300, description="how long a checked API token is trusted without a lookup"
    )
    cookie_secure: bool = Field(False, description="send cookies over HTTPS only (set behind TLS)")
    default_locale: str = Field("zh", pattern="^(en|zh)$", description="language before login")
    clock: str = Field(
        "", max_length=60,
        description="the service's clock: empty for real time; an ISO moment with its offset "
        "(2017-06-12T10:00+08:00) to start there; 'demo' for the demo database's own moment",
    )  # fmt: skip
    clock_runs: bool = Field(
        True, description="a chosen clock runs on in real time from start-up (false: it stays)"
    )
    release_every_seconds: float = Field(
        60, ge=0, le=3600,
        description="how often `tanshi serve` executes delayed transfers that are due (0: never)",
    )  # fmt: skip
