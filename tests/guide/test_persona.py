"""The persona: shipped complete, filled without ever raising, validated field by field, stored."""

from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import replace
from typing import Any

import pytest

from hall.guide.errors import PersonaInvalid
from hall.guide.persona import (
    EXPRESSIONS,
    FILLS,
    GESTURES,
    IDENTIFIER,
    LINES,
    PERSONA_KEY,
    Persona,
    State,
    load_persona,
    save_persona,
)
from hall.store import Store, put_hall_setting

SHIPPED = Persona.shipped()
FILL = {"phone": "12345", "hours": "周一至周五", "matter": "生育登记", "element": "收费标准"}


def saying(template: str) -> Persona:
    """The shipped persona saying only ``template``, in every state and line."""
    return replace(
        SHIPPED,
        phrasings={state: (template,) for state in State},
        lines={line: (template,) for line in LINES},
    )


def merged(**changes: dict[str, Any]) -> dict[str, Any]:
    """The shipped persona's JSON with some sections updated key by key."""
    data = SHIPPED.to_dict()
    for section, update in changes.items():
        data[section].update(update)
    return data


# --- shipped -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(State))
def test_every_state_has_a_look_and_phrasings(state: State) -> None:
    look = SHIPPED.look(state)
    assert look.state is state
    assert look.expression in EXPRESSIONS
    assert look.gesture in GESTURES
    assert look.as_dict() == {
        "state": state.value,
        "expression": look.expression,
        "gesture": look.gesture,
    }
    assert 3 <= len(SHIPPED.phrasings[state]) <= 5


@pytest.mark.parametrize("line", LINES)
def test_every_line_is_shipped(line: str) -> None:
    assert SHIPPED.lines[line]


def test_the_vocabulary_is_identifiers() -> None:
    assert all(IDENTIFIER.match(word) for word in EXPRESSIONS + GESTURES)


def test_every_shipped_template_fills_completely() -> None:
    for key, templates in [*SHIPPED.phrasings.items(), *SHIPPED.lines.items()]:
        for template in templates:
            said = saying(template).phrase(State.IDLE, random.Random(0), **FILL)
            assert not re.search(r"[{}]", said), (key, template)


def test_shipped_is_read_once_and_read_only() -> None:
    assert Persona.shipped() is SHIPPED
    with pytest.raises(TypeError):
        SHIPPED.looks[State.IDLE] = ("smile", "wave")  # type: ignore[index]


def test_to_dict_round_trips_through_json() -> None:
    assert Persona.from_dict(json.loads(json.dumps(SHIPPED.to_dict()))) == SHIPPED


# --- filling -------------------------------------------------------------------------------

# (template, fill) -> what the guide says
PHRASES = [
    pytest.param("您好，我是导办员{name}。", {}, "您好，我是导办员小政。", id="name-default"),
    pytest.param("我是{name}", {"name": "小李"}, "我是小李", id="name-override"),
    pytest.param("请拨打{phone}（{hours}）", FILL, "请拨打12345（周一至周五）", id="phone-hours"),
    pytest.param("为您找到「{matter}」：", FILL, "为您找到「生育登记」：", id="matter"),
    pytest.param("{name}{phone}{name}", FILL, "小政12345小政", id="repeated"),
    pytest.param("请拨打{phone}", {}, "请拨打{phone}", id="not-given-left"),
    pytest.param("{", FILL, "{", id="lone-open"),
    pytest.param("}", FILL, "}", id="lone-close"),
    pytest.param("{}", FILL, "{}", id="empty-braces"),
    pytest.param("{0}", FILL, "{0}", id="positional"),
    pytest.param("{unknown}", FILL, "{unknown}", id="unknown"),
    pytest.param("{unknown}{name}", FILL, "{unknown}小政", id="unknown-and-known"),
    pytest.param("{{name}}", FILL, "{小政}", id="double-braces"),
    pytest.param("{name", FILL, "{name", id="unclosed"),
    pytest.param("{name!r} {name:>9} %s", FILL, "{name!r} {name:>9} %s", id="format-specs"),
    pytest.param("", FILL, "", id="empty"),
]


@pytest.mark.parametrize(("template", "fill", "said"), PHRASES)
def test_phrase_fills_what_it_knows_and_never_raises(
    template: str, fill: dict[str, str], said: str
) -> None:
    persona = saying(template)
    assert persona.phrase(State.WELCOME, random.Random(0), **fill) == said
    assert persona.phrase_line("handoff", random.Random(0), **fill) == said


def test_phrase_picks_every_phrasing_in_turn() -> None:
    rng = random.Random(7)
    templates = SHIPPED.phrasings[State.ANSWERING]
    expected = {t.replace("{matter}", "生育登记") for t in templates}
    said = {SHIPPED.phrase(State.ANSWERING, rng, matter="生育登记") for _ in range(200)}
    assert said == expected


