"""Multi-pattern search with an Aho-Corasick automaton: one pass whatever the number of words.

Used for blocked words (thousands of them, checked on every question and every reply).
"""

from __future__ import annotations

from collections.abc import Iterable
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

    def find(self, text: str) -> list[Match]:
        if not self.size or not text:
            return []
        found = []
        for end, (phrase, label) in self._automaton.iter_long(text):
            found.append(Match(end - len(phrase) + 1, end + 1, phrase, label))
        return found
