"""The pinyin index: letters to words, homophone typos, and the same choice in every process."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.lexicons.pinyin import PinyinIndex, char_pinyin, word_pinyin

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