def test_the_same_seed_says_the_same() -> None:
    first = [SHIPPED.phrase(State.WELCOME, random.Random(3)) for _ in range(3)]
    assert len(set(first)) == 1


def test_a_state_without_phrasings_says_nothing() -> None:
    persona = replace(SHIPPED, phrasings={})
    assert persona.phrase(State.WELCOME, random.Random(0)) == ""


def test_an_unknown_line_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="handoff"):
        SHIPPED.phrase_line("handof", random.Random(0))


# --- validation ----------------------------------------------------------------------------

# input -> the start of the message, which names the field
BAD = [
    pytest.param([], "persona: expected an object, got list", id="not-an-object"),
    pytest.param({"nickname": "x"}, "persona: unknown field 'nickname'", id="unknown-field"),
    pytest.param({"name": ""}, "name: empty", id="empty-name"),
    pytest.param({"name": "  "}, "name: empty", id="blank-name"),
    pytest.param({"name": 5}, "name: expected text, got int", id="name-not-text"),
    pytest.param({"name": "长" * 17}, "name: 17 characters, at most 16", id="name-too-long"),
    pytest.param({"looks": []}, "looks: expected an object, got list", id="looks-not-object"),
    pytest.param(
        {"looks": {"dancing": {"expression": "happy"}}},
        "looks: unknown state 'dancing'; valid: idle, welcome",
        id="unknown-state-look",
    ),
    pytest.param(
        {"looks": {"welcome": "smile"}},
        "looks.welcome: expected an object, got str",
        id="look-not-object",
    ),
    pytest.param(
        {"looks": {"welcome": {"colour": "red"}}},
        "looks.welcome: unknown field 'colour'",
        id="unknown-look-part",
    ),
    pytest.param(
        {"looks": {"welcome": {"expression": "Big Smile"}}},
        "looks.welcome.expression: 'Big Smile' does not match",
        id="expression-not-identifier",
    ),
    pytest.param(
        {"looks": {"welcome": {"gesture": "a" * 33}}},
        "looks.welcome.gesture: 'aaa",
        id="gesture-too-long",
    ),
    pytest.param(
        {"looks": {"welcome": {"gesture": 3}}},
        "looks.welcome.gesture: expected text, got int",
        id="gesture-not-text",
    ),
    pytest.param(
        {"phrasings": None}, "phrasings: expected an object, got NoneType", id="phrasings-null"
    ),
    pytest.param(
        {"phrasings": {"greeting": ["您好"]}},
        "phrasings: unknown state 'greeting'",
        id="unknown-state-phrasing",
    ),
    pytest.param(
        {"phrasings": {"welcome": "您好"}},
        "phrasings.welcome: expected a list of text, got str",
        id="phrasings-not-list",
    ),
    pytest.param(
        {"phrasings": {"welcome": []}},
        "phrasings.welcome: needs at least one phrasing",
        id="no-phrasings",
    ),
    pytest.param(
        {"phrasings": {"welcome": ["x"] * 21}},
        "phrasings.welcome: 21 phrasings, at most 20",
        id="too-many-phrasings",
    ),
    pytest.param(
        {"phrasings": {"welcome": ["您好", 7]}},
        "phrasings.welcome[1]: expected text, got int",
        id="phrasing-not-text",
    ),
    pytest.param(
        {"phrasings": {"welcome": ["您好", " "]}}, "phrasings.welcome[1]: empty", id="blank"
    ),
    pytest.param(
        {"phrasings": {"welcome": ["长" * 201]}},
        "phrasings.welcome[0]: 201 characters, at most 200",
        id="phrasing-too-long",
    ),
    pytest.param(
        {"phrasings": {"welcome": ["我是{nam}"]}},
        "phrasings.welcome[0]: unknown placeholder {nam}; may use {address}, {hall}, {hours}, "
        "{name}, {phone}, {transport}",
        id="placeholder-typo",
    ),
    pytest.param(
        {"phrasings": {"welcome": ["为您找到「{matter}」"]}},
        "phrasings.welcome[0]: unknown placeholder {matter}",
        id="placeholder-of-another-state",
    ),
    pytest.param(
        {"lines": {"handof": ["请拨打{phone}"]}},
        "lines: unknown line 'handof'; valid: handoff",
        id="unknown-line",
    ),
    pytest.param(
        {"lines": {"handoff": ["请拨打{0}"]}},
        "lines.handoff[0]: unknown placeholder {0}",
        id="positional-placeholder",
    ),
    pytest.param(
        {"lines": {"handoff": None}},
        "lines.handoff: expected a list of text, got NoneType",
        id="line-null",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_from_dict_refuses_naming_the_field(data: Any, message: str) -> None:
    with pytest.raises(PersonaInvalid, match="^" + re.escape(message)):
        Persona.from_dict(data)


# partial input -> the shipped persona's JSON with these changes
PARTIAL = [
    pytest.param({}, {}, id="nothing"),
    pytest.param({"name": " 小李 "}, {"name": "小李"}, id="name-stripped"),
    pytest.param(
        {"looks": {"welcome": {"gesture": "bow"}}},
        merged(looks={"welcome": {"expression": "smile", "gesture": "bow"}}),
        id="half-a-look",
    ),
    pytest.param(
        {"looks": {"idle": {"expression": "star-eyes_2", "gesture": "yawn"}}},
        merged(looks={"idle": {"expression": "star-eyes_2", "gesture": "yawn"}}),
        id="new-art",
    ),
    pytest.param(
        {"phrasings": {"welcome": ["您好，{name}为您服务。"]}},
        merged(phrasings={"welcome": ["您好，{name}为您服务。"]}),
        id="one-state",
    ),
    pytest.param(
        {"lines": {"element_missing": ["「{matter}」暂无{element}信息。"]}},
        merged(lines={"element_missing": ["「{matter}」暂无{element}信息。"]}),
        id="one-line",
    ),
]


@pytest.mark.parametrize(("data", "changes"), PARTIAL)
def test_from_dict_merges_partial_input_over_shipped(
    data: dict[str, Any], changes: dict[str, Any]
) -> None:
    assert Persona.from_dict(data).to_dict() == {**SHIPPED.to_dict(), **changes}


def test_from_dict_merges_over_the_base_given() -> None:
    base = Persona.from_dict({"name": "小李", "phrasings": {"idle": ["在呢"]}})
    persona = Persona.from_dict({"phrasings": {"goodbye": ["再见"]}}, base=base)
    assert persona.name == "小李"
    assert persona.phrasings[State.IDLE] == ("在呢",)
    assert persona.phrasings[State.GOODBYE] == ("再见",)


def test_fills_cover_every_state_and_line() -> None:
    assert set(FILLS) == {s.value for s in State} | set(LINES)


# --- the store -----------------------------------------------------------------------------


def test_an_empty_store_gives_the_shipped_persona(store: Store) -> None:
    assert load_persona(store) == SHIPPED
    assert load_persona(store, name="小李") == replace(SHIPPED, name="小李")


def test_save_and_load_round_trip(store: Store) -> None:
    persona = Persona.from_dict({"name": "小王", "phrasings": {"welcome": ["您好，我是{name}。"]}})
    save_persona(store, persona, by="admin")
    assert load_persona(store) == persona
    assert load_persona(store, name="小李").name == "小王"  # the stored name wins
    save_persona(store, SHIPPED, by="admin")
    assert load_persona(store) == SHIPPED


def test_a_partial_stored_value_is_merged(store: Store) -> None:
    with store.session() as session:
        put_hall_setting(session, PERSONA_KEY, {"looks": {"idle": {"gesture": "nod"}}})
    persona = load_persona(store, name="小李")
    assert persona.name == "小李"
    assert persona.look(State.IDLE).gesture == "nod"
    assert persona.phrasings == SHIPPED.phrasings


def test_an_invalid_persona_is_not_saved(store: Store) -> None:
    broken = replace(SHIPPED, phrasings={**SHIPPED.phrasings, State.IDLE: ("{oops}",)})
    with pytest.raises(PersonaInvalid, match=re.escape("phrasings.idle[0]")):
        save_persona(store, broken, by="admin")
    assert load_persona(store) == SHIPPED


CORRUPT = [
    pytest.param("garbage", "persona: expected an object", id="text"),
    pytest.param([1, 2], "persona: expected an object", id="list"),
    pytest.param({"name": ""}, "name: empty", id="empty-name"),
    pytest.param({"looks": {"dancing": {}}}, "looks: unknown state 'dancing'", id="unknown-state"),
    pytest.param({"lines": {"handoff": [None]}}, "lines.handoff[0]", id="null-line"),
]


@pytest.mark.parametrize(("value", "message"), CORRUPT)
def test_a_corrupt_stored_value_falls_back_with_a_warning(
    store: Store, caplog: pytest.LogCaptureFixture, value: Any, message: str
) -> None:
    with store.session() as session:
        put_hall_setting(session, PERSONA_KEY, value)
    with caplog.at_level(logging.WARNING, logger="hall.guide.persona"):
        persona = load_persona(store, name="小李")
    assert persona == replace(SHIPPED, name="小李")
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert message in caplog.records[0].getMessage()
