"""SQLAlchemy tables of the store. Alembic migrations in ``migrations/`` create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AdminSessionRow",
    "ApiTokenRow",
    "AuditRow",
    "Base",
    "ChatSessionRow",
    "HallSettingRow",
    "HistoryRow",
    "InsightClusterRow",
    "LexiconChangeRow",
    "LexiconEntryRow",
    "MatterRow",
    "QuestionRow",
    "RevisionRow",
    "UploadRow",
    "UserRow",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class MatterRow(Base):
    """A matter (事项) with its guide; list fields are JSON arrays."""

    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(128), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16), default="matter")
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    department: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(Text)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    conditions: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    process: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_limit: Mapped[str | None] = mapped_column(Text)
    promised_time_limit: Mapped[str | None] = mapped_column(Text)
    fee: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    online_url: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    # Lower-cased code, title, aliases and department, one per line: what listing filters on.
    search_text: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    questions: Mapped[list[QuestionRow]] = relationship(
        back_populates="matter",
        cascade="all, delete-orphan",
        order_by="QuestionRow.id",
        lazy="selectin",
    )


class QuestionRow(Base):
    """An alternate phrasing of a matter (matter questions 事项问题)."""

    __tablename__ = "matter_questions"
    __table_args__ = (UniqueConstraint("matter_id", "text", name="uq_matter_questions_text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(16), default="imported")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    matter: Mapped[MatterRow] = relationship(back_populates="questions")


class LexiconEntryRow(Base):
    """One entry of a lexicon bank (词库): a word, a synonym group, a reply, a weighted keyword.

    ``term`` is the entry's key (the word, the canonical form, the intent); ``value`` its payload
    (the group's members, the reply, the category, the matter code). ``digest`` makes an entry
    unique within its bank whatever the length of its texts.
    """

    __tablename__ = "lexicon_entries"
    __table_args__ = (UniqueConstraint("bank", "digest", name="uq_lexicon_entries_bank_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(32), index=True)
    term: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float | None] = mapped_column(Float)
    digest: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LexiconChangeRow(Base):
    """Who changed which lexicon entry, and when: the audit trail admins asked for."""

    __tablename__ = "lexicon_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))
    term: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class HistoryRow(Base):
    """Every question asked (question history 问题历史), with what the guide decided."""

    __tablename__ = "question_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="api")
    query: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(16), index=True)
    matter_code: Mapped[str | None] = mapped_column(String(128), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    turn: Mapped[int | None] = mapped_column(Integer)
    reply: Mapped[str | None] = mapped_column(Text)
    #: Why the guide decided so (match, close, no_match, chitchat, rude, blocked, empty …).
    reason: Mapped[str | None] = mapped_column(String(16))
    #: The ranked candidates as shown to the admin: [{"code", "title", "score", "why"}].
    candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    #: The engine's sentence vector of the question (float16), for clustering what was missed.
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: What an admin did about it: null (open), taught, dismissed, out_of_scope.
    triage: Mapped[str | None] = mapped_column(String(16), index=True)


class ChatSessionRow(Base):
    """A conversation's state, kept here so any API process can serve its next turn."""

    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class HallSettingRow(Base):
    """An admin-editable setting of the hall (the persona, the hall's introduction), as JSON."""

    __tablename__ = "hall_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(100), default="system")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserRow(Base):
    """A back-office account: a role, an argon2 hash (never the password), a lockout clock."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiTokenRow(Base):
    """A script's bearer token: only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AdminSessionRow(Base):
    """A signed-in browser: the cookie's SHA-256, its CSRF token, when it ends.

    Kept in the store so that any API process recognises the cookie another one issued.
    """

    __tablename__ = "admin_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuditRow(Base):
    """One change by anyone on any path (pages, API, CLI): who, when, what, before and after.

    Rows are only ever inserted: no function of the store updates or deletes them.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(32), index=True)
    target_id: Mapped[str] = mapped_column(String(200), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)


class RevisionRow(Base):
    """A counter per part of what the guide answers from (catalogue, lexicons, settings).

    Every write bumps its part in the same transaction, so a process notices a change with one
    cheap query and rebuilds only that part.
    """

    __tablename__ = "store_revisions"

    part: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UploadRow(Base):
    """A catalogue file uploaded for a dry run, kept until it is committed or expires.

    In the store, not on one machine's disk, so the commit may reach another process.
    """

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InsightClusterRow(Base):
    """A group of questions the guide could not serve, as last computed, and what was done.

    Kept in the store so that the process an admin's teach request reaches finds the cluster
    another process listed; the id is a digest of its questions' history ids.
    """

    __tablename__ = "insight_clusters"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    size: Mapped[int] = mapped_column(Integer)
    questions: Mapped[list[int]] = mapped_column(JSON)
    texts: Mapped[list[str]] = mapped_column(JSON)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
