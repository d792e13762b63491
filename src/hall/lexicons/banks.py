"""The lexicon banks (词库) and their entries.

Twelve banks make up the approval hall's lexicons. Four live in their own tables of the store:
imported questions and matter questions (``matter_questions``, by source), the general FAQ
(matters of kind ``faq``) and the question history (``question_history``). The others are rows of
``lexicon_entries``, one :class:`Bank` each: synonyms, the citizens' colloquial wording, particles,
blocked words, civility prompts, chit-chat answers, keywords and life events (一件事), with the
helpers of the normaliser (stopwords and the jieba dictionary), of the dialogue (the example
phrases that recognise chit-chat, and the phrases that ask for an element of a matter's guide)
of the decision (questions no matter of the hall answers: a question nearer one of them than
to the catalogue is declined) and of the reading of long stories (the words that mark the clause
that asks).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hall.lexicons.errors import InvalidEntry, UnknownBank

__all__ = ["BANK_FILES", "CUE_KINDS", "ELEMENT_KEYS", "Bank", "Entry", "LifeEvent", "parse_bank"]


class Bank(StrEnum):
    SYNONYMS = "synonyms"  # 同义词: canonical=variant=…
    PARTICLES = "particles"  # 语气词: dropped from questions
    STOPWORDS = "stopwords"  # 停用词: dropped from questions
    BLOCKED = "blocked"  # 屏蔽词: word and category; masked everywhere
    CIVILITY = "civility"  # 文明用语提示: replies to rude input
    CHITCHAT = "chitchat"  # 随机回答: intent and reply
    TRIGGERS = "chitchat_triggers"  # example phrases of each chit-chat intent
    KEYWORDS = "keywords"  # 关键词: weighted term, optionally tied to a matter
    DICTIONARY = "dictionary"  # jieba user dictionary: word, frequency, tag
    COLLOQUIAL = "colloquial"  # 市民用语: how citizens say it -> the catalogue's wording
    EVENTS = "life_events"  # 一件事: name, trigger phrases, the matters' title patterns
    ELEMENTS = "element_phrases"  # how a follow-up asks for an element of the guide
    OUT_OF_SCOPE = "out_of_scope"  # 范围外问题: questions no matter answers, one a line
    REQUEST_CUES = "request_cues"  # 诉求提示词: the words that mark a long story's request


#: The shipped default file(s) of each bank, under ``hall/data/lexicons``.
BANK_FILES: dict[Bank, tuple[str, ...]] = {
    Bank.SYNONYMS: ("synonyms_people.txt", "synonyms_business.txt"),
    Bank.PARTICLES: ("particles.txt",),
    Bank.STOPWORDS: ("stopwords.txt",),
    Bank.BLOCKED: ("blocked.txt",),
    Bank.CIVILITY: ("civility.txt",),
    Bank.CHITCHAT: ("chitchat.txt",),
    Bank.TRIGGERS: ("chitchat_triggers.txt",),
    Bank.KEYWORDS: ("keywords.txt",),
    Bank.DICTIONARY: ("dictionary.txt",),
    Bank.COLLOQUIAL: (
        "colloquial_people.txt",
        "colloquial_business.txt",
        "colloquial_everyday.txt",
    ),
    Bank.EVENTS: ("life_events.txt",),
    Bank.ELEMENTS: ("element_phrases.txt",),
    Bank.OUT_OF_SCOPE: ("out_of_scope.txt",),
    Bank.REQUEST_CUES: ("request_cues.txt",),
}

#: What an element phrase may ask for: the elements of a matter's guide, "next" (go on to the
#: next one) and "event" (everything a life event takes: "要办哪些手续"). The dialogue's
#: ``Element`` holds the element keys.
ELEMENT_KEYS = (
    "conditions",
    "materials",
    "process",
    "time_limit",
    "fee",
    "location",
    "legal_basis",
    "online",
    "next",
    "event",
)

#: What a request cue is: an action asked for (counts double), a word that often asks, or a
#: filler word that names no topic (a clause of only cues and fillers needs the one before it).
CUE_KINDS = ("action", "cue", "filler")

_TERM_MAX = 200
_VALUE_MAX = 2000


@dataclass(frozen=True, order=True)
class Entry:
    """One lexicon entry: ``term`` is its key, ``value`` its payload, ``weight`` optional.

    synonyms: term = canonical, value = "canonical=variant=…"; blocked: value = category;
    civility: term = "rude", value = reply; chitchat: term = intent, value = reply;
    chitchat_triggers: term = intent, value = phrase; keywords: term = word, value = matter code
    or "", weight; dictionary: term = word, value = tag, weight = frequency; colloquial: term =
    the citizen's phrase, value = the official wording; life_events: term = the event's name,
    value = "trigger|trigger<TAB>title pattern|title pattern" (see :class:`LifeEvent`);
    element_phrases: term = element key (:data:`ELEMENT_KEYS`), value = phrase; out_of_scope:
    term = the question; request_cues: term = kind (:data:`CUE_KINDS`), value = word.
    """

    term: str
    value: str = ""
    weight: float | None = None

    def __post_init__(self) -> None:
        if not self.term.strip():
            raise InvalidEntry("an entry needs a non-empty term")
        if len(self.term) > _TERM_MAX:
            raise InvalidEntry(f"term is {len(self.term)} characters, over {_TERM_MAX}")
        if len(self.value) > _VALUE_MAX:
            raise InvalidEntry(f"value is {len(self.value)} characters, over {_VALUE_MAX}")

    @property
    def members(self) -> tuple[str, ...]:
        """The members of a synonym group, canonical first."""
        return tuple(m for m in self.value.split("=") if m) or (self.term,)


def parse_bank(name: str | Bank) -> Bank:
    try:
        return Bank(str(name))
    except ValueError:
        valid = ", ".join(b.value for b in Bank)
        raise UnknownBank(f"unknown lexicon bank {name!r}; choose one of: {valid}") from None


@dataclass(frozen=True)
class LifeEvent:
    """A life event (一件事) as its bank entry holds it.

    ``patterns`` name the event's matters by title, in the order they are usually done: a
    pattern is part of a title (``出生医学证明``), with ``*`` standing for any characters
    (``新生儿*参保``), so one default list fits any hall's catalogue and resolves to its codes
    when the engine loads.
    """

    name: str
    triggers: tuple[str, ...]
    patterns: tuple[str, ...]

    @classmethod
    def from_entry(cls, entry: Entry) -> LifeEvent:
        triggers, _, patterns = entry.value.partition("\t")
        return cls(entry.term, _items(triggers), _items(patterns))

    def entry(self) -> Entry:
        return Entry(self.name, f"{'|'.join(self.triggers)}\t{'|'.join(self.patterns)}")


def _items(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.split("|") if p.strip()))
