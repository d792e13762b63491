"""What the store must forget: expired conversations, and questions past the history's
retention. Every process runs it now and then (``hall serve``), and ``hall purge`` runs it once
(for a cron job); the deletes are idempotent, so processes doing it at once do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hall.settings import Settings
from hall.store import Store, purge_chat_sessions, purge_history

__all__ = ["Purged", "housekeeping"]


@dataclass(frozen=True)
class Purged:
    sessions: int
    questions: int


def housekeeping(store: Store, settings: Settings) -> Purged:
    """Delete expired conversations and, with a retention set, older questions."""
    now = datetime.now(UTC)
    with store.session() as session:
        sessions = purge_chat_sessions(session, now=now)
    questions = 0
    if settings.history_retention_days:
        with store.session() as session:
            questions = purge_history(
                session, before=now - timedelta(days=settings.history_retention_days)
            )
    return Purged(sessions, questions)
