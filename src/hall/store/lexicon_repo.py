"""Lexicon entries, their audit trail, and the question history, as the store keeps them.

The store knows banks only by name; ``hall.lexicons`` gives them meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from hall.store.audit_repo import Part, bump_revision, record_audit
from hall.store.tables import HistoryRow, LexiconChangeRow, LexiconEntryRow, utcnow

__all__ = [
    "HistoryItem",
    "LexiconChange",
    "LexiconItem",
    "add_lexicon_entries",
    "bank_sizes",
    "history_counts",
    "list_history",
    "list_lexicon_changes",
    "list_lexicon_entries",
    "record_question",
    "record_questions",
    "remove_lexicon_entries",
    "replace_lexicon_bank",
    "set_feedback",
]


@dataclass(frozen=True)
class LexiconItem:
    term: str
    value: str = ""
    weight: float | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha1(f"{self.term}\x00{self.value}".encode()).hexdigest()


@dataclass(frozen=True)
class LexiconChange:
    bank: str
    action: str
    term: str
    value: str
    changed_by: str
    changed_at: datetime


def list_lexicon_entries(session: Session, bank: str) -> list[LexiconItem]:
    """A bank's entries in the order they were added."""
    rows = session.scalars(
        select(LexiconEntryRow).where(LexiconEntryRow.bank == bank).order_by(LexiconEntryRow.id)
    )
    return [LexiconItem(row.term, row.value, row.weight) for row in rows]


def bank_sizes(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(LexiconEntryRow.bank, func.count()).group_by(LexiconEntryRow.bank)
    )
    return {bank: int(count) for bank, count in rows}


def _log(session: Session, bank: str, action: str, item: LexiconItem, by: str) -> None:
    session.add(
        LexiconChangeRow(bank=bank, action=action, term=item.term, value=item.value, changed_by=by)
    )


