"""Conversation state and the hall's admin-editable settings, as the store keeps them.

A conversation is a row with a JSON state and an expiry: every API process reads it at the start
of a turn and writes it at the end, so a citizen's next message may reach any process. Turns of
one conversation are serialised by the row's ``turns`` counter (a lost race is refused, not
silently merged).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from hall.store.audit_repo import Part, bump_revision, record_audit
from hall.store.tables import ChatSessionRow, HallSettingRow, HistoryRow, utcnow

__all__ = [
    "ChatState",
    "create_chat_session",
    "get_hall_setting",
    "load_chat_session",
    "popular_matter_codes",
    "purge_chat_sessions",
    "purge_history",
    "put_hall_setting",
    "save_chat_session",
    "set_turn_feedback",
]


@dataclass
class ChatState:
    """A conversation as loaded: its id, how many turns it had, and the dialogue's own state."""

    id: str
    turns: int
    data: dict[str, Any] = field(default_factory=dict)


def create_chat_session(session: Session, *, ttl: timedelta) -> ChatState:
    """A new conversation with an unguessable id."""
    now = utcnow()
    row = ChatSessionRow(
        id=secrets.token_urlsafe(18),
        state={},
        turns=0,
        created_at=now,
        updated_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    session.flush()
    return ChatState(row.id, 0, {})


def load_chat_session(
    session: Session, session_id: str, *, now: datetime | None = None
) -> ChatState | None:
    """The conversation, or None when unknown or expired."""
    # A plain SELECT on the connection: no ORM identity to build for a row read once a turn.
    row = (
        session.connection()
        .execute(
            select(ChatSessionRow.id, ChatSessionRow.turns, ChatSessionRow.state).where(
                ChatSessionRow.id == session_id[:64],
                ChatSessionRow.expires_at > (now or utcnow()),
            )
        )
        .first()
    )
    if row is None:
        return None
    return ChatState(row.id, row.turns, dict(row.state or {}))


def save_chat_session(session: Session, state: ChatState, *, ttl: timedelta) -> bool:
    """Write the state after one more turn; False when another process wrote a turn first."""
    now = utcnow()
    # On the connection, not through the ORM: no object of it is held, nothing to synchronise
    # (the ORM's bookkeeping was a third of the CPU of saving a turn).
    result = session.connection().execute(
        update(ChatSessionRow)
        .where(ChatSessionRow.id == state.id, ChatSessionRow.turns == state.turns)
        .values(state=state.data, turns=state.turns + 1, updated_at=now, expires_at=now + ttl)
    )
    if result.rowcount != 1:
        return False
    state.turns += 1
    return True


def purge_chat_sessions(session: Session, *, now: datetime | None = None) -> int:
    """Delete expired conversations; returns how many."""
    result = session.execute(
        delete(ChatSessionRow).where(ChatSessionRow.expires_at <= (now or utcnow()))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_history(session: Session, *, before: datetime) -> int:
    """Delete the questions asked before ``before`` (the history's retention); returns how many."""
    result = session.execute(delete(HistoryRow).where(HistoryRow.asked_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_turn_feedback(
    session: Session, session_id: str, turn: int, *, helpful: bool, comment: str | None
) -> bool:
    """Feedback on one turn of a conversation; False when there is no such turn."""
    row = session.scalars(
        select(HistoryRow).where(HistoryRow.session_id == session_id, HistoryRow.turn == turn)
    ).first()
    if row is None:
        return False
    row.helpful = helpful
    row.comment = comment[:2000] if comment else None
    return True


def get_hall_setting(session: Session, key: str) -> Any | None:
    row = session.get(HallSettingRow, key)
    return None if row is None else row.value


def put_hall_setting(session: Session, key: str, value: Any, *, by: str = "system") -> None:
    """Store a setting; an actual change is audited with before and after, and every process
    picks it up (the settings' revision moves)."""
    row = session.get(HallSettingRow, key)
    before = None if row is None else row.value
    if before == value:
        return
    if row is None:
        session.add(HallSettingRow(key=key, value=value, updated_by=by, updated_at=utcnow()))
    else:
        row.value = value
        row.updated_by = by
        row.updated_at = utcnow()
    session.flush()
    bump_revision(session, Part.SETTINGS)
    record_audit(
        session,
        actor=by,
        action="update",
        target_type="setting",
        target_id=key,
        summary=key,
        before=before,
        after=value,
    )


def popular_matter_codes(
    session: Session, *, limit: int = 8, since: datetime | None = None
) -> list[str]:
    """The matters answered most often in the question history (since ``since``), most first."""
    conditions: list[ColumnElement[bool]] = [HistoryRow.matter_code.is_not(None)]
    if since is not None:
        conditions.append(HistoryRow.asked_at >= since)
    rows = session.execute(
        select(HistoryRow.matter_code, func.count().label("n"))
        .where(*conditions)
        .group_by(HistoryRow.matter_code)
        .order_by(func.count().desc(), HistoryRow.matter_code)
        .limit(limit)
    ).all()
    return [str(code) for code, _ in rows]
