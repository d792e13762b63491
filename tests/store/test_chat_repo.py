"""Conversation rows and hall settings: create, load, expire, save with a turn guard, feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hall.store import (
    Store,
    create_chat_session,
    get_hall_setting,
    load_chat_session,
    popular_matter_codes,
    purge_chat_sessions,
    put_hall_setting,
    record_question,
    record_questions,
    save_chat_session,
    set_turn_feedback,
)
from hall.store.tables import HistoryRow, utcnow

TTL = timedelta(minutes=30)


def test_a_conversation_round_trips_its_state(store: Store) -> None:
    with store.session() as session:
        chat = create_chat_session(session, ttl=TTL)
    assert len(chat.id) >= 20
    chat.data = {"matter": "HD-0101", "element": 2, "failed": 0}
    with store.session() as session:
        assert save_chat_session(session, chat, ttl=TTL)
    with store.session(commit=False) as session:
        loaded = load_chat_session(session, chat.id)
    assert loaded is not None
    assert loaded.data == {"matter": "HD-0101", "element": 2, "failed": 0}
    assert loaded.turns == 1


def test_a_stale_turn_is_refused(store: Store) -> None:
    """Two processes load turn 0; the second to write loses instead of overwriting."""
    with store.session() as session:
        chat = create_chat_session(session, ttl=TTL)
    with store.session(commit=False) as session:
        first = load_chat_session(session, chat.id)
        second = load_chat_session(session, chat.id)
    assert first is not None
    assert second is not None
    first.data, second.data = {"who": "first"}, {"who": "second"}
    with store.session() as session:
        assert save_chat_session(session, first, ttl=TTL)
    with store.session() as session:
        assert not save_chat_session(session, second, ttl=TTL)
    with store.session(commit=False) as session:
        loaded = load_chat_session(session, chat.id)
    assert loaded is not None
    assert loaded.data == {"who": "first"}


def test_unknown_and_expired_conversations_are_none(store: Store) -> None:
    with store.session() as session:
        chat = create_chat_session(session, ttl=TTL)
        assert load_chat_session(session, "no-such-id") is None
        assert load_chat_session(session, "x" * 500) is None
        later = utcnow() + TTL + timedelta(seconds=1)
        assert load_chat_session(session, chat.id, now=later) is None
        assert purge_chat_sessions(session, now=later) == 1
        assert load_chat_session(session, chat.id) is None


def test_feedback_finds_the_turn(store: Store) -> None:
    with store.session() as session:
        for turn in (1, 2):
            record_question(
                session,
                query=f"q{turn}",
                normalized="",
                decision="answer",
                matter_code=None,
                score=None,
                session_id="s1",
                turn=turn,
                reply=f"r{turn}",
            )
    with store.session() as session:
        assert set_turn_feedback(session, "s1", 2, helpful=False, comment="没说清楚")
        assert not set_turn_feedback(session, "s1", 3, helpful=True, comment=None)
        assert not set_turn_feedback(session, "s2", 1, helpful=True, comment=None)
    with store.session(commit=False) as session:
        rows = {
            r.turn: (r.helpful, r.comment, r.reply)
            for r in session.query(HistoryRow).filter_by(session_id="s1")
        }
    assert rows[2][:2] == (False, "没说清楚")
    assert rows[1] == (None, None, "r1")


def test_hall_settings_are_json_values(store: Store) -> None:
    with store.session() as session:
        assert get_hall_setting(session, "persona") is None
        put_hall_setting(session, "persona", {"name": "小政"}, by="admin")
    with store.session() as session:
        assert get_hall_setting(session, "persona") == {"name": "小政"}
        put_hall_setting(session, "persona", {"name": "小安"}, by="admin")
    with store.session(commit=False) as session:
        assert get_hall_setting(session, "persona") == {"name": "小安"}


def test_popular_matters_come_from_the_window(store: Store) -> None:
    now = datetime.now(UTC)

    def asked(code: str, days_ago: int) -> dict[str, object]:
        return {
            "asked_at": now - timedelta(days=days_ago),
            "query": code,
            "normalized": "",
            "decision": "answer",
            "matter_code": code,
            "channel": "search",
        }

    with store.session() as session:
        record_questions(
            session, [asked("OLD", 100)] * 5 + [asked("NEW", 1)] * 2 + [asked("MID", 20)]
        )
    with store.session(commit=False) as session:
        assert popular_matter_codes(session) == ["OLD", "NEW", "MID"]
        last_month = popular_matter_codes(session, since=now - timedelta(days=30))
        assert last_month == ["NEW", "MID"]
