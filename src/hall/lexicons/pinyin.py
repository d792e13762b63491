"""Pinyin and homophone tolerance: "gongjijin" -> 公积金, 驾使证 -> 驾驶证.

A :class:`PinyinIndex` maps the toneless pinyin of every vocabulary word to the word. Letter runs
in a question are split into known pinyin words; hanzi windows that are no known word but sound
like one (and differ from it in at most one character) are replaced by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

__all__ = ["PinyinIndex", "char_pinyin"]

_LETTERS = re.compile(r"[a-z]+(?:\s+[a-z]+)*")
_HANZI = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=65536)
def char_pinyin(char: str) -> str:
    """Toneless pinyin; a hanzi pypinyin has no reading for (兙, 龦) stands for itself."""
    if not char:
        return ""
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return reading[0] if reading else char


def word_pinyin(word: str) -> str:
    return "".join(char_pinyin(c) for c in word)


class PinyinIndex:
    """Toneless pinyin of vocabulary words (two or more hanzi) -> the word."""

    MAX_WINDOW = 6
    #: Two-character windows are left alone: one changed character is half the word, and
    #: function characters misfire (春天的诗 is no typo of 的士). Short typos such as 社宝 are
    #: listed in the synonyms instead.
    MIN_WINDOW = 3

    def __init__(self, vocabulary: Iterable[str], *, weight: Callable[[str], float]) -> None:
        found: dict[str, list[tuple[float, str]]] = {}
        for word in set(vocabulary):
            if len(word) >= 2 and _HANZI.fullmatch(word):
                found.setdefault(word_pinyin(word), []).append((-weight(word), word))
        # Every word of a sound, the heaviest first; ties go by the word, so that every process
        # agrees whatever the order of the set handed in (string hashes are salted).
        self.candidates = {key: [w for _, w in sorted(words)] for key, words in found.items()}
        self.words = {key: words[0] for key, words in self.candidates.items()}
        self.known = {w for words in self.candidates.values() for w in words}
        self._max_key = max((len(k) for k in self.words), default=0)

    def letters(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Replace runs of Latin letters that spell vocabulary words; return text and changes."""
        changes: list[tuple[str, str]] = []

        def replace(match: re.Match[str]) -> str:
            run = match.group(0)
            words = self._split(run.replace(" ", ""))
            if words is None:
                return run
            hanzi = "".join(words)
            changes.append((run, hanzi))
            return hanzi

        return _LETTERS.sub(replace, text), changes

    def _split(self, letters: str) -> list[str] | None:
        """The fewest vocabulary words whose pinyin spells ``letters`` exactly, if any."""
        n = len(letters)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(1, n + 1):
            for start in range(max(0, end - self._max_key), end):
                head = best[start]
                word = self.words.get(letters[start:end])
                if head is not None and word is not None:
                    candidate = [*head, word]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        return best[n]

    def homophones(
        self, text: str, *, is_word: Callable[[str], bool]
    ) -> tuple[str, list[tuple[str, str]]]:
        """Replace hanzi windows that are no word but sound like a vocabulary word."""
        changes: list[tuple[str, str]] = []
        if not self.words:
            return text, changes
        out: list[str] = []
        last = 0
        for run in _HANZI.finditer(text):
            chars = run.group(0)
            sounds = [char_pinyin(c) for c in chars]
            i = 0
            while i < len(chars):
                replaced = False
                for size in range(min(self.MAX_WINDOW, len(chars) - i), self.MIN_WINDOW - 1, -1):
                    window = chars[i : i + size]
                    if window in self.known or is_word(window):
                        continue
                    # the heaviest word of that sound one character away, not only the
                    # heaviest of the sound (驾驶症: not 驾使证, two away, but 驾驶证 or 驾驶正)
                    target = next(
                        (
                            word
                            for word in self.candidates.get("".join(sounds[i : i + size]), ())
                            if len(word) == size
                            and sum(a != b for a, b in zip(window, word, strict=True)) == 1
                        ),
                        None,
                    )
                    if target is not None and _breaks_a_word(chars, i, window, target, is_word):
                        target = None
                    if target is not None:
                        out.append(text[last : run.start() + i])
                        out.append(target)
                        last = run.start() + i + size
                        changes.append((window, target))
                        i += size
                        replaced = True
                        break
                if not replaced:
                    i += 1
        out.append(text[last:])
        return "".join(out), changes


def _breaks_a_word(
    chars: str, start: int, window: str, target: str, is_word: Callable[[str], bool]
) -> bool:
    """Whether the character a correction changes is part of a word reaching past the window:
    "生育津贴" is no typo of 生育金 plus 贴, since 津贴 is a word."""
    changed = start + next(k for k, (a, b) in enumerate(zip(window, target, strict=True)) if a != b)
    end = start + len(window)
    for left in (changed - 1, changed):  # the two-character words that hold the changed one
        right = left + 2
        outside = left < start or right > end
        if left >= 0 and right <= len(chars) and outside and is_word(chars[left:right]):
            return True
    return False
