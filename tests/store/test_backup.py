"""hall backup / hall restore: every table in one file, identical after a round trip on SQLite and
PostgreSQL and from one to the other; a refused restore changes nothing."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from hall.importers import load_demo
from hall.lexicons import seed_defaults
from hall.settings import Settings
from hall.store import (
    BackupInvalid,
    ClusterRecord,
    MatterRecord,
    Store,
    backup,
    cluster_id,
    count_matters,
    create_admin_session,
    create_chat_session,
    create_token,
    create_user,
    list_history,
    put_hall_setting,
    record_question,
    restore,
    save_clusters,
    save_upload,
    set_turn_feedback,
    upsert_matters,
)
from hall.store.tables import Base
from tests.conftest import PG_URL


@pytest.fixture
def other_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    """A second empty database of the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{(tmp_path / 'other.sqlite3').as_posix()}"
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _open(url: str) -> Store:
    store = Store(url)
    store.migrate()
    return store


def fill(store: Store, settings: Settings) -> None:
    """Something in every table: matters and questions, lexicons and their trail, a conversation,
    history with feedback, the hall's settings."""
    load_demo(store, settings=settings)
    seed_defaults(store)
    with store.session() as session:
        chat = create_chat_session(session, ttl=timedelta(minutes=30))
        record_question(
            session,
            query="驾照丢了怎么办",
            normalized="机动车驾驶证 补领",
            decision="answer",
            matter_code="HD-0101",
            score=0.8123456789,
            latency_ms=12.5,
            session_id=chat.id,
            channel="chat",
            turn=1,
            reply="为您找到「生育登记」",
        )
        put_hall_setting(session, "persona", {"name": "小政", "looks": {"welcome": [1, 2]}})
        # The back office's tables: an account with a token and a session, an upload, a
        # cluster of the insight (the audit has rows from the writes above).
        user = create_user(session, "ann", "editor", "$argon2id$v=19$hash", by="cli")
        create_token(session, "ann", "a" * 64, "hall_abcdefg", by="cli")
        create_admin_session(session, "b" * 64, user.id, "csrf", ttl=timedelta(hours=1))
        save_upload(
            session,
            "upload-1",
            filename="x.jsonl",
            fmt="jsonl",
            options={"retire_missing": False},
            content=b'{"code": "X", "title": "x"}\n',
            by="ann",
            ttl=timedelta(hours=1),
        )
        history = list_history(session, limit=1)[0]
        save_clusters(
            session,
            [
                ClusterRecord(
                    id=cluster_id([history.id]),
                    computed_at=history.asked_at,
                    size=1,
                    questions=[history.id],
                    texts=[history.query],
                    suggestions=[{"code": "HD-0101", "title": "生育登记"}],
                    first_seen=history.asked_at,
                    last_seen=history.asked_at,
                    state="open",
                    action=None,
                    resolved_by=None,
                    resolved_at=None,
                    failed=1,
                )
            ],
        )
    with store.session() as session:
        set_turn_feedback(session, chat.id, 1, helpful=False, comment="没说清楚")


def test_every_table_has_rows_in_the_fixture(store: Store, settings: Settings) -> None:
    """The round trips below cover every table, not only the easy ones."""
    fill(store, settings)
    with store.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            assert connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar(), table


def test_round_trip_is_identical(
    store: Store, settings: Settings, other_url: str, tmp_path: Path
) -> None:
    fill(store, settings)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    counts = backup(store, first)
    other = _open(other_url)
    try:
        assert restore(other, first) == counts
        backup(other, second)
    finally:
        other.dispose()
    assert first.read_bytes() == second.read_bytes()
    assert counts["matters"] > 0


def test_sqlite_to_the_store_and_back(store: Store, settings: Settings, tmp_path: Path) -> None:
    """SQLite -> this test's backend (PostgreSQL too, when configured) -> the same file."""
    source = _open(f"sqlite:///{(tmp_path / 'source.sqlite3').as_posix()}")
    try:
        fill(source, settings)
        first = tmp_path / "first.jsonl.gz"
        backup(source, first)
    finally:
        source.dispose()
    restore(store, first)
    second = tmp_path / "second.jsonl.gz"
    backup(store, second)
    assert gzip.decompress(first.read_bytes()) == gzip.decompress(second.read_bytes())
    assert first.read_bytes() == second.read_bytes()  # no time in the gzip header either
    # Ids continue after the restored rows (PostgreSQL's sequences were moved on).
    with store.session() as session:
        upsert_matters(session, [MatterRecord(code="NEW-1", title="新的事项")])
        record_question(
            session, query="新问题", normalized="", decision="none", matter_code=None, score=None
        )
    with store.session(commit=False) as session:
        assert list_history(session, limit=1)[0].query == "新问题"


