"""The admin API of the guide that learns: the question history, what citizens could not get
(clusters) and the lessons that teach the guide, the dashboard's figures, the test console and
the decision's thresholds."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from hall.admin import HALL_TIMEZONE, AdminInvalid
from hall.admin.console import inspect, preview_thresholds
from hall.admin.dashboard import dashboard
from hall.admin.insight import compute_clusters, default_since, teach, undo
from hall.api.deps import AdminDep, EditorDep, EngineDep, RefresherDep, StoreDep, ViewerDep
from hall.api.routes.admin import ADMIN_RESPONSES
from hall.guide import Thresholds
from hall.guide.tuning import ThresholdsInvalid, parse_thresholds, save_thresholds
from hall.store import HistoryFilter, HistoryRecord, history_page, iter_history

__all__ = ["router"]

router = APIRouter(prefix="/api/admin", tags=["admin: insight"], responses=ADMIN_RESPONSES)

Page = Annotated[int, Query(ge=1, le=100_000)]
DECISIONS = "answer, element, clarify, none or welcome"
CHANNELS = "chat, search, cli or api"
Size = Annotated[int, Query(ge=1, le=500)]


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=HALL_TIMEZONE)


def history_filter(
    since: datetime | None,
    until: datetime | None,
    decision: str | None,
    channel: str | None,
    matter: str | None,
    unhelpful: bool,
    min_score: float | None,
    max_score: float | None,
    q: str | None,
) -> HistoryFilter:
    """The browser's filters; a time without a zone is China's."""
    return HistoryFilter(
        since=_aware(since),
        until=_aware(until),
        decision=decision or None,
        channel=channel or None,
        matter=matter or None,
        unhelpful=unhelpful,
        min_score=min_score,
        max_score=max_score,
        text=q or None,
    )


class HistoryItemPublic(BaseModel):
    id: int
    asked_at: datetime
    channel: str
    session_id: str | None = None
    turn: int | None = None
    question: str = Field(description="As asked; personal numbers and blocked words masked.")
    normalized: str
    decision: str
    reason: str | None = None
    matter: str | None = None
    score: float | None = None
    latency_ms: float | None = None
    helpful: bool | None = None
    comment: str | None = None
    candidates: list[dict[str, Any]] = Field(
        default_factory=list, description="[{code, title, score, why}]: the engine's ranking."
    )
    triage: str | None = None

    @classmethod
    def from_domain(cls, row: HistoryRecord) -> HistoryItemPublic:
        return cls(
            id=row.id,
            asked_at=row.asked_at,
            channel=row.channel,
            session_id=row.session_id,
            turn=row.turn,
            question=row.query,
            normalized=row.normalized,
            decision=row.decision,
            reason=row.reason,
            matter=row.matter_code,
            score=row.score,
            latency_ms=row.latency_ms,
            helpful=row.helpful,
            comment=row.comment,
            candidates=row.candidates,
            triage=row.triage,
        )


class HistoryPublic(BaseModel):
    data: list[HistoryItemPublic]
    count: int
    page: int
    size: int


@router.get("/history", response_model=HistoryPublic, summary="The question history, filtered")
def history(
    _: ViewerDep,
    store: StoreDep,
    since: datetime | None = None,
    until: datetime | None = None,
    decision: Annotated[
        str | None, Query(max_length=16, description="answer|element|clarify|none|welcome")
    ] = None,
    channel: Annotated[str | None, Query(max_length=16, description="chat|search|cli|api")] = None,
    matter: Annotated[str | None, Query(max_length=128)] = None,
    unhelpful: Annotated[bool, Query(description="Only replies marked 没帮助.")] = False,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Page = 1,
    size: Size = 50,
) -> HistoryPublic:
    where = history_filter(
        since, until, decision, channel, matter, unhelpful, min_score, max_score, q
    )
    with store.session(commit=False) as session:
        rows, count = history_page(session, where, offset=(page - 1) * size, limit=size)
    return HistoryPublic(
        data=[HistoryItemPublic.from_domain(r) for r in rows], count=count, page=page, size=size
    )


CSV_COLUMNS = (
    "id",
    "asked_at",
    "channel",
    "session_id",
    "turn",
    "question",
    "normalized",
    "decision",
    "reason",
    "matter",
    "score",
    "latency_ms",
    "helpful",
    "comment",
    "candidates",
)


def csv_rows(store: Any, where: HistoryFilter) -> Iterator[str]:
    """The history as CSV (a BOM for spreadsheets), written as it is read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    with store.session(commit=False) as session:
        for row in iter_history(session, where):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(
                [
                    row.id,
                    row.asked_at.astimezone(HALL_TIMEZONE).isoformat(timespec="seconds"),
                    row.channel,
                    row.session_id or "",
                    row.turn or "",
                    _cell(row.query),
                    _cell(row.normalized),
                    row.decision,
                    row.reason or "",
                    row.matter_code or "",
                    "" if row.score is None else f"{row.score:.4f}",
                    "" if row.latency_ms is None else f"{row.latency_ms:.1f}",
                    "" if row.helpful is None else ("yes" if row.helpful else "no"),
                    _cell(row.comment or ""),
                    "；".join(f"{c['code']} {c.get('score', 0):.3f}" for c in row.candidates),
                ]
            )
            yield buffer.getvalue()


