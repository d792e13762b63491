"""A variant (变更, 注销, 延续, 补领, 换领, 查询; a matter for foreigners, civil servants, veterans
or the injured at work) the question does not ask for ranks below its plain sibling; asked for,
or with no plain sibling near the top, it ranks as its words score."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.models.variants import SHORTLIST, VARIANTS, VariantPreference, _best

TITLES = (
    "建筑工程施工许可证核发",  # 0: plain
    "建筑工程施工许可证变更",  # 1: change
    "建筑工程施工许可证延续",  # 2: renew
    "出生医学证明信息查询",  # 3: lookup
    "《出生医学证明》首次签发",  # 4: plain
    "燃气价格查询",  # 5: lookup, no plain sibling (燃气费缴纳 shares two characters)
    "燃气费缴纳",  # 6: plain
    "居民身份证补领",  # 7: reissue
    "居民身份证申领",  # 8: plain
)


CHANGE, RENEW, LOOKUP, REISSUE = ("change",), ("renew",), ("lookup",), ("reissue",)


@pytest.fixture(scope="module")
def preference() -> VariantPreference:
    return VariantPreference(TITLES, penalty=0.03)


@pytest.mark.parametrize(
    ("question", "lowered"),
    [
        # Every variant with a plain sibling, when the question asks for none ("办出生证" means
        # 首次签发, "施工许可证" 核发); 燃气价格查询 has no plain sibling (燃气费缴纳 shares two
        # characters), so it is never lowered.
        ("施工许可证", {1: CHANGE, 2: RENEW, 3: LOOKUP, 7: REISSUE}),
        ("办出生证", {1: CHANGE, 2: RENEW, 3: LOOKUP, 7: REISSUE}),
        ("燃气怎么收费", {1: CHANGE, 2: RENEW, 3: LOOKUP, 7: REISSUE}),
        # A cue of an action keeps that action's titles.
        ("施工许可证的内容要变更", {2: RENEW, 3: LOOKUP, 7: REISSUE}),
        ("施工许可证到期了", {1: CHANGE, 3: LOOKUP, 7: REISSUE}),
        ("查一下出生证明办好没有", {1: CHANGE, 2: RENEW, 7: REISSUE}),
        ("身份证丢了", {1: CHANGE, 2: RENEW, 3: LOOKUP}),
        ("shenfenzheng diu le\n身份证丢了", {1: CHANGE, 2: RENEW, 3: LOOKUP}),  # any reading
    ],
)
def test_which_variants_are_lowered(
    preference: VariantPreference, question: str, lowered: dict[int, tuple[str, ...]]
) -> None:
    scores = np.full(len(TITLES), 0.5, dtype=np.float32)
    adjusted, got = preference.adjust(scores, question)
    assert got == lowered
    assert 5 not in got  # 燃气价格查询 has no plain sibling: nothing to rank below
    expected = np.array([0.47 if i in lowered else 0.5 for i in range(len(TITLES))])
    assert adjusted == pytest.approx(expected)
    assert scores == pytest.approx(np.full(len(TITLES), 0.5))  # the input is not changed


def test_the_plain_sibling_overtakes_a_variant_that_led_by_less_than_the_penalty(
    preference: VariantPreference,
) -> None:
    scores = np.array([0.72, 0.74, 0.60, 0, 0, 0, 0, 0, 0], dtype=np.float32)
    adjusted, _ = preference.adjust(scores, "施工许可证")
    assert int(np.argmax(adjusted)) == 0
    far = np.array([0.60, 0.74, 0, 0, 0, 0, 0, 0, 0], dtype=np.float32)  # a clear lead stays
    assert int(np.argmax(preference.adjust(far, "施工许可证")[0])) == 1


def test_a_plain_sibling_beyond_the_shortlist_does_not_count() -> None:
    titles = ["建筑工程施工许可证核发", "建筑工程施工许可证变更"] + [
        f"无关事项{i:03d}" for i in range(SHORTLIST)
    ]
    preference = VariantPreference(titles)
    scores = np.array([0.1, 0.9] + [0.5] * SHORTLIST, dtype=np.float32)
    assert preference.adjust(scores, "施工许可证")[1] == {}
    scores[0] = 0.6  # now among the best
    assert preference.adjust(scores, "施工许可证")[1] == {1: ("change",)}


@pytest.mark.parametrize(
    "titles",
    [(), ("燃气费缴纳", "居民身份证申领"), TITLES],  # empty, no variant, turned off (below)
)
def test_nothing_is_adjusted_when_off_or_without_variants(titles: tuple[str, ...]) -> None:
    preference = VariantPreference(
        titles, penalty=0.0 if titles == TITLES else 0.03, audience_penalty=0.0
    )
    scores = np.linspace(0.1, 0.9, len(titles), dtype=np.float32)
    adjusted, lowered = preference.adjust(scores, "施工许可证")
    assert lowered == {}
    assert adjusted is scores
    assert not preference.active


def test_a_score_is_never_lowered_below_zero(preference: VariantPreference) -> None:
    scores = np.array([0.02, 0.01, 0, 0, 0, 0, 0, 0, 0], dtype=np.float32)
    adjusted, lowered = preference.adjust(scores, "施工许可证")
    assert 1 in lowered
    assert adjusted.min() >= 0.0


def test_every_action_has_title_words_and_cues_and_a_title_word_asks_for_itself() -> None:
    for words, cues in VARIANTS.values():
        assert words
        assert cues
        for word in words:  # a question that uses the title's own word asks for that variant
            assert any(cue in word for cue in cues), word


def test_why_names_the_title_words(preference: VariantPreference) -> None:
    assert preference.words("建筑工程施工许可证变更", ("change",)) == ["变更"]
    assert preference.words("居民身份证补领", ("reissue", "lookup")) == ["补领"]


@given(st.lists(st.sampled_from([0.0, 0.1, 0.5, 0.9]), max_size=3 * SHORTLIST))
def test_the_shortlist_is_the_best_of_the_stable_ranking(values: list[float]) -> None:
    """Ties at its end are taken in position order, as the index's stable sort takes them."""
    scores = np.array(values, dtype=np.float32)
    stable = np.argsort(-scores, kind="stable")[:SHORTLIST].tolist()
    assert sorted(_best(scores)) == sorted(stable)


