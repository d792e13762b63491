"""The request inside a long story: :class:`ClauseReader`.

A citizen who tells a story ("我老家在外省，今年来广安打工租了房子，孩子还要在这边上学，听说要先办
个居住证，请问去哪里办") puts the need in one clause and the circumstances around it. The engine
retrieves the whole question and this clause and fuses the two (``HALL_CLAUSE_WEIGHT``), so the
story still counts (a negation in it, "不是本地户口", stays with the question) but the clause that
asks weighs more than its share of the words.

The clause is the one with the most request cues (an action asked for counts double; the later
one wins a tie, since citizens end on the question), with the clauses before it joined on until it
names a topic: "请问在哪办" alone names nothing. The cues are the editable bank ``request_cues``
(kind ``action``, ``cue`` or ``filler``), so a hall whose citizens ask in other words teaches the
reader as it teaches the rest. Pure: text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["LONG_QUESTION", "ClauseReader"]

#: Questions longer than this are read clause by clause ("about 25 characters", issue 13).
LONG_QUESTION = 25
#: What each kind of cue counts for (``filler`` counts nothing but names no topic either).
_WEIGHTS = {"action": 2, "cue": 1, "filler": 0}
_CLAUSE = re.compile(r"[，,。；;！!？?、\s]+")
#: A clause needs this many characters left, once cues and filler are out, to name a topic.
_TOPIC_CHARS = 3


@dataclass(frozen=True)
class ClauseReader:
    """Finds the clause of a long question that carries its request (:meth:`request_clause`).

    ``cues`` maps a word to what it counts for (an action 2, another asking word 1); ``generic``
    matches every cue and filler word, which together name no topic. Without cues it finds none.
    """

    cues: dict[str, int] = field(default_factory=dict)
    generic: re.Pattern[str] | None = None

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str]]) -> ClauseReader:
        """``entries`` are (kind, word) pairs of the bank ``request_cues``; a word listed under
        two kinds counts for the larger."""
        cues: dict[str, int] = {}
        words: set[str] = set()
        for kind, word in entries:
            word = word.strip()
            if not word or kind not in _WEIGHTS:
                continue
            words.add(word)
            if _WEIGHTS[kind]:
                cues[word] = max(cues.get(word, 0), _WEIGHTS[kind])
        if not words:
            return cls()
        pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return cls(cues, re.compile(pattern))

    def _weight(self, clause: str) -> int:
        return sum(weight for cue, weight in self.cues.items() if cue in clause)

    def request_clause(self, question: str, *, longer_than: int = LONG_QUESTION) -> str | None:
        """The clause of a long question that carries its request, or ``None``.

        ``None`` when the question is not longer than ``longer_than`` characters, has a single
        clause, no clause asks anything, or the request is the whole question.
        """
        text = question.strip()
        if len(text) <= longer_than or not self.cues or self.generic is None:
            return None
        parts = [part for part in _CLAUSE.split(text) if part]
        if len(parts) < 2:
            return None
        weights = [self._weight(part) for part in parts]
        best = max(range(len(parts)), key=lambda i: (weights[i], i))
        if weights[best] == 0:
            return None
        clause, i = parts[best], best
        while i > 0 and len(self.generic.sub("", clause)) < _TOPIC_CHARS:
            i -= 1
            clause = parts[i] + clause
        return None if i == 0 and best == len(parts) - 1 else clause
