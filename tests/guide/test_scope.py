"""The out-of-scope examples at decision time (the bank ``out_of_scope``), with the hashing
encoder: in the snapshot, editable at run time, encoded once; the real encoder's boundary is
pinned in ``test_scope_demo.py``."""

from __future__ import annotations

import pytest

from hall.guide import Decision, Engine, Reason
from hall.importers import load_demo
from hall.lexicons import Bank, Entry, add_entries, remove_entries, shipped_entries
from hall.models import HashingEncoder
from hall.settings import Settings
from hall.store import Store

#: Clarified today on words alone (驾照, 考试); no approval matter answers it.
TAUGHT = "驾照考试驾校哪家便宜"


@pytest.fixture
def engine(store: Store, settings: Settings) -> Engine:
    load_demo(store, settings=settings)
    return Engine(store, settings, encoder=HashingEncoder()).load()


def test_the_shipped_examples_are_in_the_snapshot(engine: Engine) -> None:
    examples = engine.snapshot.scope.examples
    assert len(examples) >= 250
    assert set(examples) == {e.term for e in shipped_entries(Bank.OUT_OF_SCOPE)}


def test_an_example_added_at_run_time_declines_its_question(engine: Engine, store: Store) -> None:
    before = engine.ask(TAUGHT)
    assert before.decision is Decision.CLARIFY
    old = engine.snapshot
    add_entries(store, Bank.OUT_OF_SCOPE, [Entry(TAUGHT)], by="admin")
    engine.refresh()
    after = engine.ask(TAUGHT)
    assert (after.decision, after.reason, after.results) == (Decision.NONE, Reason.OUT_OF_SCOPE, [])
    assert after.scope is not None
    assert after.scope.example == TAUGHT
    assert after.reply  # declined in the persona's words
    assert TAUGHT not in old.scope.examples  # the old snapshot is left as it was
    with engine.pinned(old):
        assert engine.ask(TAUGHT).decision is Decision.CLARIFY

    remove_entries(store, Bank.OUT_OF_SCOPE, [Entry(TAUGHT)], by="admin")
    engine.refresh()
    assert engine.ask(TAUGHT).decision is Decision.CLARIFY


def test_the_examples_weigh_nothing_at_weight_zero(store: Store, settings: Settings) -> None:
    load_demo(store, settings=settings)
    add_entries(store, Bank.OUT_OF_SCOPE, [Entry(TAUGHT)], by="admin")
    ignoring = Engine(store, settings.model_copy(update={"out_of_scope_weight": 0.0})).load()
    assert ignoring.ask(TAUGHT).decision is Decision.CLARIFY


def test_a_rebuild_encodes_only_new_examples(engine: Engine, store: Store) -> None:
    encoder = engine.encoder
    assert isinstance(encoder, HashingEncoder)
    scope = engine.snapshot.scope
    assert add_entries(store, Bank.STOPWORDS, [Entry("某某某")], by="admin") == 1  # another bank
    engine.refresh()
    assert engine.snapshot.scope is not scope  # a new normaliser: examples read again ...
    assert engine.snapshot.scope.examples == scope.examples
    encoded = encoder.encoded
    add_entries(store, Bank.OUT_OF_SCOPE, [Entry("洗碗机哪个牌子好")], by="admin")
    engine.refresh()
    # ... but only the new example and no matter text is encoded again
    assert encoder.encoded == encoded + 1


def test_a_second_engine_reads_the_persisted_example_vectors(
    engine: Engine, store: Store, settings: Settings
) -> None:
    assert len(list(settings.index_dir.glob("scope-*.npz"))) == 1
    encoder = HashingEncoder()
    Engine(store, settings, encoder=encoder).load()
    assert encoder.encoded == 0


def test_a_life_event_named_out_of_scope_still_offers_its_matters(
    engine: Engine, store: Store
) -> None:
    """ "买房" names the event of buying a home: a citizen asking around it is not turned away."""
    question = "公积金贷款买房划算吗"
    add_entries(store, Bank.OUT_OF_SCOPE, [Entry(question)], by="admin")
    engine.refresh()
    answer = engine.ask(question)
    assert (answer.decision, answer.reason) == (Decision.CLARIFY, Reason.EVENT)
    assert answer.event is not None


def test_teaching_an_example_keeps_the_normaliser(engine: Engine, store: Store) -> None:
    """The normaliser reads no out-of-scope example: a taught one costs its own encoding only."""
    normalizer = engine.snapshot.normalizer
    add_entries(store, Bank.OUT_OF_SCOPE, [Entry(TAUGHT)], by="admin")
    report = engine.refresh()
    assert engine.snapshot.normalizer is normalizer
    assert report.encoded == 0  # no matter text again


@pytest.mark.parametrize(
    ("question", "named"),
    [("良民证去哪开", 1), ("信用卡去哪开", 0), ("新房子要通自来水找谁", 2)],  # 商品房, 用水报装
)
def test_the_scope_counts_the_subjects_named(engine: Engine, question: str, named: int) -> None:
    scope = engine.ask(question).scope
    assert scope is not None
    assert scope.named == named


def test_naming_a_subject_lifts_a_question_over_the_gate(store: Store, settings: Settings) -> None:
    """The gate set half a point above the question's closeness: declined unless naming a
    subject (无犯罪记录证明) weighs as much."""
    load_demo(store, settings=settings)
    question = "良民证去哪开"
    seen = Engine(store, settings, encoder=HashingEncoder()).load().ask(question)
    assert seen.scope is not None
    closeness = (
        seen.scope.closeness(settings.out_of_scope_weight)
        + settings.in_scope_fit_weight * seen.candidates[0].score
    )
    gate = {"min_in_scope": closeness + 0.5}
    for weight, declined in [(0.0, True), (0.4, True), (0.6, False), (1.0, False)]:
        tuned = settings.model_copy(update={**gate, "in_scope_named_weight": weight})
        decision = Engine(store, tuned, encoder=HashingEncoder()).load().ask(question).decision
        assert (weight, decision is Decision.NONE) == (weight, declined)


def test_the_subjects_follow_the_request_cues(engine: Engine, store: Store) -> None:
    """An admin who makes a word a request cue makes it a step, not a subject, at once."""
    question = "良民证去哪开"  # 无犯罪记录证明
    before = engine.ask(question).scope
    add_entries(store, Bank.REQUEST_CUES, [Entry("action", "良民证")], by="admin")
    engine.refresh()
    after = engine.ask(question).scope
    assert before is not None
    assert after is not None
    assert (before.named, after.named) == (1, 0)
