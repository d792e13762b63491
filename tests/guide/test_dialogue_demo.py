"""The acceptance conversation on the demo catalogue, with the real encoder (marked slow).

One conversation, turn by turn: each row is the citizen's message and what the guide must do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from hall.guide import Dialogue, Element, Engine, Persona, State, Turn
from hall.store import Store, get_matter

pytestmark = pytest.mark.slow

BIRTH = {"HD-0101", "HD-0102"}


@dataclass(frozen=True)
class Step:
    message: str
    decision: str
    state: State
    check: Callable[[Turn, Store], None] = lambda turn, store: None


def matter_is(codes: set[str]) -> Callable[[Turn, Store], None]:
    def check(turn: Turn, store: Store) -> None:
        assert turn.reply.matter is not None
        assert turn.reply.matter["code"] in codes, turn.reply.matter

    return check


def shows(element: Element, field: str) -> Callable[[Turn, Store], None]:
    """The reply is that element of the matter in context, and quotes the matter's own data."""

    def check(turn: Turn, store: Store) -> None:
        assert turn.reply.element is element
        assert turn.reply.matter is not None
        assert turn.reply.matter["code"] in BIRTH
        with store.session(commit=False) as session:
            record = get_matter(session, turn.reply.matter["code"]).record
        value = getattr(record, field)
        first = value[0] if isinstance(value, tuple) else value
        assert first
        assert first in turn.reply.text

    return check


def never_echoes(word: str) -> Callable[[Turn, Store], None]:
    def check(turn: Turn, store: Store) -> None:
        assert word not in turn.reply.text
        assert turn.reply.suggestions == []

    return check


def has_suggestions(turn: Turn, store: Store) -> None:
    assert turn.reply.suggestions


def clarifies(turn: Turn, store: Store) -> None:
    buttons = turn.reply.suggestions
    assert 2 <= len(buttons) <= 5
    assert all(b.message for b in buttons)


def picks_second(options: list[str]) -> Callable[[Turn, Store], None]:
    def check(turn: Turn, store: Store) -> None:
        assert turn.reply.matter is not None
        assert turn.reply.matter["title"] == options[1]

    return check


@pytest.fixture(scope="module")
def dialogue(demo_engine: Engine) -> Dialogue:
    return Dialogue(demo_engine, Persona.shipped(), seed=1)


def test_the_acceptance_conversation(dialogue: Dialogue) -> None:
    store = dialogue.engine.store
    steps = [
        Step("你好", "welcome", State.WELCOME, has_suggestions),
        Step("我想生二胎要办什么", "answer", State.ANSWERING, matter_is(BIRTH)),
        Step("要带什么材料", "element", State.ANSWERING, shows(Element.MATERIALS, "materials")),
        Step("在哪办", "element", State.ANSWERING, shows(Element.LOCATION, "location")),
        Step("要钱吗", "element", State.ANSWERING, shows(Element.FEE, "fee")),
        Step("你真笨", "none", State.APOLOGISING, never_echoes("笨")),
        Step("今天天气怎么样", "none", State.APOLOGISING, has_suggestions),
        Step("驾驶证", "clarify", State.CLARIFYING, clarifies),
    ]
    session_id = None
    last: Turn | None = None
    for number, step in enumerate(steps, start=1):
        turn = dialogue.turn(step.message, session_id=session_id)
        session_id = turn.session_id
        reply = turn.reply
        where = f"turn {number} {step.message!r}: {reply.decision} {reply.text[:80]}"
        assert turn.turn == number, where
        assert reply.decision == step.decision, where
        assert reply.look.state is step.state, where
        step.check(turn, store)
        last = turn
    assert last is not None
    options = [s.message for s in last.reply.suggestions]
    second = dialogue.turn("第二个", session_id=session_id)
    assert second.reply.decision == "answer"
    picks_second(options)(second, store)


@pytest.mark.parametrize(
    ("first", "then", "element", "code"),
    [
        ("驾照丢了", "要带什么", Element.MATERIALS, "HD-0402"),
        ("gongjijin怎么取", "多久能办好", Element.TIME_LIMIT, "HD-0701"),
        ("身分证过期了", "几点上班", Element.LOCATION, "HD-0111"),
        ("结婚登记", "收费吗", Element.FEE, "HD-0704"),
        ("低保怎么申请", "网上能办吗", Element.ONLINE, "HD-0714"),
        ("准生证", "依据是什么", Element.LEGAL_BASIS, None),
    ],
)
def test_follow_ups_stay_on_the_matter(
    dialogue: Dialogue, first: str, then: str, element: Element, code: str | None
) -> None:
    opened = dialogue.turn(first)
    assert opened.reply.matter is not None, opened.reply.text
    expected = code or opened.reply.matter["code"]
    assert opened.reply.matter["code"] == expected
    follow = dialogue.turn(then, session_id=opened.session_id)
    assert follow.reply.element is element, follow.reply.text
    assert follow.reply.matter is not None
    assert follow.reply.matter["code"] == expected


def test_a_new_matter_changes_the_context(dialogue: Dialogue) -> None:
    opened = dialogue.turn("生育登记")
    switched = dialogue.turn("办护照要带什么", session_id=opened.session_id)
    assert switched.reply.matter is not None
    assert switched.reply.matter["code"] == "HD-0407"
    assert switched.reply.element is Element.MATERIALS
    where = dialogue.turn("在哪办", session_id=opened.session_id)
    assert where.reply.matter is not None
    assert where.reply.matter["code"] == "HD-0407"


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        ("结婚登记", "离婚要带什么", "HD-0705"),  # was 结婚登记's materials
        ("驾照快到期了", "护照要多少钱", "HD-0407"),
    ],
)
def test_a_follow_up_naming_another_matter_leaves_the_context(
    dialogue: Dialogue, first: str, then: str, code: str
) -> None:
    opened = dialogue.turn(first)
    assert opened.reply.matter is not None
    follow = dialogue.turn(then, session_id=opened.session_id)
    offered = [s.message for s in follow.reply.suggestions]
    if follow.reply.matter is not None:
        assert follow.reply.matter["code"] == code, follow.reply.text
    else:  # asked which: the named matter among the options
        assert dialogue.engine.index is not None
        assert dialogue.engine.index.title(code) in offered, follow.reply.text