def _add(
    session: Session, bank: str, items: Iterable[LexiconItem], by: str
) -> tuple[list[LexiconItem], list[LexiconItem]]:
    """Add entries not yet in the bank; an existing one gets the weight. (added, reweighted)"""
    existing = {
        row.digest: row
        for row in session.scalars(select(LexiconEntryRow).where(LexiconEntryRow.bank == bank))
    }
    now = utcnow()
    added: list[LexiconItem] = []
    reweighted: list[LexiconItem] = []
    for item in items:
        row = existing.get(item.digest)
        if row is not None:
            if row.weight != item.weight:
                row.weight = item.weight
                row.updated_by = by
                row.updated_at = now
                _log(session, bank, "update", item, by)
                reweighted.append(item)
            continue
        row = LexiconEntryRow(
            bank=bank,
            term=item.term,
            value=item.value,
            weight=item.weight,
            digest=item.digest,
            updated_by=by,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        existing[item.digest] = row
        _log(session, bank, "add", item, by)
        added.append(item)
    session.flush()
    return added, reweighted


def _remove(
    session: Session, bank: str, items: Iterable[LexiconItem], by: str
) -> list[LexiconItem]:
    removed = []
    for item in items:
        result = session.execute(
            delete(LexiconEntryRow).where(
                LexiconEntryRow.bank == bank, LexiconEntryRow.digest == item.digest
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            _log(session, bank, "remove", item, by)
            removed.append(item)
    return removed


def _plain(items: Sequence[LexiconItem]) -> list[list[Any]]:
    return [[i.term, i.value, i.weight] for i in items]


def _audit(
    session: Session,
    bank: str,
    by: str,
    action: str,
    added: Sequence[LexiconItem],
    removed: Sequence[LexiconItem],
    reweighted: Sequence[LexiconItem] = (),
) -> None:
    """One audit row per change of a bank (not per entry), and the lexicons' revision."""
    if not (added or removed or reweighted):
        return
    bump_revision(session, Part.LEXICONS)
    parts = [f"{len(added)} added", f"{len(removed)} removed"]
    if reweighted:
        parts.append(f"{len(reweighted)} reweighted")
    record_audit(
        session,
        actor=by,
        action=action,
        target_type="lexicon",
        target_id=bank,
        summary=", ".join(parts),
        before={"removed": _plain(removed)} if removed else None,
        after={"added": _plain(added), "reweighted": _plain(reweighted)}
        if added or reweighted
        else None,
    )


def add_lexicon_entries(
    session: Session, bank: str, items: Iterable[LexiconItem], *, by: str
) -> int:
    """Add entries not yet in the bank (same term and value); an existing one gets the weight."""
    added, reweighted = _add(session, bank, items, by)
    _audit(session, bank, by, "add_entries", added, [], reweighted)
    return len(added)


def remove_lexicon_entries(
    session: Session, bank: str, items: Iterable[LexiconItem], *, by: str
) -> int:
    removed = _remove(session, bank, items, by)
    _audit(session, bank, by, "remove_entries", [], removed)
    return len(removed)


def replace_lexicon_bank(
    session: Session, bank: str, items: Sequence[LexiconItem], *, by: str
) -> tuple[int, int]:
    """Make the bank hold exactly ``items``; returns (added, removed)."""
    current = list_lexicon_entries(session, bank)
    wanted = {item.digest for item in items}
    removed = _remove(session, bank, [i for i in current if i.digest not in wanted], by)
    added, reweighted = _add(session, bank, items, by)
    _audit(session, bank, by, "replace", added, removed, reweighted)
    return len(added), len(removed)


def list_lexicon_changes(
    session: Session, *, bank: str | None = None, limit: int = 100
) -> list[LexiconChange]:
    query = select(LexiconChangeRow).order_by(LexiconChangeRow.id.desc()).limit(limit)
    if bank is not None:
        query = query.where(LexiconChangeRow.bank == bank)
    return [
        LexiconChange(r.bank, r.action, r.term, r.value, r.changed_by, r.changed_at)
        for r in session.scalars(query)
    ]


@dataclass(frozen=True)
class HistoryItem:
    id: int
    asked_at: datetime
    session_id: str | None
    query: str
    normalized: str
    decision: str
    matter_code: str | None
    score: float | None
    helpful: bool | None


def record_question(
    session: Session,
    *,
    query: str,
    normalized: str,
    decision: str,
    matter_code: str | None,
    score: float | None,
    latency_ms: float | None = None,
    session_id: str | None = None,
    channel: str = "api",
    turn: int | None = None,
    reply: str | None = None,
    reason: str | None = None,
    candidates: list[dict[str, Any]] | None = None,
    vector: bytes | None = None,
) -> int:
    """Write one question to the history; ``query`` must already be masked. One INSERT …
    RETURNING on the table (no unit of work: a chat turn writes one on every message)."""
    values = {
        "reason": reason,
        "candidates": candidates,
        "vector": vector,
        "query": query[:2000],
        "normalized": normalized[:2000],
        "decision": decision,
        "matter_code": matter_code,
        "score": score,
        "latency_ms": latency_ms,
        "session_id": session_id,
        "channel": channel,
        "turn": turn,
        "reply": reply[:4000] if reply else None,
        "asked_at": utcnow(),
    }
    statement = insert(HistoryRow).values(values).returning(HistoryRow.id)
    return int(session.connection().execute(statement).scalar_one())


def record_questions(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Write many questions at once (one statement): what a busy search writes in bulk. Each
    row holds :func:`record_question`'s arguments, ``asked_at`` included; texts already
    masked."""
    if not rows:
        return 0
    values = [
        {
            **row,
            "query": str(row["query"])[:2000],
            "normalized": str(row.get("normalized", ""))[:2000],
        }
        for row in rows
    ]
    # Core executemany on the connection, one per shape of row (the ORM's bulk path costs a
    # busy process's history thread more than the statement does).
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for value in values:
        shapes.setdefault(tuple(sorted(value)), []).append(value)
    connection = session.connection()
    for group in shapes.values():
        connection.execute(insert(HistoryRow), group)
    return len(values)


def set_feedback(session: Session, history_id: int, *, helpful: bool, comment: str | None) -> bool:
    row = session.get(HistoryRow, history_id)
    if row is None:
        return False
    row.helpful = helpful
    row.comment = comment
    return True


def list_history(
    session: Session, *, decision: str | None = None, limit: int = 100, offset: int = 0
) -> list[HistoryItem]:
    query = select(HistoryRow).order_by(HistoryRow.id.desc()).offset(offset).limit(limit)
    if decision is not None:
        query = query.where(HistoryRow.decision == decision)
    return [
        HistoryItem(
            r.id,
            r.asked_at,
            r.session_id,
            r.query,
            r.normalized,
            r.decision,
            r.matter_code,
            r.score,
            r.helpful,
        )
        for r in session.scalars(query)
    ]


def history_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Questions asked since ``since``, by the guide's decision."""
    rows = session.execute(
        select(HistoryRow.decision, func.count())
        .where(HistoryRow.asked_at >= since)
        .group_by(HistoryRow.decision)
    )
    return {str(decision): int(count) for decision, count in rows}
