"""Issue 13's acceptance on the demo catalogue, with the real encoder (marked slow)."""

from __future__ import annotations

import pytest

from hall.guide import Decision, Dialogue, Engine, Persona

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("gongzuo meile zenme ling shiye baoxianjin", "HD-0420"),
        ("shenfenzheng diu le zenme bu", "HD-0112"),
    ],
)
def test_pinyin_sentences_find_their_matter_first(
    demo_engine: Engine, query: str, code: str
) -> None:
    answer = demo_engine.ask(query)
    assert answer.decision is not Decision.NONE
    assert answer.results[0].code == code, answer.results
    assert any(why.startswith("pinyin: ") for why in answer.results[0].why)


@pytest.mark.parametrize(
    ("query", "needed", "at_least"),
    [
        ("孩子出生后要办哪些手续", {"HD-0103", "HD-0105", "HD-0417", "HD-0119"}, 3),
        ("家中长辈过世了要办哪些手续", {"HD-0109"}, 1),
        ("我准备开个小饭馆要办哪些证", {"HD-0709"}, 1),
    ],
)
def test_life_events(demo_engine: Engine, query: str, needed: set[str], at_least: int) -> None:
    event = demo_engine.ask(query).event
    assert event is not None
    assert len(set(event.codes) & needed) >= at_least
    assert len(event.codes) >= 2


def test_a_follow_up_never_names_a_matter_outside_the_options(demo_engine: Engine) -> None:
    dialogue = Dialogue(demo_engine, Persona.shipped(), seed=5)
    first = dialogue.turn("媳妇生了老二，想去给孩子办户口")
    offered = {s.message for s in first.reply.suggestions}
    if first.reply.matter is not None:
        offered.add(first.reply.matter["title"])
    follow = dialogue.turn("要带什么材料", session_id=first.session_id)
    if follow.reply.matter is not None:
        assert follow.reply.matter["title"] in offered, follow.reply.text
    else:
        assert {s.message for s in follow.reply.suggestions} <= offered


@pytest.mark.parametrize(
    ("query", "plain", "variant"),
    [
        ("办身份证", "HD-0110", "HD-0112"),  # 首次申领, not 补领
        ("身份证在哪办", "HD-0110", "HD-0112"),
    ],
)
def test_a_plain_request_ranks_the_plain_matter_over_its_unasked_variants(
    demo_engine: Engine, query: str, plain: str, variant: str
) -> None:
    ranked = [c.code for c in demo_engine.ask(query).candidates]
    assert ranked.index(plain) < ranked.index(variant), ranked
    lowered = next(c for c in demo_engine.ask(query).candidates if c.code == variant)
    assert "variant -0.03 ← title: 居民身份证补领 (补领, not asked)" in lowered.why
    # Without the preference the variant's words score higher: the preference is what orders.
    off = demo_engine.settings.model_copy(update={"variant_penalty": 0.0})
    ranked = [c.code for c in Engine(demo_engine.store, off).load().ask(query).candidates]
    assert ranked.index(variant) < ranked.index(plain), ranked
