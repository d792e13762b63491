"""The pinyin index: letters to words, homophone typos, and the same choice in every process."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.lexicons.pinyin import (
    PinyinDecoder,
    PinyinIndex,
    TitleContext,
    char_pinyin,
    typed_breaks,
    word_pinyin,
)

VOCABULARY = ["公积金", "公基金", "公机金", "提取", "驾驶证", "驾使证", "身份证", "社保"]
WEIGHTS = {"公积金": 5.0, "驾驶证": 1.0, "驾使证": 1.0}


def index(words: list[str]) -> PinyinIndex:
    return PinyinIndex(words, weight=lambda w: WEIGHTS.get(w, 0.0))


@pytest.mark.parametrize(
    ("text", "rewritten", "changes"),
    [
        pytest.param("gongjijin", "公积金", [("gongjijin", "公积金")], id="heaviest-wins"),
        pytest.param("gongjijin tiqu", "公积金提取", [("gongjijin tiqu", "公积金提取")], id="two"),
        pytest.param("我要 shebao 卡", "我要 社保 卡", [("shebao", "社保")], id="inside-text"),
        pytest.param("usb", "usb", [], id="not-pinyin"),
        pytest.param("gongjijinx", "gongjijinx", [], id="not-all-letters-spell-words"),
    ],
)
def test_letters(text: str, rewritten: str, changes: list[tuple[str, str]]) -> None:
    assert index(VOCABULARY).letters(text) == (rewritten, changes)


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        pytest.param("公鸡金提取", "公积金提取", id="heaviest-one-away"),
        pytest.param("驾驶症", "驾驶证", id="one-away-though-not-first-of-the-sound"),
        pytest.param("驾史证", "驾使证", id="only-one-is-one-away"),
        pytest.param("假使正", "假使正", id="two-away-is-no-typo"),
        pytest.param("驾驶证", "驾驶证", id="a-word-stays"),
    ],
)
def test_homophones(text: str, rewritten: str) -> None:
    result, _ = index(VOCABULARY).homophones(text, is_word=lambda w: False)
    assert result == rewritten


@pytest.mark.parametrize(
    ("text", "words", "rewritten"),
    [
        # 津 -> 金 would make 生育金, but 津贴 is a word: no typo
        pytest.param("生育津贴", {"津贴"}, "生育津贴", id="word-across-the-right-edge"),
        pytest.param("生育津", set(), "生育金", id="alone-it-is-a-typo"),
        # the word must reach outside the window and hold the changed character
        pytest.param("生育津贴", set(), "生育金贴", id="no-such-word"),
        pytest.param("公鸡金提取", {"金提"}, "公积金提取", id="changed-char-not-in-it"),
    ],
)
def test_a_correction_never_breaks_a_word_beside_it(
    text: str, words: set[str], rewritten: str
) -> None:
    vocabulary = [*VOCABULARY, "生育金"]
    result, _ = index(vocabulary).homophones(text, is_word=lambda w: w in words)
    assert result == rewritten


def test_a_dictionary_word_is_no_typo() -> None:
    result, changes = index(VOCABULARY).homophones("公鸡金", is_word=lambda w: w == "公鸡金")
    assert (result, changes) == ("公鸡金", [])


@settings(max_examples=50, deadline=None)
@given(order=st.permutations(VOCABULARY))
def test_the_choice_does_not_depend_on_the_order_of_the_vocabulary(order: list[str]) -> None:
    """The engine hands in a set, whose order changes from process to process."""
    reference, shuffled = index(VOCABULARY), index(order)
    assert shuffled.words == reference.words
    assert shuffled.candidates == reference.candidates
    assert shuffled.homophones("驾驶症", is_word=lambda w: False) == reference.homophones(
        "驾驶症", is_word=lambda w: False
    )


def test_word_pinyin_is_toneless() -> None:
    assert word_pinyin("驾驶证") == word_pinyin("驾使证") == "jiashizheng"


@pytest.mark.parametrize(
    ("char", "reading"),
    [("驾", "jia"), ("证", "zheng"), ("兙", "兙"), ("龦", "龦"), ("", "")],
    ids=["jia", "zheng", "no-reading", "no-reading-2", "empty"],
)
def test_char_pinyin(char: str, reading: str) -> None:
    """A hanzi pypinyin cannot read stands for itself: it sounds like no vocabulary word."""
    assert char_pinyin(char) == reading


# -- sentences: the decoder --------------------------------------------------------------------

#: A small general dictionary (word -> frequency), as jieba's reads: 五保 is no word of it, so
#: the hall's vocabulary must bring it, and single characters are cheap.
GENERAL = {
    "退": 3000,
    "伍": 500,
    "退伍": 200,
    "报": 4000,
    "到": 90000,
    "报道": 3000,
    "看": 30000,
    "门": 5000,
    "们": 60000,
    "真": 20000,
    "诊": 200,
    "钥匙": 900,
    "药师": 150,
    "要是": 8000,
    "执业": 300,
}


def decoder(vocabulary: list[str], weights: dict[str, float] | None = None) -> PinyinDecoder:
    readings = {word_pinyin(word): (word, float(count)) for word, count in GENERAL.items()}
    chosen = weights or {}
    return PinyinDecoder(readings, vocabulary, total=1e6, weight=lambda word: chosen.get(word, 0.0))


@pytest.mark.parametrize(
    ("text", "vocabulary", "rewritten"),
    [
        # 五保 is the hall's word, but the citizen's space parts 退伍 from 报到
        pytest.param("tuiwu baodao", ["五保", "报到"], "退伍报到", id="a-space-parts-words"),
        pytest.param("tuiwubaodao", ["五保", "报到"], "退五保到", id="without-it-unigrams-rule"),
        # one syllable a chunk: the spaces part syllables, not words
        pytest.param("tui wu bao dao", ["五保", "报到"], "退五保到", id="spaced-syllables"),
        # a word of the hall may span whole chunks
        pytest.param("zhiye yaoshi", ["执业药师"], "执业药师", id="spans-whole-chunks"),
        pytest.param("kan menzhen", ["门诊"], "看门诊", id="the-halls-word-wins-its-sound"),
    ],
)
def test_sentences_keep_to_the_citizens_spaces(
    text: str, vocabulary: list[str], rewritten: str
) -> None:
    result, _ = PinyinIndex([], weight=lambda w: 0.0, decoder=decoder(vocabulary)).letters(text)
    assert result == rewritten


@pytest.mark.parametrize(
    ("weights", "word"),
    [
        pytest.param({"药师": 2.0, "钥匙": 1.0}, "药师", id="heavier-wins"),
        pytest.param({"药师": 1.0, "钥匙": 2.0}, "钥匙", id="heavier-wins-2"),
        pytest.param({}, "药师", id="tie-by-code-point"),  # 药 U+836F < 钥 U+94A5
    ],
)
def test_of_the_halls_words_of_one_sound_the_heaviest_wins(
    weights: dict[str, float], word: str
) -> None:
    for order in (["药师", "钥匙"], ["钥匙", "药师"]):
        assert decoder(order, weights).decode("yaoshi") == [word]


@pytest.mark.parametrize(
    ("chunks", "breaks"),
    [
        (["tuiwu", "baodao"], {5}),
        (["wo", "yao", "ban", "juzhuzheng"], {2, 5, 8}),
        (["ge", "ren", "suo", "de", "shui"], set()),
        (["gongjijin"], set()),
    ],
    ids=["words", "mixed", "syllables", "one-run"],
)
def test_typed_breaks(chunks: list[str], breaks: set[int]) -> None:
    assert typed_breaks(chunks) == breaks


# -- a lone syllable read beside the question's other words -----------------------------------

CONTEXT_TITLES = (
    "户口迁移",
    "户口迁出",
    "死亡人员户口注销",
    "医疗保险参保登记",
    "医疗保险关系转移",
)
SINGLES = {"qian": ("前", "钱", "迁"), "bao": ("保", "报", "包")}


def context() -> TitleContext:
    words = {
        "户口迁移": ["户口", "迁移"],
        "户口迁出": ["户口", "迁出"],
        "死亡人员户口注销": ["死亡", "人员", "户口", "注销"],
        "医疗保险参保登记": ["医疗保险", "参保", "登记"],
        "医疗保险关系转移": ["医疗保险", "关系", "转移"],
    }
    return TitleContext(CONTEXT_TITLES, words, SINGLES)


@pytest.mark.parametrize(
    ("char", "near", "picked"),
    [
        # two of the three titles holding 户口 hold 迁 beside it, none 前
        pytest.param("前", ["户口"], "迁", id="the-titles-character"),
        pytest.param("前", [], "前", id="no-context-no-change"),
        pytest.param("前", ["登记"], "前", id="no-title-holds-another"),
        # 保 is a character of 医疗保险 itself: it says nothing about the syllable beside it
        pytest.param("报", ["医疗保险"], "报", id="the-words-own-character-does-not-count"),
        pytest.param("钱", ["户口"], "迁", id="any-character-of-the-sound"),
    ],
)
def test_a_lone_syllable_is_read_beside_the_other_words(
    char: str, near: list[str], picked: str
) -> None:
    assert context().pick(char, near) == picked


def test_a_weak_lead_keeps_the_decoders_character() -> None:
    titles = [f"户口事项{i}" for i in range(9)] + ["户口迁移"]  # 迁 beside 户口 in 1 of 10
    found = TitleContext(titles, {t: ["户口"] for t in titles}, SINGLES)
    assert found.pick("前", ["户口"]) == "前"


def test_the_words_written_in_a_question() -> None:
    assert context().words_in("户口怎么前 then 医疗保险") == ["户口", "医疗保险"]


@pytest.mark.parametrize(
    ("text", "lone", "rewritten"),
    [
        # two characters the segmentation leaves alone read as the word they sound like
        pytest.param("怎么报消", {2, 3}, "怎么报销", id="both-alone"),
        # half of that pair belongs to a word (消费): no typo
        pytest.param("报消费", {0}, "报消费", id="one-in-a-word"),
        pytest.param("怎么报消", set(), "怎么报消", id="no-lone-characters"),
    ],
)
def test_a_two_character_typo_needs_lone_characters(
    text: str, lone: set[int], rewritten: str
) -> None:
    result, _ = index([*VOCABULARY, "报销"]).homophones(
        text, is_word=lambda w: False, lone=lambda chars: lone
    )
    assert result == rewritten
