"""The question history as the back office reads it: browsing, the dashboard's figures, the
questions citizens could not get, and the clusters of them an admin teaches or dismisses."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from hall.store.errors import NotFound
from hall.store.tables import HistoryRow, InsightClusterRow, utcnow

__all__ = [
    "ClusterNotFound",
    "ClusterRecord",
    "HistoryFilter",
    "HistoryRecord",
    "cluster_id",
    "daily_counts",
    "get_cluster",
    "history_page",
    "history_texts",
    "insight_questions",
    "iter_history",
    "latencies",
    "list_clusters",
    "reopen_cluster",
    "resolve_cluster",
    "save_clusters",
    "set_triage",
    "top_matters",
]

#: The decisions the guide makes, in the order reports list them.
DECISIONS = ("answer", "element", "clarify", "none", "welcome")
#: Declines that are no need of the catalogue: chit-chat, rudeness, blocked topics, nothing said.
NOT_A_NEED = ("chitchat", "rude", "blocked", "empty")


class ClusterNotFound(NotFound):
    def __init__(self, cluster: str) -> None:
        super().__init__(f"no open cluster {cluster!r}; list the clusters again")


@dataclass(frozen=True)
class HistoryFilter:
    """What the history browser filters on; every field optional."""

    since: datetime | None = None
    until: datetime | None = None
    decision: str | None = None
    channel: str | None = None
    matter: str | None = None
    unhelpful: bool = False
    min_score: float | None = None
    max_score: float | None = None
    text: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(HistoryRow.asked_at >= self.since)
        if self.until is not None:
            found.append(HistoryRow.asked_at < self.until)
        if self.decision:
            found.append(HistoryRow.decision == self.decision)
        if self.channel:
            found.append(HistoryRow.channel == self.channel)
        if self.matter:
            found.append(HistoryRow.matter_code == self.matter)
        if self.unhelpful:
            found.append(HistoryRow.helpful.is_(False))
        if self.min_score is not None:
            found.append(HistoryRow.score >= self.min_score)
        if self.max_score is not None:
            found.append(HistoryRow.score < self.max_score)
        if self.text:
            escaped = self.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            found.append(HistoryRow.query.like(f"%{escaped}%", escape="\\"))
        return found


@dataclass(frozen=True)
class HistoryRecord:
    id: int
    asked_at: datetime
    session_id: str | None
    channel: str
    turn: int | None
    query: str
    normalized: str
    decision: str
    reason: str | None
    matter_code: str | None
    score: float | None
    latency_ms: float | None
    helpful: bool | None
    comment: str | None
    reply: str | None
    candidates: list[dict[str, Any]]
    triage: str | None
    #: The sentence vector (float16 bytes), read only for the insight's clustering.
    vector: bytes | None = field(default=None, repr=False)
    #: Why the insight lists it: declined, abandoned, unhelpful (the citizen got nothing), or
    #: chosen (a "did you mean" answered by a choice), low_score.
    outcome: str | None = None


def _record(row: HistoryRow, *, vector: bool = False) -> HistoryRecord:
    return HistoryRecord(
        row.id,
        row.asked_at,
        row.session_id,
        row.channel,
        row.turn,
        row.query,
        row.normalized,
        row.decision,
        row.reason,
        row.matter_code,
        row.score,
        row.latency_ms,
        row.helpful,
        row.comment,
        row.reply,
        list(row.candidates or []),
        row.triage,
        row.vector if vector else None,
    )


def history_page(
    session: Session, where: HistoryFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[HistoryRecord], int]:
    """The history, newest first, filtered; the page and the total count."""
    conditions = where.conditions()
    total = int(
        session.scalar(select(func.count()).select_from(HistoryRow).where(*conditions)) or 0
    )
    rows = session.scalars(
        select(HistoryRow)
        .where(*conditions)
        .order_by(HistoryRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_record(row) for row in rows], total


def iter_history(
    session: Session, where: HistoryFilter, *, batch: int = 1000
) -> Iterator[HistoryRecord]:
    """Every row that matches, oldest first, read in batches (a CSV export of any size)."""
    last = 0
    conditions = where.conditions()
    while True:
        rows = list(
            session.scalars(
                select(HistoryRow)
                .where(HistoryRow.id > last, *conditions)
                .order_by(HistoryRow.id)
                .limit(batch)
            )
        )
        if not rows:
            return
        for row in rows:
            yield _record(row)
        last = rows[-1].id


# -- the dashboard --------------------------------------------------------------------------------


def daily_counts(
    session: Session, *, since: datetime, offset: timedelta
) -> dict[str, dict[str, int]]:
    """Day (in the hall's time, ``offset`` from UTC) -> counts of each decision and of the
    citizens' helpful / unhelpful presses."""
    rows = session.execute(
        select(HistoryRow.asked_at, HistoryRow.decision, HistoryRow.helpful).where(
            HistoryRow.asked_at >= since
        )
    )
    days: dict[str, dict[str, int]] = {}
    for asked_at, decision, helpful in rows:
        day = (asked_at + offset).date().isoformat()
        counts = days.setdefault(day, {d: 0 for d in (*DECISIONS, "helpful", "unhelpful")})
        counts[decision] = counts.get(decision, 0) + 1
        if helpful is True:
            counts["helpful"] += 1
        elif helpful is False:
            counts["unhelpful"] += 1
    return dict(sorted(days.items()))


def top_matters(session: Session, *, since: datetime, limit: int = 10) -> list[tuple[str, int]]:
    rows = session.execute(
        select(HistoryRow.matter_code, func.count())
        .where(HistoryRow.asked_at >= since, HistoryRow.matter_code.is_not(None))
        .group_by(HistoryRow.matter_code)
        .order_by(func.count().desc(), HistoryRow.matter_code)
        .limit(limit)
    )
    return [(str(code), int(count)) for code, count in rows]


def latencies(session: Session, *, since: datetime) -> list[float]:
    """The engine's latency of every question since ``since`` (for median and p95)."""
    rows = session.scalars(
        select(HistoryRow.latency_ms).where(
            HistoryRow.asked_at >= since, HistoryRow.latency_ms.is_not(None)
        )
    )
    return [float(v) for v in rows if v is not None]


# -- what citizens could not get -------------------------------------------------------------------


#: Outcomes in which the citizen got nothing: what the insight lists first among equals.
FAILED = ("declined", "abandoned", "unhelpful")


def insight_questions(
    session: Session, *, since: datetime, low_score: float, limit: int = 50_000
) -> list[HistoryRecord]:
    """Open questions the guide did not serve well: declined (not chit-chat, rudeness or
    nothing said), marked unhelpful, a "did you mean" the citizen left without choosing or
    answered only by choosing (the guide hesitated: the choice says what it should have
    answered), or an answer with a low score. Oldest first; ``outcome`` says which."""
    later = aliased(HistoryRow)
    chosen = (
        exists()
        .where(
            later.session_id == HistoryRow.session_id,
            later.turn > HistoryRow.turn,
            later.decision.in_(("answer", "element")),
        )
        .label("chosen")
    )
    needs = or_(
        and_(
            HistoryRow.decision == "none",
            or_(HistoryRow.reason.is_(None), HistoryRow.reason.not_in(NOT_A_NEED)),
        ),
        and_(HistoryRow.decision == "clarify", HistoryRow.session_id.is_not(None)),
        and_(HistoryRow.decision == "answer", HistoryRow.score < low_score),
        HistoryRow.helpful.is_(False),
    )
    rows = session.execute(
        select(HistoryRow, chosen)
        .where(HistoryRow.asked_at >= since, HistoryRow.triage.is_(None), needs)
        .order_by(HistoryRow.id)
        .limit(limit)
    )
    found = []
    for row, was_chosen in rows:
        if row.helpful is False:
            outcome = "unhelpful"
        elif row.decision == "none":
            outcome = "declined"
        elif row.decision == "clarify":
            outcome = "chosen" if was_chosen else "abandoned"
        else:
            outcome = "low_score"
        found.append(replace(_record(row, vector=True), outcome=outcome))
    return found


def history_texts(session: Session, history_ids: Sequence[int]) -> list[str]:
    """The distinct questions of these rows, in the order they were asked."""
    texts: dict[str, None] = {}
    for start in range(0, len(history_ids), 500):
        chunk = sorted(history_ids)[start : start + 500]
        rows = session.execute(
            select(HistoryRow.id, HistoryRow.query).where(HistoryRow.id.in_(chunk))
        )
        for _, text in sorted(rows):
            texts.setdefault(text, None)
    return list(texts)


def set_triage(session: Session, history_ids: Sequence[int], triage: str | None) -> int:
    """Mark questions as dealt with (taught, dismissed, out_of_scope) or open again (None)."""
    count = 0
    for start in range(0, len(history_ids), 500):
        chunk = list(history_ids[start : start + 500])
        result = session.execute(
            update(HistoryRow).where(HistoryRow.id.in_(chunk)).values(triage=triage)
        )
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return count


@dataclass(frozen=True)
class ClusterRecord:
    id: str
    computed_at: datetime
    size: int
    questions: list[int]
    texts: list[str]
    suggestions: list[dict[str, Any]]
    first_seen: datetime
    last_seen: datetime
    state: str
    action: dict[str, Any] | None
    resolved_by: str | None
    resolved_at: datetime | None
    #: How many of its questions got nothing (declined, abandoned, unhelpful).
    failed: int = 0


def cluster_id(history_ids: Sequence[int]) -> str:
    """A cluster's id: the digest of its questions, so the same group keeps its id."""
    joined = ",".join(str(i) for i in sorted(history_ids))
    return hashlib.sha1(joined.encode()).hexdigest()


def _cluster(row: InsightClusterRow) -> ClusterRecord:
    return ClusterRecord(
        row.id,
        row.computed_at,
        row.size,
        list(row.questions),
        list(row.texts),
        list(row.suggestions),
        row.first_seen,
        row.last_seen,
        row.state,
        row.action,
        row.resolved_by,
        row.resolved_at,
        row.failed,
    )


def save_clusters(session: Session, clusters: Sequence[ClusterRecord]) -> None:
    """Keep the clusters of a computation; open ones of earlier computations go (resolved ones
    stay, with what was done)."""
    wanted = {c.id for c in clusters}
    stale = session.scalars(
        select(InsightClusterRow).where(
            InsightClusterRow.state == "open", InsightClusterRow.id.not_in(wanted)
        )
    )
    for row in stale:
        session.delete(row)
    for cluster in clusters:
        found = session.get(InsightClusterRow, cluster.id)
        if found is None:
            session.add(
                InsightClusterRow(
                    id=cluster.id,
                    computed_at=cluster.computed_at,
                    size=cluster.size,
                    questions=cluster.questions,
                    texts=cluster.texts,
                    suggestions=cluster.suggestions,
                    first_seen=cluster.first_seen,
                    last_seen=cluster.last_seen,
                    state="open",
                    failed=cluster.failed,
                )
            )
        elif found.state == "open":
            found.computed_at = cluster.computed_at
            found.suggestions = cluster.suggestions
    session.flush()


def list_clusters(session: Session, *, state: str = "open") -> list[ClusterRecord]:
    rows = session.scalars(
        select(InsightClusterRow)
        .where(InsightClusterRow.state == state)
        .order_by(
            InsightClusterRow.size.desc(),
            InsightClusterRow.failed.desc(),
            InsightClusterRow.last_seen.desc(),
        )
    )
    return [_cluster(row) for row in rows]


def get_cluster(session: Session, cluster: str, *, open_only: bool = True) -> ClusterRecord:
    row = session.get(InsightClusterRow, cluster[:40])
    if row is None or (open_only and row.state != "open"):
        raise ClusterNotFound(cluster)
    return _cluster(row)


def resolve_cluster(
    session: Session, cluster: str, *, state: str, action: dict[str, Any], by: str
) -> ClusterRecord:
    """Close a cluster (taught, dismissed, out_of_scope) and its questions with it."""
    row = session.get(InsightClusterRow, cluster[:40])
    if row is None or row.state != "open":
        raise ClusterNotFound(cluster)
    row.state = state
    row.action = action
    row.resolved_by = by
    row.resolved_at = utcnow()
    set_triage(session, list(row.questions), state)
    session.flush()
    return _cluster(row)


def reopen_cluster(session: Session, cluster: str) -> None:
    """Undo a resolution: the cluster and its questions are open again."""
    row = session.get(InsightClusterRow, cluster[:40])
    if row is None:
        raise ClusterNotFound(cluster)
    row.state = "open"
    row.action = None
    row.resolved_by = None
    row.resolved_at = None
    set_triage(session, list(row.questions), None)
