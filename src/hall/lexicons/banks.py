"""The lexicon banks (词库) and their entries.

Ten banks make up the approval hall's lexicons. Four live in their own tables of the store:
imported questions and matter questions (``matter_questions``, by source), the general FAQ
(matters of kind ``faq``) and the question history (``question_history``). The others are rows of
``lexicon_entries``, one :class:`Bank` each, with two helpers of the normaliser (stopwords and the
jieba dictionary) and the example phrases that recognise chit-chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hall.lexicons.errors import InvalidEntry, UnknownBank

__all__ = ["BANK_FILES", "Bank", "Entry", "parse_bank"]


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
}

_TERM_MAX = 200
_VALUE_MAX = 2000


@dataclass(frozen=True, order=True)
class Entry:
    """One lexicon entry: ``term`` is its key, ``value`` its payload, ``weight`` optional.

    synonyms: term = canonical, value = "canonical=variant=…"; blocked: value = category;
    civility: term = "rude", value = reply; chitchat: term = intent, value = reply;
    chitchat_triggers: term = intent, value = phrase; keywords: term = word, value = matter code
    or "", weight; dictionary: term = word, value = tag, weight = frequency.
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