def _cell(text: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@router.get(
    "/history.csv",
    summary="The question history as CSV (the same filters)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def history_csv(
    _: ViewerDep,
    store: StoreDep,
    since: datetime | None = None,
    until: datetime | None = None,
    decision: Annotated[str | None, Query(max_length=16)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    matter: Annotated[str | None, Query(max_length=128)] = None,
    unhelpful: bool = False,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> StreamingResponse:
    where = history_filter(
        since, until, decision, channel, matter, unhelpful, min_score, max_score, q
    )
    return StreamingResponse(
        csv_rows(store, where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hall-history.csv"'},
    )


# -- what citizens could not get ---------------------------------------------------------------


class ClusterPublic(BaseModel):
    id: str
    size: int = Field(description="How many questions (citizens) it holds.")
    questions: list[str] = Field(description="Its distinct questions (at most 20 shown).")
    suggestions: list[dict[str, str]] = Field(description="[{code, title}] the engine ranked.")
    first_seen: datetime
    last_seen: datetime
    failed: int = Field(
        default=0,
        description="How many of its questions got nothing (declined, abandoned, 没帮助).",
    )


class ClustersPublic(BaseModel):
    clusters: list[ClusterPublic]


@router.get(
    "/insight/clusters",
    response_model=ClustersPublic,
    summary="What citizens could not get since a time, grouped by need, most asked first",
    description='Declined questions, a "did you mean" left without a choice, low-score '
    "answers and answers marked 没帮助, not yet taught or dismissed. Computed now (and kept, so "
    "that a teach request reaching another process finds the cluster).",
)
def clusters(
    _: ViewerDep,
    engine: EngineDep,
    since: Annotated[datetime | None, Query(description="Default: the last 30 days.")] = None,
) -> ClustersPublic:
    found = compute_clusters(engine, since=_aware(since) or default_since())
    return ClustersPublic(
        clusters=[
            ClusterPublic(
                id=c.id,
                size=c.size,
                questions=c.texts,
                suggestions=c.suggestions,
                first_seen=c.first_seen,
                last_seen=c.last_seen,
                failed=c.failed,
            )
            for c in found
        ]
    )


_TEACH_EXAMPLES = {
    "questions": {"value": {"action": "questions", "matter": "HD-0408"}},
    "synonyms": {"value": {"action": "synonyms", "group": ["往来港澳通行证", "小蓝本本"]}},
    "faq": {"value": {"action": "faq", "question": "周末能办事吗", "answer": "周六上午延时服务。"}},
    "out_of_scope": {"value": {"action": "out_of_scope"}},
    "dismiss": {"value": {"action": "dismiss"}},
}


@router.post(
    "/insight/clusters/{cluster}/teach",
    summary="Teach the guide from a cluster, in one click",
    description="`questions` (attach its questions to `matter`), `synonyms` (add `group`, the "
    "catalogue's word first), `faq` (`question`, `answer`), `out_of_scope` (the guide keeps "
    "declining them) or `dismiss`. Audited as `teach`, undoable from the audit; live in every "
    "process within seconds; the cluster leaves the list.",
)
def teach_cluster(
    who: EditorDep,
    engine: EngineDep,
    refresher: RefresherDep,
    cluster: Annotated[str, Path(max_length=40)],
    lesson: Annotated[dict[str, Any], Body(openapi_examples=_TEACH_EXAMPLES)],
) -> dict[str, Any]:
    done = teach(engine, cluster, lesson, by=who.name)
    if refresher is not None:
        refresher.poke()
    return {"cluster": cluster, "done": done}


@router.post(
    "/audit/{entry_id}/undo",
    summary="Undo a lesson (a teach entry of the audit): what it added goes, its cluster reopens",
)
def undo_entry(
    who: EditorDep,
    engine: EngineDep,
    refresher: RefresherDep,
    entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> dict[str, Any]:
    undone = undo(engine, entry_id, by=who.name)
    if refresher is not None:
        refresher.poke()
    return undone


# -- dashboard and console ------------------------------------------------------------------------


@router.get("/dashboard", summary="Questions per day, decisions, feedback, top matters, latency")
def read_dashboard(
    _: ViewerDep, engine: EngineDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> dict[str, Any]:
    board = dashboard(engine, days=days)
    return {
        "days": board.days,
        "total": board.total,
        "shares": board.shares,
        "helpful": board.helpful,
        "unhelpful": board.unhelpful,
        "helpful_rate": board.helpful_rate,
        "top_matters": [{"code": c, "title": t, "count": n} for c, t, n in board.top_matters],
        "top_clusters": [
            {"id": c.id, "size": c.size, "questions": c.texts[:3]} for c in board.clusters
        ],
        "latency_ms": {"p50": board.latency_p50, "p95": board.latency_p95},
    }


@router.get("/console", summary="What the engine makes of a question, step by step")
def console(
    _: ViewerDep, engine: EngineDep, q: Annotated[str, Query(max_length=500)]
) -> dict[str, Any]:
    return inspect(engine, q)


def _thresholds(engine: Any, body: dict[str, Any]) -> Thresholds:
    try:
        return parse_thresholds(body, engine.thresholds)
    except ThresholdsInvalid as exc:
        raise AdminInvalid(str(exc)) from None


_THRESHOLDS_EXAMPLE = {"answer": 0.5, "margin": 0.1, "clarify": 0.2, "in_scope": 1.39}


@router.get("/thresholds", summary="The decision's thresholds in force")
def read_thresholds(_: ViewerDep, engine: EngineDep) -> dict[str, float]:
    return _public(engine.thresholds)


def _public(t: Thresholds) -> dict[str, float]:
    return {"answer": t.answer, "margin": t.margin, "clarify": t.clarify, "in_scope": t.in_scope}


@router.post(
    "/thresholds/preview",
    summary="How the last 7 days' questions would have been decided with other thresholds",
)
def thresholds_preview(
    _: AdminDep,
    engine: EngineDep,
    body: Annotated[dict[str, Any], Body(examples=[_THRESHOLDS_EXAMPLE])],
    days: Annotated[int, Query(ge=1, le=30)] = 7,
) -> dict[str, Any]:
    preview = preview_thresholds(engine, _thresholds(engine, body), days=days)
    return {
        "questions": preview.questions,
        "current": preview.current,
        "proposed": preview.proposed,
        "changed": [{"question": q, "now": a, "then": b} for q, a, b in preview.changed[:200]],
    }


@router.put("/thresholds", summary="Change the decision's thresholds (admins only)")
def put_thresholds(
    who: AdminDep,
    engine: EngineDep,
    store: StoreDep,
    refresher: RefresherDep,
    body: Annotated[dict[str, Any], Body(examples=[_THRESHOLDS_EXAMPLE])],
) -> dict[str, float]:
    new = _thresholds(engine, body)
    save_thresholds(store, new, by=who.name)
    if refresher is not None:
        refresher.poke()
    return {
        "answer": new.answer,
        "margin": new.margin,
        "clarify": new.clarify,
        "in_scope": new.in_scope,
    }
