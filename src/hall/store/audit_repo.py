"""The audit log and the revision counters: what every write of the store leaves behind.

Every function that changes what the guide answers from (the catalogue, its questions, the
lexicons, the hall's settings) or who may change it (users) records one audit row in the same
transaction, and bumps the revision of its part, so that every process notices the change with one
cheap query (:func:`read_revisions`) and rebuilds only that part. Audit rows are only ever
inserted: nothing here, and no route, updates or deletes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from hall.store.errors import AuditNotFound
from hall.store.tables import AuditRow, RevisionRow, utcnow

__all__ = [
    "AuditEntry",
    "Part",
    "bump_revision",
    "get_audit",
    "list_audit",
    "read_revisions",
    "record_audit",
]

#: Text columns are bounded; a longer summary or target is cut, never refused (the change it
#: records has already been validated).
_SUMMARY_MAX = 2000
_TARGET_MAX = 200
_ACTOR_MAX = 100


class Part(StrEnum):
    """The parts of what the guide answers from, each with its own revision."""

    CATALOGUE = "catalogue"  # matters and their questions
    LEXICONS = "lexicons"  # every lexicon bank
    SETTINGS = "settings"  # the persona, the hall's introduction


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    summary: str
    before: Any
    after: Any


def bump_revision(session: Session, part: Part) -> None:
    """Count one more change of ``part``; committed (or rolled back) with the change itself."""
    session.execute(
        update(RevisionRow)
        .where(RevisionRow.part == part.value)
        .values(revision=RevisionRow.revision + 1, updated_at=utcnow())
    )


def read_revisions(session: Session) -> dict[str, int]:
    """Part -> revision: what a process compares with the snapshot it answers from."""
    return {
        part: int(rev)
        for part, rev in session.execute(select(RevisionRow.part, RevisionRow.revision))
    }


def record_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    summary: str = "",
    before: Any = None,
    after: Any = None,
) -> int:
    """Write one audit row; returns its id."""
    row = AuditRow(
        at=utcnow(),
        actor=actor[:_ACTOR_MAX],
        action=action,
        target_type=target_type,
        target_id=target_id[:_TARGET_MAX],
        summary=summary[:_SUMMARY_MAX],
        before=before,
        after=after,
    )
    session.add(row)
    session.flush()
    return row.id


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.id,
        row.at,
        row.actor,
        row.action,
        row.target_type,
        row.target_id,
        row.summary,
        row.before,
        row.after,
    )


def get_audit(session: Session, entry_id: int) -> AuditEntry:
    row = session.get(AuditRow, entry_id)
    if row is None:
        raise AuditNotFound(entry_id)
    return _entry(row)


def list_audit(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    text: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEntry], int]:
    """The audit log, newest first, filtered; returns the page and the total count."""
    conditions = []
    if actor:
        conditions.append(AuditRow.actor == actor)
    if action:
        conditions.append(AuditRow.action == action)
    if target_type:
        conditions.append(AuditRow.target_type == target_type)
    if target_id:
        conditions.append(AuditRow.target_id == target_id)
    if since is not None:
        conditions.append(AuditRow.at >= since)
    if until is not None:
        conditions.append(AuditRow.at < until)
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            or_(
                AuditRow.summary.like(pattern, escape="\\"),
                AuditRow.target_id.like(pattern, escape="\\"),
            )
        )
    total = int(session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0)
    rows = session.scalars(
        select(AuditRow).where(*conditions).order_by(AuditRow.id.desc()).offset(offset).limit(limit)
    )
    return [_entry(row) for row in rows], total
