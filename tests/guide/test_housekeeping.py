"""What the store forgets: expired conversations, and questions past the history's retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hall.guide import housekeeping
from hall.settings import Settings
from hall.store import Store, create_chat_session, list_history, load_chat_session, record_questions

NOW = datetime.now(UTC)


def _question(query: str, days_ago: float) -> dict[str, object]:
    return {
        "asked_at": NOW - timedelta(days=days_ago),
        "query": query,
        "normalized": "",
        "decision": "none",
        "channel": "search",
    }


@pytest.mark.parametrize(
    ("retention", "kept"),
    [
        pytest.param(365, ["last week", "last month"], id="a-year"),
        pytest.param(10, ["last week"], id="ten-days"),
        pytest.param(0, ["last week", "last month", "two years ago"], id="for-ever"),
    ],
)
def test_housekeeping(store: Store, settings: Settings, retention: int, kept: list[str]) -> None:
    with store.session() as session:
        expired = create_chat_session(session, ttl=timedelta(minutes=-1))
        alive = create_chat_session(session, ttl=timedelta(minutes=30))
        record_questions(
            session,
            [
                _question("last week", 7),
                _question("last month", 30),
                _question("two years ago", 730),
            ],
        )
    purged = housekeeping(store, settings.model_copy(update={"history_retention_days": retention}))
    assert purged.sessions == 1
    assert purged.questions == 3 - len(kept)
    with store.session(commit=False) as session:
        assert load_chat_session(session, alive.id) is not None
        assert load_chat_session(session, expired.id, now=NOW - timedelta(hours=1)) is None
        assert sorted(item.query for item in list_history(session)) == sorted(kept)