def _rewrite(path: Path, change: object) -> Path:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(lines)  # type: ignore[operator]
    out = path.with_name("changed-" + path.name)
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return out


def _snapshot(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            t.name: connection.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def _newer(lines: list[object]) -> None:
    lines[0]["schema"] = "9999_from_the_future"  # type: ignore[index]


def _short(lines: list[object]) -> None:
    """One row fewer than its table's header says."""
    at = next(i for i, x in enumerate(lines) if isinstance(x, dict) and x.get("table") == "matters")
    del lines[at + 1]


def _foreign_column(lines: list[object]) -> None:
    lines[1]["columns"][1] = "kode"  # type: ignore[index]


def _not_hall(lines: list[object]) -> None:
    lines[0]["format"] = "pg_dump"  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(_newer, "made by a newer hall", id="newer-schema"),
        pytest.param(_short, "rows", id="rows-missing"),
        pytest.param(_foreign_column, "columns", id="other-columns"),
        pytest.param(_not_hall, "not a hall backup", id="not-a-backup"),
    ],
)
@pytest.mark.parametrize("target", ["empty", "in-use"])
def test_a_refused_restore_changes_nothing(
    store: Store,
    settings: Settings,
    other_url: str,
    tmp_path: Path,
    change: object,
    message: str,
    target: str,
) -> None:
    fill(store, settings)
    good = tmp_path / "good.jsonl"
    backup(store, good)
    bad = _rewrite(good, change)
    other = _open(other_url)
    try:
        if target == "in-use":
            with other.session() as session:
                upsert_matters(session, [MatterRecord(code="KEEP", title="保留的事项")])
        before = _snapshot(other)
        with pytest.raises(BackupInvalid, match=message):
            restore(other, bad, replace=True)
        assert _snapshot(other) == before
    finally:
        other.dispose()


def test_a_store_in_use_is_replaced_only_when_asked(
    store: Store, settings: Settings, other_url: str, tmp_path: Path
) -> None:
    fill(store, settings)
    path = tmp_path / "b.jsonl"
    counts = backup(store, path)
    other = _open(other_url)
    try:
        with other.session() as session:
            upsert_matters(session, [MatterRecord(code="OLD", title="旧事项")])
        with pytest.raises(BackupInvalid, match="not empty"):
            restore(other, path)
        assert restore(other, path, replace=True) == counts
        with other.session(commit=False) as session:
            assert count_matters(session) == counts["matters"]
    finally:
        other.dispose()


def test_an_older_schema_is_restored_then_migrated(
    store: Store, settings: Settings, other_url: str, tmp_path: Path
) -> None:
    """A file from before 0003 (no conversations, no hall settings, no turns in the history)
    goes into an empty store at its own schema, which is then brought to the newest."""
    fill(store, settings)
    path = tmp_path / "now.jsonl"
    backup(store, path)

    later = {  # tables and history columns of revisions 0003 and after
        "chat_sessions",
        "hall_settings",
        "users",
        "api_tokens",
        "admin_sessions",
        "audit_log",
        "store_revisions",
        "uploads",
        "insight_clusters",
    }
    columns = ("turn", "reply", "reason", "candidates", "vector", "triage")

    def as_0002(lines: list[object]) -> None:
        out: list[object] = []
        dropped: set[int] = set()
        header = lines[0]
        header["schema"] = "0002"  # type: ignore[index]
        header["tables"] = [  # type: ignore[index]
            t
            for t in header["tables"]  # type: ignore[index]
            if t not in later
        ]
        skipping = False
        for line in lines:
            if isinstance(line, dict) and "table" in line:
                skipping = line["table"] in later
                if skipping:
                    continue
                if line["table"] == "question_history":
                    dropped = {line["columns"].index(c) for c in columns}
                    line["columns"] = [c for c in line["columns"] if c not in columns]
                else:
                    dropped = set()
            elif isinstance(line, list):
                if skipping:
                    continue
                line = [v for i, v in enumerate(line) if i not in dropped]
            out.append(line)
        lines[:] = out

    older = _rewrite(path, as_0002)
    other = _open(other_url)
    try:
        counts = restore(other, older)
        assert "chat_sessions" not in counts
        with other.session(commit=False) as session:
            history = list_history(session, limit=5)
            assert history[0].query == "驾照丢了怎么办"
        assert _snapshot(other)["chat_sessions"] == 0  # the newest schema, migrated
    finally:
        other.dispose()