def test_a_title_naming_an_asked_action_is_not_lowered_for_another() -> None:
    titles = ("建设工程规划许可证变更", "建设工程规划许可证变更、注销", "建设工程规划许可证核发")
    preference = VariantPreference(titles)
    scores = np.array([0.5, 0.5, 0.5], dtype=np.float32)
    assert preference.adjust(scores, "规划许可证注销")[1] == {0: ("change",)}
    assert preference.adjust(scores, "规划许可证")[1] == {0: ("change",), 1: ("change", "cancel")}


def test_a_plain_sibling_that_scored_nothing_does_not_count() -> None:
    preference = VariantPreference(("建筑工程施工许可证核发", "建筑工程施工许可证变更"))
    assert preference.adjust(np.array([0.0, 0.6], dtype=np.float32), "施工许可证")[1] == {}
    assert preference.adjust(np.array([0.1, 0.6], dtype=np.float32), "施工许可证")[1] == {
        1: ("change",)
    }


AUDIENCES = (
    "机动车驾驶证初次申领(大陆居民申领小型汽车准驾车型)",  # 0: plain
    "机动车驾驶证初次申领(外国人申领小型汽车准驾车型)",  # 1: foreign
    "机动车驾驶证初次申领(港澳台居民申请小型汽车准驾车型)",  # 2: foreign
    "企业职工基本养老保险关系转移接续申请",  # 3: plain
    "机关事业单位养老保险关系转移接续申请",  # 4: public
    "退役军人养老保险关系转移接续申请",  # 5: military
    "住院伙食补助费申领",  # 6: plain
    "工伤保险住院伙食补助费申领",  # 7: injury
)
FOREIGN, PUBLIC, MILITARY, INJURY = ("foreign",), ("public",), ("military",), ("injury",)


