"""Blocked words: the automaton against a brute-force reference, and the normaliser's masking."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall.lexicons import LexiconSet, Match, Normalizer, PhraseMatcher


def reference(
    text: str, words: list[str], accept: Callable[[int, int], bool] = lambda s, e: True
) -> list[tuple[int, int]]:
    """Leftmost-longest, non-overlapping, by brute force: at each position the longest word."""
    found = []
    i = 0
    while i < len(text):
        ends = [i + len(w) for w in words if w and text.startswith(w, i) and accept(i, i + len(w))]
        if ends:
            found.append((i, max(ends)))
            i = max(ends)
        else:
            i += 1
    return found


def spans(matches: list[Match]) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in matches]


_ALPHABET = "ab傻逼"
_WORDS = st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=6)
_TEXT = st.text(alphabet=_ALPHABET, max_size=30)


@settings(max_examples=600, deadline=None)
@given(words=_WORDS, text=_TEXT)
def test_matcher_equals_the_brute_force_reference(words: list[str], text: str) -> None:
    labels = {w: f"label-{i}" for i, w in enumerate(dict.fromkeys(words))}
    found = PhraseMatcher(labels.items()).find(text)
    assert spans(found) == reference(text, words)
    for match in found:
        assert text[match.start : match.end] == match.phrase
        assert match.label == labels[match.phrase]


@settings(max_examples=300, deadline=None)
@given(words=_WORDS, text=_TEXT, banned=st.sets(st.integers(0, 30)))
def test_accept_filters_before_choosing(words: list[str], text: str, banned: set[int]) -> None:
    """A rejected occurrence gives way to the next-longest one and to those it overlaps."""
    matcher = PhraseMatcher((w, "") for w in words)
    found = matcher.find(text, accept=lambda m: m.start not in banned)
    assert spans(found) == reference(text, words, lambda s, e: s not in banned)


@pytest.mark.parametrize(
    ("words", "text", "expected"),
    [
        # pyahocorasick's iter_long misses these (its issues #133, #185, #189)
        pytest.param(["b", "c", "abd"], "abc", [(1, 2), (2, 3)], id="issue-133"),
        pytest.param(["知识产权", "国家知识产权局"], "国家知识产权", [(2, 6)], id="issue-133-cjk"),
        pytest.param(["傻逼", "大傻逼玩意"], "你这大傻逼", [(3, 5)], id="blocked-at-the-end"),
        pytest.param(["ab", "abcabd"], "zzabcabdzz", [(2, 8)], id="issue-185"),
        pytest.param(["fuck", "fucking"], "fuckin", [(0, 4)], id="prefix-of-a-longer-word"),
        pytest.param(["he", "hers", "she"], "ushers", [(1, 4)], id="leftmost-first"),
        pytest.param(["aa"], "aaaaa", [(0, 2), (2, 4)], id="non-overlapping"),
        pytest.param([], "abc", [], id="no-words"),
        pytest.param(["", "b"], "abc", [(1, 2)], id="empty-word-ignored"),
        pytest.param(["a"], "", [], id="empty-text"),
        pytest.param(["SB"], "sb SB", [(3, 5)], id="case-as-given"),
    ],
)
def test_matcher_table(words: list[str], text: str, expected: list[tuple[int, int]]) -> None:
    matcher = PhraseMatcher((w, "x") for w in words)
    assert spans(matcher.find(text)) == expected
    assert len(matcher) == len({w for w in words if w})


# -- the normaliser's blocked words (shipped lexicons) ---------------------------------------

FIND = [
    ("傻逼", [("傻逼", "insult")], "plain"),
    ("傻 b", [("傻 b", "insult")], "through-a-space"),
    ("傻.逼！", [("傻.逼", "insult")], "through-punctuation"),
    ("傻_逼", [("傻_逼", "insult")], "through-underscore"),
    ("你是SB吗", [("sb", "insult")], "ascii-case"),
    ("ｓｂ", [("sb", "insult")], "full-width"),
    ("u sb", [("sb", "insult")], "ascii-after-a-space"),
    ("你sb", [("sb", "insult")], "ascii-after-hanzi"),
    ("sb2", [("sb", "insult")], "ascii-before-a-digit"),
    ("s-b", [("s-b", "insult")], "ascii-through-punctuation"),
    ("wcnm", [("wcnm", "profanity")], "longest"),
    ("what the fucking hell", [("fucking", "profanity")], "longest-ascii"),
    ("傻逼 fuck", [("傻逼", "insult"), ("fuck", "profanity")], "two"),
    ("我的usb坏了", [], "usb-is-no-insult"),
    ("USB接口", [], "usb-upper-case"),
    ("sbx", [], "ascii-before-a-letter"),
    ("fuckin", [], "ascii-inside-a-longer-word"),
    ("身份证过期了", [], "clean"),
    ("", [], "empty"),
]


@pytest.mark.parametrize(("text", "expected"), [f[:2] for f in FIND], ids=[f[2] for f in FIND])
def test_find_blocked(text: str, expected: list[tuple[str, str]], normalizer: Normalizer) -> None:
    assert [(m.phrase, m.label) for m in normalizer.find_blocked(text)] == expected


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param("傻 b 你", "* * 你", id="spaces-kept"),
        pytest.param("傻逼，身份证", "**,身份证", id="cleaned"),
        pytest.param("你是SB吗", "你是**吗", id="ascii"),
        pytest.param("我的usb坏了", "我的usb坏了", id="usb"),
        pytest.param("傻逼傻逼", "****", id="twice"),
    ],
)
def test_mask(text: str, masked: str, normalizer: Normalizer) -> None:
    assert normalizer.mask(text) == masked
    assert normalizer.normalize(text).masked == masked


def test_blocked_categories_in_order_of_appearance(normalizer: Normalizer) -> None:
    assert normalizer.normalize("fuck 傻逼 fuck").blocked == ("profanity", "insult")
    assert normalizer.normalize("我的usb坏了").blocked == ()


def test_masked_words_never_reach_the_tokens(normalizer: Normalizer) -> None:
    result = normalizer.normalize("傻逼，驾照丢了")
    assert "傻逼" not in "".join(result.tokens + result.terms) + result.text
    assert result.tokens == ("机动车驾驶证", "补领")


_LETTER = re.compile(r"[a-z]")


def _occurs(word: str, masked: str, cleaned: str) -> bool:
    """``word`` in ``masked``; a word of ASCII only counts between non-letters of the text."""
    for start in (m.start() for m in re.finditer(f"(?={re.escape(word)})", masked)):
        end = start + len(word)
        if not word.isascii() or not (
            _LETTER.fullmatch(cleaned[start - 1 : start])
            or _LETTER.fullmatch(cleaned[end : end + 1])
        ):
            return True
    return False


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_masked_never_holds_a_blocked_word(
    data: st.DataObject, normalizer: Normalizer, shipped: LexiconSet
) -> None:
    words = sorted(shipped.blocked)
    filler = st.text(alphabet="你好的 ,.!u12Bx办证", max_size=3)
    pieces = data.draw(st.lists(st.sampled_from(words) | filler, max_size=8))
    text = "".join(pieces)
    result = normalizer.normalize(text)
    cleaned = Normalizer._clean(text)
    assert len(result.masked) == len(cleaned)
    for word in words:
        assert not _occurs(Normalizer._compact(Normalizer._clean(word)), result.masked, cleaned)
    assert set(result.blocked) <= set(shipped.blocked.values())
    if any(not w.isascii() and w in text for w in words):
        assert result.blocked
