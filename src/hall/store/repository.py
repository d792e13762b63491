"""Reading and writing matters. Every function takes an open session from ``Store.session()``.

Upserts are all or nothing because they run inside the caller's single transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hall.store.errors import MatterNotFound
from hall.store.tables import MatterRow, QuestionRow, utcnow
from hall.store.types import (
    Matter,
    MatterKind,
    MatterRecord,
    MatterStatus,
    Question,
    QuestionSource,
    UpsertReport,
)

__all__ = [
    "count_matters",
    "get_matter",
    "get_matters",
    "iter_matters",
    "matter_revisions",
    "search_matters",
    "search_text",
    "upsert_matters",
]

# Record fields that are columns of ``matters`` (questions live in their own table).
_COLUMNS = tuple(name for name in MatterRecord.model_fields if name not in {"questions"})
_ENUMS = {"kind", "status"}


def search_text(record: MatterRecord) -> str:
    """The text listing filters match: case-insensitive alike on SQLite and PostgreSQL."""
    parts = [record.code, record.title, *record.aliases, record.department or ""]
    return "\n".join(parts).lower()


def _row_values(record: MatterRecord) -> dict[str, Any]:
    values: dict[str, Any] = {"search_text": search_text(record)}
    for name in _COLUMNS:
        value = getattr(record, name)
        if name in _ENUMS:
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        values[name] = value
    return values


def _to_domain(row: MatterRow) -> Matter:
    data: dict[str, Any] = {name: getattr(row, name) for name in _COLUMNS}
    data["questions"] = [q.text for q in row.questions]
    record = MatterRecord.model_validate(data, context={"max_chars": 10**9, "max_items": 10**9})
    return Matter(
        record=record,
        question_items=tuple(
            Question(text=q.text, source=QuestionSource(q.source)) for q in row.questions
        ),
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def upsert_matters(
    session: Session,
    records: Sequence[MatterRecord],
    *,
    retire_missing: bool = False,
) -> UpsertReport:
    """Insert or update ``records`` by code; optionally retire active matters not among them.

    Imported questions are replaced by the file's; questions added by an admin or learned from
    feedback are kept. Records must have distinct codes (importers check, naming the lines).
    """
    report = UpsertReport()
    by_code = {record.code: record for record in records}
    if len(by_code) != len(records):
        raise ValueError("records must have distinct codes")
    existing = {
        row.code: row
        for chunk in _chunks(list(by_code), 500)
        for row in session.scalars(select(MatterRow).where(MatterRow.code.in_(chunk)))
    }
    now = utcnow()
    for record in records:
        row = existing.get(record.code)
        values = _row_values(record)
        if row is None:
            row = MatterRow(**values, revision=1, created_at=now, updated_at=now)
            row.questions = [
                QuestionRow(text=text, source=QuestionSource.IMPORTED.value, created_at=now)
                for text in record.questions
            ]
            session.add(row)
            report.created += 1
            continue
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if _merge_questions(row, record.questions, now):
            changed = True
        if changed:
            row.revision += 1
            row.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    if retire_missing:
        stale = select(MatterRow).where(
            MatterRow.status == MatterStatus.ACTIVE.value, MatterRow.code.not_in(by_code)
        )
        for row in session.scalars(stale):
            row.status = MatterStatus.RETIRED.value
            row.revision += 1
            row.updated_at = now
            report.retired += 1
    session.flush()
    return report


def _merge_questions(row: MatterRow, texts: Sequence[str], now: Any) -> bool:
    """Make the row's imported questions equal ``texts``; keep admin and learned ones."""
    wanted = set(texts)
    changed = False
    for question in list(row.questions):
        if question.source == QuestionSource.IMPORTED.value and question.text not in wanted:
            row.questions.remove(question)
            changed = True
    present = {q.text for q in row.questions}
    for text in texts:
        if text not in present:
            row.questions.append(
                QuestionRow(text=text, source=QuestionSource.IMPORTED.value, created_at=now)
            )
            present.add(text)
            changed = True
    return changed


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def get_matter(session: Session, code: str) -> Matter:
    row = session.scalar(select(MatterRow).where(MatterRow.code == code))
    if row is None:
        raise MatterNotFound(code)
    return _to_domain(row)


def iter_matters(session: Session, *, include_retired: bool = True) -> list[Matter]:
    """Every matter ordered by code point (not the database's collation): the export order."""
    query = select(MatterRow)
    if not include_retired:
        query = query.where(MatterRow.status == MatterStatus.ACTIVE.value)
    rows = sorted(session.scalars(query), key=lambda row: row.code)
    return [_to_domain(row) for row in rows]


def matter_revisions(session: Session, *, include_retired: bool = True) -> dict[str, int]:
    """Code -> revision of every matter, without loading them: a reader that kept the matters
    of an earlier read reloads only those whose revision moved (every write bumps it)."""
    query = select(MatterRow.code, MatterRow.revision)
    if not include_retired:
        query = query.where(MatterRow.status == MatterStatus.ACTIVE.value)
    return {code: revision for code, revision in session.execute(query)}


def get_matters(session: Session, codes: Iterable[str]) -> list[Matter]:
    """The matters of these codes that exist, ordered by code point."""
    rows = [
        row
        for chunk in _chunks(sorted(set(codes)), 500)
        for row in session.scalars(select(MatterRow).where(MatterRow.code.in_(chunk)))
    ]
    return [_to_domain(row) for row in sorted(rows, key=lambda row: row.code)]


def count_matters(session: Session, *, status: MatterStatus | None = None) -> int:
    query = select(func.count()).select_from(MatterRow)
    if status is not None:
        query = query.where(MatterRow.status == status.value)
    return int(session.scalar(query) or 0)


def search_matters(
    session: Session,
    query: str | None = None,
    *,
    offset: int = 0,
    limit: int = 20,
    kind: MatterKind | None = None,
    include_retired: bool = False,
) -> tuple[list[Matter], int]:
    """A plain substring filter over code, title, aliases and department, for listing and admin.

    This is not the question-answering search (that is the guide engine's job): it finds what a
    person typed literally. Returns the page and the total count.
    """
    conditions = []
    if not include_retired:
        conditions.append(MatterRow.status == MatterStatus.ACTIVE.value)
    if kind is not None:
        conditions.append(MatterRow.kind == kind.value)
    text = (query or "").strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(MatterRow.search_text.like(f"%{escaped}%", escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(MatterRow).where(*conditions)) or 0)
    rows = session.scalars(
        select(MatterRow).where(*conditions).order_by(MatterRow.code).offset(offset).limit(limit)
    )
    return [_to_domain(row) for row in rows], total