@pytest.mark.parametrize(
    ("question", "lowered"),
    [
        # a citizen who says nothing of it is no foreigner and no civil servant
        ("想考个小车驾照", {1: FOREIGN, 2: FOREIGN, 4: PUBLIC, 5: MILITARY, 7: INJURY}),
        ("养老保险关系怎么转", {1: FOREIGN, 2: FOREIGN, 4: PUBLIC, 5: MILITARY, 7: INJURY}),
        ("我是香港人，想在内地考驾照", {4: PUBLIC, 5: MILITARY, 7: INJURY}),
        ("老外能在这考驾照吗", {4: PUBLIC, 5: MILITARY, 7: INJURY}),
        ("我是事业编，养老保险关系怎么转", {1: FOREIGN, 2: FOREIGN, 5: MILITARY, 7: INJURY}),
        ("退伍了养老保险怎么转", {1: FOREIGN, 2: FOREIGN, 4: PUBLIC, 7: INJURY}),
        ("干活摔伤了住院的伙食补助", {1: FOREIGN, 2: FOREIGN, 4: PUBLIC, 5: MILITARY}),
    ],
)
def test_an_audience_not_named_ranks_below_the_general_matter(
    question: str, lowered: dict[int, tuple[str, ...]]
) -> None:
    scores = np.full(len(AUDIENCES), 0.5, dtype=np.float32)
    _, got = VariantPreference(AUDIENCES, penalty=0.03).adjust(scores, question)
    assert got == lowered


def test_an_audience_needs_no_sibling_but_an_action_does() -> None:
    """工伤异地居住（就医）备案 shares no run with 其他临时外出就医人员备案, yet a question
    that says nothing of an injury means the general one; 燃气价格查询 (an action) keeps its
    score."""
    titles = ("工伤异地居住（就医）备案", "其他临时外出就医人员备案", "燃气价格查询")
    scores = np.full(len(titles), 0.5, dtype=np.float32)
    _, got = VariantPreference(titles, penalty=0.03).adjust(scores, "去外地看病要备案吗")
    assert got == {0: INJURY}
    _, got = VariantPreference(titles, penalty=0.03).adjust(scores, "工伤了在外地看病")
    assert got == {}


def test_an_audience_loses_more_than_an_action() -> None:
    """A lead of 0.06 survives the action's 0.03 but not the audience's 0.09: who says nothing
    of a work injury is not asking the work-injury scheme."""
    titles = (
        "工伤异地居住（就医）备案",
        "异地长期居住人员备案",
        "建筑工程施工许可证核发",
        "建筑工程施工许可证变更",
    )
    preference = VariantPreference(titles, penalty=0.03, audience_penalty=0.09)
    scores = np.array([0.80, 0.74, 0.74, 0.80], dtype=np.float32)
    adjusted, got = preference.adjust(scores, "异地就医备案 施工许可证")
    assert got == {0: INJURY, 3: ("change",)}
    assert adjusted == pytest.approx([0.71, 0.74, 0.74, 0.77])
    assert preference.penalty_of(INJURY) == 0.09
    assert preference.penalty_of(("change",)) == 0.03


def test_each_penalty_turns_off_alone() -> None:
    titles = (
        "工伤保险住院伙食补助费申领",
        "住院伙食补助费申领",
        "施工许可证核发",
        "施工许可证变更",
    )
    scores = np.full(len(titles), 0.5, dtype=np.float32)
    actions_only = VariantPreference(titles, penalty=0.03, audience_penalty=0.0)
    assert actions_only.adjust(scores, "住院伙食补助 施工许可证")[1] == {3: ("change",)}
    audiences_only = VariantPreference(titles, penalty=0.0, audience_penalty=0.09)
    assert audiences_only.adjust(scores, "住院伙食补助 施工许可证")[1] == {0: INJURY}
    off = VariantPreference(titles, penalty=0.0, audience_penalty=0.0)
    assert not off.active
    assert off.adjust(scores, "住院伙食补助 施工许可证")[1] == {}
