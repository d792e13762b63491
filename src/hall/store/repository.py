"""Reading and writing matters. Every function takes an open session from ``Store.session()``.

Upserts are all or nothing because they run inside the caller's single transaction. Every write
records who made it in the audit log and bumps the catalogue's revision (``audit_repo``), so a
change made here is seen by every process, whichever path (import, API, pages, CLI) made it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hall.store.audit_repo import Part, bump_revision, record_audit
from hall.store.errors import (
    InvalidValue,
    MatterExists,
    MatterNotFound,
    QuestionExists,
    QuestionNotFound,
)
from hall.store.tables import MatterRow, QuestionRow, utcnow
from hall.store.types import (
    FIELD_ORDER,
    Matter,
    MatterKind,
    MatterRecord,
    MatterStatus,
    Question,
    QuestionSource,
    UpsertReport,
)

__all__ = [
    "QuestionItem",
    "add_question",
    "count_matters",
    "count_questions",
    "create_matter",
    "delete_matter",
    "get_matter",
    "get_matters",
    "iter_matters",
    "list_questions",
    "matter_facets",
    "matter_revisions",
    "remove_question",
    "search_matters",
    "search_text",
    "set_matter_status",
    "update_matter",
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
            Question(text=q.text, source=QuestionSource(q.source), id=q.id, created_at=q.created_at)
            for q in row.questions
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
    by: str = "system",
    source: str = "import",
) -> UpsertReport:
    """Insert or update ``records`` by code; optionally retire active matters not among them.

    Imported questions are replaced by the file's; questions added by an admin or learned from
    feedback are kept. Records must have distinct codes (importers check, naming the lines).
    ``by`` and ``source`` (the file's name) go to the audit log when anything changed.
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
            report.created_codes.append(record.code)
            continue
        fields = []
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                if name != "search_text":
                    fields.append(name)
        if _merge_questions(row, record.questions, now):
            fields.append("questions")
        if fields:
            row.revision += 1
            row.updated_at = now
            report.updated += 1
            report.updated_fields[record.code] = fields
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
            report.retired_codes.append(row.code)
    session.flush()
    if report.created or report.updated or report.retired:
        bump_revision(session, Part.CATALOGUE)
        record_audit(
            session,
            actor=by,
            action="import",
            target_type="catalogue",
            target_id=source,
            summary=f"{report.created} new, {report.updated} updated, {report.retired} retired",
            after={
                "created": report.created_codes,
                "updated": sorted(report.updated_fields),
                "retired": report.retired_codes,
            },
        )
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
    status: MatterStatus | None = None,
    department: str | None = None,
    region: str | None = None,
) -> tuple[list[Matter], int]:
    """A plain substring filter over code, title, aliases and department, for listing and admin.

    This is not the question-answering search (that is the guide engine's job): it finds what a
    person typed literally. ``status`` picks one status (over ``include_retired``); department
    and region match exactly. Returns the page and the total count.
    """
    conditions = []
    if status is not None:
        conditions.append(MatterRow.status == status.value)
    elif not include_retired:
        conditions.append(MatterRow.status == MatterStatus.ACTIVE.value)
    if kind is not None:
        conditions.append(MatterRow.kind == kind.value)
    if department:
        conditions.append(MatterRow.department == department)
    if region:
        conditions.append(MatterRow.region == region)
    text = (query or "").strip().lower()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(MatterRow.search_text.like(f"%{escaped}%", escape="\\"))
    total = int(session.scalar(select(func.count()).select_from(MatterRow).where(*conditions)) or 0)
    rows = session.scalars(
        select(MatterRow).where(*conditions).order_by(MatterRow.code).offset(offset).limit(limit)
    )
    return [_to_domain(row) for row in rows], total


# -- one matter at a time (the back office) ----------------------------------------------------

#: Columns an edit may change: everything but the code, the status (retire and restore are their
#: own actions) and the questions (their own table and functions).
_EDITABLE = tuple(name for name in FIELD_ORDER if name not in {"code", "status", "questions"})


def _row(session: Session, code: str) -> MatterRow:
    row = session.scalar(select(MatterRow).where(MatterRow.code == code))
    if row is None:
        raise MatterNotFound(code)
    return row


def _touch(row: MatterRow) -> None:
    """A matter changed: its revision (the engine re-reads it) and the catalogue's."""
    row.revision += 1
    row.updated_at = utcnow()


def _changed(session: Session, *, by: str, action: str, target: MatterRow, **audit: Any) -> None:
    """After a write of one matter: flush it, move the catalogue's revision, audit it (one
    transaction: the change, the revision and the audit commit or roll back together)."""
    session.flush()
    bump_revision(session, Part.CATALOGUE)
    record_audit(
        session, actor=by, action=action, target_type=target.kind, target_id=target.code, **audit
    )


def create_matter(session: Session, record: MatterRecord, *, by: str) -> Matter:
    """Add one new matter (its questions are imported ones); MatterExists if the code is taken."""
    if session.scalar(select(MatterRow.id).where(MatterRow.code == record.code)) is not None:
        raise MatterExists(record.code)
    now = utcnow()
    row = MatterRow(**_row_values(record), revision=1, created_at=now, updated_at=now)
    row.questions = [
        QuestionRow(text=text, source=QuestionSource.ADMIN.value, created_at=now)
        for text in record.questions
    ]
    session.add(row)
    _changed(
        session, by=by, action="create", target=row, summary=record.title, after=record.to_dict()
    )
    return _to_domain(row)


