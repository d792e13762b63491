"""The lexicons as the store keeps them: seeding the shipped defaults, loading, editing, files.

Every change is written with who made it; the store's audit trail records when.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hall.lexicons.banks import Bank, Entry
from hall.lexicons.files import FileFormat, dump_entries, parse_file
from hall.lexicons.lexicon_set import LexiconSet, shipped_entries
from hall.store import (
    LexiconItem,
    Store,
    add_lexicon_entries,
    bank_sizes,
    list_lexicon_changes,
    list_lexicon_entries,
    remove_lexicon_entries,
    replace_lexicon_bank,
)

__all__ = [
    "add_entries",
    "export_bank",
    "import_bank",
    "load_lexicons",
    "remove_entries",
    "seed_defaults",
]


def _items(entries: Iterable[Entry]) -> list[LexiconItem]:
    return [LexiconItem(e.term, e.value, e.weight) for e in entries]


def _entries(items: Iterable[LexiconItem]) -> list[Entry]:
    return [Entry(i.term, i.value, i.weight) for i in items]


def seed_defaults(store: Store, *, by: str = "system") -> dict[Bank, int]:
    """Fill every bank that was never written with the shipped defaults.

    A bank with entries, or with an audit trail (an admin emptied it), is left alone: seeding
    runs at every start, and must not undo an admin's ``import --replace`` of an empty file.
    Processes starting together take turns (the second finds the banks seeded).
    """
    added: dict[Bank, int] = {}
    with store.exclusive("seed"), store.session() as session:
        sizes = bank_sizes(session)
        for bank in Bank:
            if sizes.get(bank.value, 0) == 0 and not list_lexicon_changes(
                session, bank=bank.value, limit=1
            ):
                count = add_lexicon_entries(
                    session, bank.value, _items(shipped_entries(bank)), by=by
                )
                if count:
                    added[bank] = count
    return added


def load_lexicons(store: Store) -> LexiconSet:
    """Every bank as the store holds it now."""
    with store.session(commit=False) as session:
        return LexiconSet.from_entries(
            {bank: _entries(list_lexicon_entries(session, bank.value)) for bank in Bank}
        )


def add_entries(store: Store, bank: Bank, entries: Iterable[Entry], *, by: str) -> int:
    with store.session() as session:
        return add_lexicon_entries(session, bank.value, _items(entries), by=by)


def remove_entries(store: Store, bank: Bank, entries: Iterable[Entry], *, by: str) -> int:
    with store.session() as session:
        return remove_lexicon_entries(session, bank.value, _items(entries), by=by)


def import_bank(
    store: Store,
    bank: Bank,
    path: Path,
    *,
    fmt: FileFormat = FileFormat.NATIVE,
    replace: bool = False,
    by: str,
) -> tuple[int, int]:
    """Add a file's entries to a bank (or make the bank hold exactly them); (added, removed).

    The whole file is parsed before anything is written: a bad line changes nothing.
    """
    entries = parse_file(path, bank, fmt=fmt)
    with store.session() as session:
        if replace:
            return replace_lexicon_bank(session, bank.value, _items(entries), by=by)
        return add_lexicon_entries(session, bank.value, _items(entries), by=by), 0


def export_bank(store: Store, bank: Bank, path: Path) -> int:
    """Write a bank in its own text format (what :func:`import_bank` reads back)."""
    with store.session(commit=False) as session:
        entries = _entries(list_lexicon_entries(session, bank.value))
    path.write_text(dump_entries(entries, bank), encoding="utf-8")
    return len(entries)
