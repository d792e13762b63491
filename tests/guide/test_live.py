"""The snapshot a process answers from: rebuilt part by part when the store moves, swapped whole
while questions keep coming, never seen half-built (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from hall.guide import Answer, Dialogue, Engine, Refresher, Snapshot
from hall.guide.hall_info import save_hall_info
from hall.guide.persona import Persona, save_persona
from hall.importers import load_demo
from hall.lexicons import Bank, Entry, add_entries, remove_entries
from hall.settings import Settings
from hall.store import (
    MatterRecord,
    Store,
    add_question,
    get_matter,
    remove_question,
    upsert_matters,
)

SYNONYM = Entry("出生医学证明", "出生医学证明=娃娃的出生纸")


@pytest.fixture
def engine(store: Store, settings: Settings) -> Engine:
    load_demo(store, settings=settings)
    return Engine(store, settings).load()


@pytest.fixture
def refresher(engine: Engine) -> Iterator[Refresher]:
    refresher = Refresher(engine, interval_s=0.05).start()
    yield refresher
    refresher.close()


def _wait(check: Any, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not within 5 s"
        time.sleep(0.02)


def test_nothing_moved_nothing_rebuilt(engine: Engine) -> None:
    before = engine.snapshot
    assert not engine.stale()
    engine.refresh()
    assert engine.snapshot is before


def test_a_settings_change_keeps_the_index(engine: Engine, store: Store) -> None:
    before = engine.snapshot
    save_persona(store, Persona.from_dict({"name": "小安"}), by="test")
    assert engine.stale()
    engine.refresh()
    after = engine.snapshot
    assert after.persona.name == "小安"
    assert after.index is before.index
    assert after.normalizer is before.normalizer
    assert after.revision == before.revision + 1


def test_a_catalogue_change_keeps_the_normaliser_and_lexicons(engine: Engine, store: Store) -> None:
    before = engine.snapshot
    with store.session() as session:
        add_question(session, "HD-0101", "屋里头要添个小娃娃咋个登记", by="test")
    engine.refresh()
    after = engine.snapshot
    assert after.index is not before.index
    assert after.normalizer is before.normalizer  # a question is no title
    assert after.lexicons is before.lexicons
    assert after.persona is before.persona
    assert after.questions == before.questions + 1
    assert engine.ask("屋里头要添个小娃娃咋个登记").results[0].code == "HD-0101"


def test_a_new_titles_words_read_pinyin_at_once(engine: Engine, store: Store) -> None:
    """The titles' words help read pinyin sentences: a new title brings its words."""
    before = engine.snapshot
    assert "药师" not in engine.ask("zhiye yaoshi zhuce").normalized
    with store.session() as session:
        record = get_matter(session, "HD-0101").record
    edited = MatterRecord.model_validate({**record.to_dict(), "title": "执业药师首次注册"})
    with store.session() as session:
        upsert_matters(session, [edited])
    engine.refresh()
    after = engine.snapshot.normalizer
    assert after is not before.normalizer
    assert after.titles != before.normalizer.titles
    # only the pinyin reader was built again
    assert after.loaded.tokenizer is before.normalizer.loaded.tokenizer
    assert "药师" in engine.ask("zhiye yaoshi zhuce").normalized


def test_a_lexicon_change_rebuilds_normaliser_and_index(engine: Engine, store: Store) -> None:
    before = engine.snapshot
    add_entries(store, Bank.SYNONYMS, [SYNONYM], by="test")
    engine.refresh()
    after = engine.snapshot
    assert after.lexicons is not before.lexicons
    assert after.normalizer is not before.normalizer
    assert after.hall is before.hall
    assert "出生医学证明" in engine.ask("娃娃的出生纸").normalized


def test_the_refresher_swaps_within_seconds(
    engine: Engine, store: Store, refresher: Refresher
) -> None:
    info = engine.snapshot.hall.model_copy(update={"phone": "0755-88888888"})
    save_hall_info(store, info, by="test")
    _wait(lambda: engine.snapshot.hall.phone == "0755-88888888")
    assert refresher.swaps == 1


