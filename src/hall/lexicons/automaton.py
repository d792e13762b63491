"""Multi-pattern search with an Aho-Corasick automaton: one pass whatever the number of words.

Used for blocked words (thousands of them, checked on every question and every reply).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ahocorasick

__all__ = ["Match", "PhraseMatcher"]


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    phrase: str
    label: str


class PhraseMatcher:
    """Finds phrases in text, leftmost-longest and non-overlapping, case as given."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for phrase, label in phrases:
            if phrase:
                self._automaton.add_word(phrase, (phrase, label))
                count += 1
        self.size = count
        if count:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self.size

    def find(self, text: str, *, accept: Callable[[Match], bool] | None = None) -> list[Match]:
        """Leftmost-longest, non-overlapping matches among those ``accept`` keeps (default all).

        Built on ``iter`` (every occurrence), not ``iter_long``: pyahocorasick's ``iter_long``
        misses a match reached through a failure link, e.g. 傻逼 in "你这大傻逼" once 大傻逼玩意
        is also a phrase (pyahocorasick issues #133 and #189).
        """
        if not self.size or not text:
            return []
        longest: dict[int, Match] = {}
        for end, (phrase, label) in self._automaton.iter(text):
            match = Match(end - len(phrase) + 1, end + 1, phrase, label)
            if accept is not None and not accept(match):
                continue
            current = longest.get(match.start)
            if current is None or match.end > current.end:
                longest[match.start] = match
        found: list[Match] = []
        position = 0
        for start in sorted(longest):
            if start >= position:
                found.append(longest[start])
                position = longest[start].end
        return found
