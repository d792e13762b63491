"""What the engine derives from the lexicons and the catalogue to read a conversation.

Built by plain functions at each refresh, from the lexicons, the normaliser and the matters, as
immutable values the engine holds in one attribute (:class:`Understanding`):

- :class:`ElementPhrases`: the phrases that ask for an element of a matter's guide ("要带什么",
  "几点能办好", "下一步"), an editable bank matched leftmost-longest with the automaton the
  lexicons already have: the longest phrase decides the element, whatever the bank's order.
- :class:`EventTable`: the life events (一件事) with their matters resolved from title patterns
  to this catalogue's codes, found in a question by their trigger phrases.
- :class:`~hall.guide.clauses.ClauseReader`: the words (the bank ``request_cues``) that mark the
  clause of a long story that asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from hall.guide.clauses import ClauseReader
from hall.lexicons import Bank, LexiconSet, LifeEvent, PhraseMatcher

__all__ = [
    "ElementPhrases",
    "EventMatter",
    "EventTable",
    "ResolvedEvent",
    "Understanding",
    "build_understanding",
]

#: The element-phrase key of the phrases that ask for everything an event takes ("要办哪些手续").
EVENT_CUE = "event"
#: The element-phrase key of the phrases that go on to the next element.
NEXT = "next"

Compact = Callable[[str], str]


@dataclass(frozen=True)
class ElementPhrases:
    """Phrases by element key (the bank ``element_phrases``), found leftmost-longest."""

    matcher: PhraseMatcher = field(default_factory=lambda: PhraseMatcher(()))

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str]], compact: Compact) -> ElementPhrases:
        """``entries`` are (key, phrase) pairs; phrases are compared in their compact form."""
        return cls(PhraseMatcher((compact(phrase), key) for key, phrase in entries))

    def find(self, text: str, *, skip: Sequence[str] = (NEXT, EVENT_CUE)) -> tuple[str | None, str]:
        """The element a compact message asks for, and the message without any phrase.

        The longest phrase found decides ("网上办理的网址在哪": 网上办理, not 在哪); on a tie the
        first. Keys in ``skip`` are not elements but are removed from the rest all the same.
        """
        found = self.matcher.find(text)
        best = None
        for match in found:
            if match.label in skip:
                continue
            if best is None or len(match.phrase) > len(best.phrase):
                best = match
        if best is None:
            return None, text
        rest, position = [], 0
        for match in found:
            rest.append(text[position : match.start])
            position = match.end
        rest.append(text[position:])
        return best.label, "".join(rest)

    def has(self, text: str, key: str) -> list[str]:
        """The phrases of ``key`` in a compact text, leftmost-longest."""
        return [m.phrase for m in self.matcher.find(text) if m.label == key]


@dataclass(frozen=True)
class EventMatter:
    code: str
    title: str


@dataclass(frozen=True)
class ResolvedEvent:
    """A life event with its matters in this catalogue, in the bank's order."""

    name: str
    matters: tuple[EventMatter, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.matters)


_GAP = 4  # how many characters a '*' in a trigger phrase stands for at most


@dataclass(frozen=True)
class EventTable:
    """The life events that resolve to at least one matter, and how to find them."""

    events: tuple[ResolvedEvent, ...] = ()
    phrases: PhraseMatcher = field(default_factory=lambda: PhraseMatcher(()))
    #: Triggers with '*' gaps ("开*饭馆"), as (pattern, event position).
    gapped: tuple[tuple[re.Pattern[str], int], ...] = ()

    @classmethod
    def build(
        cls,
        events: Iterable[LifeEvent],
        matters: Sequence[tuple[str, str]],
        compact: Compact,
    ) -> EventTable:
        """Resolve each event's title patterns over ``matters`` ((code, title) pairs, matters
        only, no FAQ entries): a pattern takes the matter whose title is the pattern itself, else
        the shortest title that holds it (ties by code). An event left with no matter is dropped.
        """
        titles = [(code, title, compact(title)) for code, title in matters]
        resolved: list[ResolvedEvent] = []
        plain: list[tuple[str, str]] = []
        gapped: list[tuple[re.Pattern[str], int]] = []
        for event in events:
            chosen: dict[str, EventMatter] = {}
            for pattern in event.patterns:
                match = _resolve("*".join(compact(p) for p in pattern.split("*")), titles)
                if match is not None and match[0] not in chosen:
                    chosen[match[0]] = EventMatter(match[0], match[1])
            if not chosen:
                continue
            position = len(resolved)
            resolved.append(ResolvedEvent(event.name, tuple(chosen.values())))
            for trigger in event.triggers:
                parts = [compact(p) for p in trigger.split("*")]
                if len(parts) == 1:
                    if parts[0]:
                        plain.append((parts[0], str(position)))
                elif all(parts):
                    gap = f".{{0,{_GAP}}}?"
                    gapped.append((re.compile(gap.join(map(re.escape, parts))), position))
        return cls(tuple(resolved), PhraseMatcher(plain), tuple(gapped))

    def find(self, text: str) -> ResolvedEvent | None:
        """The event whose trigger a compact question holds (the longest trigger wins)."""
        best: tuple[int, int] | None = None  # (length, event position)
        for match in self.phrases.find(text):
            if best is None or len(match.phrase) > best[0]:
                best = (len(match.phrase), int(match.label))
        for pattern, position in self.gapped:
            found = pattern.search(text)
            if found and (best is None or len(found.group(0)) > best[0]):
                best = (len(found.group(0)), position)
        return None if best is None else self.events[best[1]]


def _resolve(pattern: str, titles: Sequence[tuple[str, str, str]]) -> tuple[str, str] | None:
    if "*" in pattern:
        regex = re.compile(".*".join(re.escape(p) for p in pattern.split("*")))
        found = [t for t in titles if regex.search(t[2])]
    else:
        found = [t for t in titles if pattern in t[2]]
    if not found:
        return None
    code, title, _ = min(found, key=lambda t: (t[2] != pattern, len(t[2]), t[0]))
    return code, title


@dataclass(frozen=True)
class Understanding:
    """Everything the engine and the dialogue read besides the normaliser and the index."""

    elements: ElementPhrases = field(default_factory=ElementPhrases)
    events: EventTable = field(default_factory=EventTable)
    clauses: ClauseReader = field(default_factory=ClauseReader)


def build_understanding(
    lexicons: LexiconSet, compact: Compact, matters: Sequence[tuple[str, str]]
) -> Understanding:
    """Build from the lexicons and the catalogue's matters ((code, title), no FAQ entries)."""
    elements = ElementPhrases.build(
        ((e.term, e.value) for e in lexicons.bank(Bank.ELEMENTS)), compact
    )
    clauses = ClauseReader.build((e.term, e.value) for e in lexicons.bank(Bank.REQUEST_CUES))
    return Understanding(elements, EventTable.build(lexicons.events, matters, compact), clauses)
