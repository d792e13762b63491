"""The search's history writer: in bulk, off the request path, nothing lost on a stop or while
the store is briefly down, bounded while it stays down."""

from __future__ import annotations

import time

import pytest

from hall.guide import Engine, HistoryWriter
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store, list_history


@pytest.fixture
def engine(store: Store, settings: Settings) -> Engine:
    load_demo(store, settings=settings)
    return Engine(store, settings).load()


def _history(store: Store) -> list[str]:
    with store.session(commit=False) as session:
        return [item.query for item in list_history(session, limit=1000)]


def test_questions_are_written_in_bulk_and_flushed_on_close(store: Store, engine: Engine) -> None:
    writer = HistoryWriter(store, interval_s=60).start()  # no timed flush in this test
    for question in ("驾照丢了", "护照", "我的手机13812345678"):
        writer.add(engine.ask(question), channel="search")
    assert _history(store) == []
    assert writer.waiting == 3
    writer.close()
    assert sorted(_history(store)) == sorted(["驾照丢了", "护照", "我的手机***********"])
    assert writer.written == 3


def test_the_thread_writes_within_its_interval(store: Store, engine: Engine) -> None:
    writer = HistoryWriter(store, interval_s=0.05).start()
    writer.add(engine.ask("护照"), channel="search")
    deadline = time.monotonic() + 10
    while not _history(store) and time.monotonic() < deadline:
        time.sleep(0.02)
    writer.close()
    assert _history(store) == ["护照"]


def test_a_store_that_fails_keeps_the_questions_for_later(
    store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = HistoryWriter(store, interval_s=60)
    writer.add(engine.ask("护照"), channel="search")

    def down(*_: object, **__: object) -> None:
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr("hall.guide.history.record_questions", down)
        patched.setattr(store, "ping", lambda: False)
        assert writer.flush() == 0
    assert writer.waiting == 1
    assert writer.flush() == 1
    assert _history(store) == ["护照"]


def test_the_buffer_is_bounded(store: Store, engine: Engine) -> None:
    writer = HistoryWriter(store, limit=3)
    answer = engine.ask("护照")
    for _ in range(5):
        writer.add(answer, channel="search")
    assert (writer.waiting, writer.dropped) == (3, 2)


def test_one_bad_row_does_not_hold_back_the_others(store: Store, engine: Engine) -> None:
    writer = HistoryWriter(store, interval_s=60)
    writer.add(engine.ask("护照"), channel="search")
    writer.add(engine.ask("驾照丢了"), channel="search")
    writer._rows.queue[1]["decision"] = None  # no decision: refused by the store
    writer.add(engine.ask("低保"), channel="search")
    assert writer.flush() == 3  # taken off the queue: written or dropped, not retried forever
    assert sorted(_history(store)) == ["低保", "护照"]
    assert (writer.written, writer.dropped, writer.waiting) == (2, 1, 0)