def update_matter(session: Session, record: MatterRecord, *, by: str) -> Matter:
    """Replace one matter's guide (every element but code, status and questions)."""
    row = _row(session, record.code)
    old = _to_domain(row).record
    values = _row_values(record)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in _EDITABLE:
        if getattr(row, name) != values[name]:
            before[name] = _plain(getattr(old, name))
            after[name] = _plain(getattr(record, name))
            setattr(row, name, values[name])
    if not after:
        return _to_domain(row)
    row.search_text = values["search_text"]
    _touch(row)
    _changed(
        session,
        by=by,
        action="update",
        target=row,
        summary=f"{row.title}: {', '.join(after)}",
        before=before,
        after=after,
    )
    return _to_domain(row)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return str(value) if isinstance(value, MatterKind | MatterStatus) else value


def set_matter_status(session: Session, code: str, status: MatterStatus, *, by: str) -> Matter:
    """Retire a matter (it is never offered again, history keeps its code) or restore it."""
    row = _row(session, code)
    if row.status != status.value:
        before = row.status
        row.status = status.value
        _touch(row)
        _changed(
            session,
            by=by,
            action="retire" if status is MatterStatus.RETIRED else "restore",
            target=row,
            summary=row.title,
            before={"status": before},
            after={"status": status.value},
        )
    return _to_domain(row)


def delete_matter(session: Session, code: str, *, by: str) -> None:
    """Delete a matter with its questions (general FAQ entries); the audit keeps its content."""
    row = _row(session, code)
    matter = _to_domain(row)
    session.delete(row)
    _changed(
        session,
        by=by,
        action="delete",
        target=row,
        summary=matter.record.title,
        before={
            **matter.record.to_dict(),
            "questions": [[q.text, q.source.value] for q in matter.question_items],
        },
    )


# -- matter questions ---------------------------------------------------------------------------

QUESTION_MAX = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


@dataclass(frozen=True)
class QuestionItem:
    """A question of the question banks, with the matter it belongs to."""

    id: int
    code: str
    title: str
    text: str
    source: QuestionSource
    created_at: datetime


def clean_question(text: str) -> str:
    """A question as the store keeps it: one stripped line, 1-500 characters, no controls."""
    text = " ".join(text.split())
    if not text:
        raise InvalidValue("question: empty")
    if len(text) > QUESTION_MAX:
        raise InvalidValue(f"question: {len(text)} characters, at most {QUESTION_MAX}")
    if _CONTROL.search(text):
        raise InvalidValue("question: contains a control character")
    return text


def add_question(
    session: Session,
    code: str,
    text: str,
    *,
    by: str,
    source: QuestionSource = QuestionSource.ADMIN,
) -> QuestionItem:
    """Attach an alternate question to a matter; QuestionExists when it has it already."""
    text = clean_question(text)
    row = _row(session, code)
    if any(q.text == text for q in row.questions):
        raise QuestionExists(code, text)
    question = QuestionRow(text=text, source=source.value, created_at=utcnow())
    row.questions.append(question)
    _touch(row)
    _changed(
        session,
        by=by,
        action="add_question",
        target=row,
        summary=f"{row.title}: {text}",
        after={"id": question.id, "question": text, "source": source.value},
    )
    return QuestionItem(question.id, code, row.title, text, source, question.created_at)


def remove_question(session: Session, code: str, question_id: int, *, by: str) -> None:
    row = _row(session, code)
    question = next((q for q in row.questions if q.id == question_id), None)
    if question is None:
        raise QuestionNotFound(code, question_id)
    row.questions.remove(question)
    _touch(row)
    _changed(
        session,
        by=by,
        action="remove_question",
        target=row,
        summary=f"{row.title}: {question.text}",
        before={"id": question_id, "question": question.text, "source": question.source},
    )


def list_questions(
    session: Session,
    *,
    code: str | None = None,
    source: QuestionSource | None = None,
    query: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[QuestionItem], int]:
    """The question banks: alternate questions of every matter (or one), newest first."""
    conditions = []
    if code is not None:
        conditions.append(MatterRow.code == code)
    if source is not None:
        conditions.append(QuestionRow.source == source.value)
    text = (query or "").strip()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(QuestionRow.text.like(f"%{escaped}%", escape="\\"))
    joined = select(QuestionRow, MatterRow.code, MatterRow.title).join(MatterRow)
    total = int(
        session.scalar(
            select(func.count()).select_from(QuestionRow).join(MatterRow).where(*conditions)
        )
        or 0
    )
    rows = session.execute(
        joined.where(*conditions).order_by(QuestionRow.id.desc()).offset(offset).limit(limit)
    )
    return [
        QuestionItem(q.id, c, t, q.text, QuestionSource(q.source), q.created_at) for q, c, t in rows
    ], total


def count_questions(session: Session, *, active_only: bool = True) -> int:
    query = select(func.count()).select_from(QuestionRow).join(MatterRow)
    if active_only:
        query = query.where(MatterRow.status == MatterStatus.ACTIVE.value)
    return int(session.scalar(query) or 0)


def matter_facets(session: Session) -> dict[str, list[str]]:
    """The departments and regions of the catalogue, for the back office's filters."""
    facets: dict[str, list[str]] = {}
    for name, column in (("department", MatterRow.department), ("region", MatterRow.region)):
        values = session.scalars(select(column).where(column.is_not(None)).distinct())
        facets[name] = sorted(v for v in values if v)
    return facets
