"""A whole set of lexicons, read once from the store or from files, as plain immutable values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources

from hall.lexicons.banks import BANK_FILES, Bank, Entry, LifeEvent
from hall.lexicons.files import parse_text

__all__ = ["LexiconSet", "shipped_entries"]


def shipped_entries(bank: Bank) -> list[Entry]:
    """The defaults the hall team ships for ``bank`` (``hall/data/lexicons``)."""
    folder = resources.files("hall.data") / "lexicons"
    entries: dict[Entry, None] = {}
    for name in BANK_FILES[bank]:
        resource = folder / name
        if not resource.is_file():
            continue
        text = resource.read_text(encoding="utf-8-sig")
        for entry in parse_text(text, bank, path=f"hall/data/lexicons/{name}"):
            entries.setdefault(entry, None)
    return list(entries)


@dataclass(frozen=True)
class LexiconSet:
    """Everything the normaliser and the decision need from the lexicon banks."""

    entries: Mapping[Bank, tuple[Entry, ...]] = field(default_factory=dict)

    @classmethod
    def from_entries(cls, entries: Mapping[Bank, list[Entry] | tuple[Entry, ...]]) -> LexiconSet:
        return cls({bank: tuple(entries.get(bank, ())) for bank in Bank})

    @classmethod
    def shipped(cls) -> LexiconSet:
        return cls.from_entries({bank: shipped_entries(bank) for bank in Bank})

    def bank(self, bank: Bank) -> tuple[Entry, ...]:
        return self.entries.get(bank, ())

    @property
    def synonym_groups(self) -> list[tuple[str, ...]]:
        return [entry.members for entry in self.bank(Bank.SYNONYMS)]

    @property
    def particles(self) -> frozenset[str]:
        return frozenset(e.term for e in self.bank(Bank.PARTICLES))

    @property
    def stopwords(self) -> frozenset[str]:
        return frozenset(e.term for e in self.bank(Bank.STOPWORDS))

    @property
    def blocked(self) -> dict[str, str]:
        return {e.term: e.value or "misc" for e in self.bank(Bank.BLOCKED)}

    @property
    def colloquial(self) -> list[tuple[str, str]]:
        """(citizen's phrase, official wording) pairs of the colloquial bank."""
        return [(e.term, e.value) for e in self.bank(Bank.COLLOQUIAL) if e.value]

    @property
    def events(self) -> list[LifeEvent]:
        """The life events, in the bank's order."""
        return [LifeEvent.from_entry(e) for e in self.bank(Bank.EVENTS)]

    def bank_dictionary(self) -> list[str]:
        """Words of the jieba user dictionary and the keyword bank."""
        return [e.term for e in (*self.bank(Bank.DICTIONARY), *self.bank(Bank.KEYWORDS))]

    def replies(self, bank: Bank) -> dict[str, tuple[str, ...]]:
        """Texts by key: chit-chat replies or trigger phrases by intent, civility prompts."""
        return self._reply_tables[bank]

    @cached_property
    def _reply_tables(self) -> dict[Bank, dict[str, tuple[str, ...]]]:
        # Computed once: the engine reads them on every declined question.
        tables: dict[Bank, dict[str, tuple[str, ...]]] = {}
        for bank in Bank:
            found: dict[str, list[str]] = {}
            for entry in self.bank(bank):
                found.setdefault(entry.term, []).append(entry.value)
            tables[bank] = {key: tuple(values) for key, values in found.items()}
        return tables

    def digest(self) -> str:
        """A hash of every entry: the index manifest records it to know when to rebuild."""
        return self._digest

    @cached_property
    def _digest(self) -> str:
        payload = {
            bank.value: sorted(
                (e.term, e.value, -1.0 if e.weight is None else e.weight) for e in self.bank(bank)
            )
            for bank in Bank
        }
        data = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()