def test_a_failed_rebuild_keeps_the_old_snapshot(
    engine: Engine, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = engine.snapshot
    refresher = Refresher(engine, interval_s=0.05)
    save_persona(store, Persona.from_dict({"name": "小安"}), by="test")

    def broken(**_: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(engine, "refresh", broken)
    refresher.start()
    try:
        _wait(lambda: refresher.failures >= 1)
        assert engine.snapshot is before
        assert engine.ask("生育登记").results[0].code == "HD-0101"
        assert refresher.last_error == "RuntimeError: the database went away"
        monkeypatch.undo()
        _wait(lambda: engine.snapshot.persona.name == "小安", timeout_s=10)
    finally:
        refresher.close()


def test_swaps_under_concurrent_questions_never_mix_two_snapshots(
    engine: Engine, store: Store, refresher: Refresher
) -> None:
    """20 swaps, alternating a lexicon change and a catalogue change, while four threads ask
    and talk; every answer must be exactly what one whole snapshot gives."""
    seen: dict[int, Snapshot] = {engine.snapshot.revision: engine.snapshot}
    previous = refresher.on_swap
    refresher.on_swap = lambda snap: seen.__setitem__(snap.revision, snap)
    dialogue = Dialogue(engine, seed=1)
    questions = ["娃娃的出生纸", "屋里头要添个小娃娃咋个登记", "出生医学证明怎么办", "驾照丢了"]
    answers: list[Answer] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask(number: int) -> None:
        session: str | None = None
        while not stop.is_set():
            try:
                answers.append(engine.ask(questions[number % len(questions)]))
                turn = dialogue.turn(questions[number % len(questions)], session_id=session)
                session = turn.session_id
                number += 1
            except BaseException as exc:  # collected: the test fails on any
                errors.append(exc)
                return

    with ThreadPoolExecutor(4) as pool:
        for number in range(4):
            pool.submit(ask, number)
        question_id = None
        for swap in range(20):
            wanted = engine.snapshot.revision + 1
            if swap % 2 == 0:
                if swap % 4 == 0:
                    add_entries(store, Bank.SYNONYMS, [SYNONYM], by="test")
                else:
                    remove_entries(store, Bank.SYNONYMS, [SYNONYM], by="test")
            else:
                with store.session() as session:
                    if question_id is None:
                        question_id = add_question(
                            session, "HD-0101", "屋里头要添个小娃娃咋个登记", by="test"
                        ).id
                    else:
                        remove_question(session, "HD-0101", question_id, by="test")
                        question_id = None
            _wait(lambda wanted=wanted: engine.snapshot.revision >= wanted)  # type: ignore[misc]
        stop.set()
    refresher.on_swap = previous

    assert not errors, errors
    assert refresher.swaps == 20
    revisions = {answer.revision for answer in answers}
    assert len(revisions) >= 5, "the questions did not span the swaps"
    for answer in answers[:: max(1, len(answers) // 300)]:
        snap = seen[answer.revision]
        with engine.pinned(snap):
            again = engine.ask(answer.query)
        assert again.revision == answer.revision
        assert (again.normalized, [r.code for r in again.results]) == (
            answer.normalized,
            [r.code for r in answer.results],
        ), answer.query
    with store.session(commit=False) as session:
        assert get_matter(session, "HD-0101").record.code == "HD-0101"


def test_a_rebuild_gives_way_to_the_questions_being_answered(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresher rebuilds in a background block whose loops (the index's texts, the
    normaliser's words) call give_way; asking marks a question in flight."""
    from hall import background
    from hall.lexicons import normalizer as normalizer_module
    from hall.models import index as index_module

    calls: dict[str, list[bool]] = {"index": [], "normaliser": []}  # inside a background block?

    def spy(where: str) -> None:
        calls[where].append(getattr(background._local, "until", None) is not None)

    monkeypatch.setattr(index_module, "give_way", lambda: spy("index"))
    monkeypatch.setattr(normalizer_module, "give_way", lambda: spy("normaliser"))
    add_entries(engine.store, Bank.SYNONYMS, [SYNONYM], by="test")
    assert Refresher(engine, interval_s=0.05).check()
    assert len(calls["index"]) == len(engine.snapshot.matters)  # once a matter
    assert len(calls["normaliser"]) > 100  # once a dictionary word
    assert all(calls["index"] + calls["normaliser"])

    in_flight: list[int] = []
    real = engine._ask
    monkeypatch.setattr(
        engine, "_ask", lambda *a, **k: (in_flight.append(background._answering), real(*a, **k))[1]
    )
    assert engine.ask("出生医学证明").decision
    assert in_flight == [1]
