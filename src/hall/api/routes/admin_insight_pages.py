"""The back office's pages of the guide that learns: the dashboard (the home page), the question
history, what citizens could not get with its one-click lessons, and the test console."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from hall.admin import HALL_TIMEZONE, AdminInvalid, overview
from hall.admin.console import inspect, preview_thresholds
from hall.admin.dashboard import dashboard
from hall.admin.insight import compute_clusters, default_since, open_clusters, teach, undo
from hall.api.deps import AdminDep, EditorDep, EngineDep, RefresherDep, StoreDep, ViewerDep
from hall.api.routes.admin_insight import csv_rows, history_filter
from hall.api.routes.admin_pages import DECISION_LABELS, NOTICES, _pages, _render, _url
from hall.guide.tuning import ThresholdsInvalid, parse_thresholds, save_thresholds
from hall.store import HistoryFilter, history_page

__all__ = ["router"]

router = APIRouter(prefix="/admin", include_in_schema=False)

NOTICES.update(
    {
        "taught": "已教会导办员，几秒钟内即对市民生效。",
        "dismissed": "已忽略这组问题。",
        "undone": "已撤销这次教学，问题组重新列出。",
        "thresholds": "阈值已保存，几秒钟内即对市民生效。",
        "refreshed": "已重新分析。",
    }
)
REASON_LABELS = {
    "match": "匹配",
    "close": "相近",
    "no_match": "无匹配",
    "chitchat": "闲聊",
    "rude": "不文明",
    "blocked": "屏蔽",
    "empty": "空白",
    "event": "一件事",
}
CHANNEL_LABELS = {"chat": "对话", "search": "搜索", "cli": "命令行", "api": "接口"}
TRIAGE_LABELS = {"taught": "已教学", "dismissed": "已忽略", "out_of_scope": "超出范围"}


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=HALL_TIMEZONE)
    return start + timedelta(days=1) if end else start


def _local(moment: datetime) -> str:
    return moment.astimezone(HALL_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")


# -- the dashboard: the home page ---------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: ViewerDep, engine: EngineDep) -> Response:
    board = dashboard(engine, days=30)
    series = {
        "days": list(board.days),
        "answer": [d["answer"] + d["element"] for d in board.days.values()],
        "clarify": [d["clarify"] for d in board.days.values()],
        "none": [d["none"] for d in board.days.values()],
    }
    return _render(
        request,
        "home.html",
        title="首页",
        overview=overview(engine),
        board=board,
        series=json.dumps(series, ensure_ascii=False),
        decisions=DECISION_LABELS,
    )


# -- history --------------------------------------------------------------------------------------


@router.get("/history", response_class=HTMLResponse)
def history(
    request: Request,
    who: ViewerDep,
    store: StoreDep,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    decision: Annotated[str | None, Query(max_length=16)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    matter: Annotated[str | None, Query(max_length=128)] = None,
    unhelpful: Annotated[bool, Query()] = False,
    band: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    size = 50
    low, high = _band(band)
    where = HistoryFilter(
        since=_day(since),
        until=_day(until, end=True),
        decision=decision or None,
        channel=channel or None,
        matter=matter or None,
        unhelpful=unhelpful,
        min_score=low,
        max_score=high,
        text=q or None,
    )
    with store.session(commit=False) as session:
        rows, count = history_page(session, where, offset=(page - 1) * size, limit=size)
    filters = {
        "since": since if where.since else None,
        "until": until if where.until else None,
        "decision": decision,
        "channel": channel,
        "matter": matter,
        "unhelpful": "true" if unhelpful else None,
        "band": band,
        "q": q,
    }
    return _render(
        request,
        "history.html",
        title="问题历史",
        rows=rows,
        count=count,
        filters=filters,
        decisions=DECISION_LABELS,
        reasons=REASON_LABELS,
        channels=CHANNEL_LABELS,
        triage=TRIAGE_LABELS,
        bands=BANDS,
        local=_local,
        csv_url=_url("/admin/history.csv", **filters),
        **_pages("/admin/history", filters, page=page, count=count, size=size),
    )


#: Score bands of the history browser: name -> (label, low, high).
BANDS = {
    "low": ("低（< 0.4）", 0.0, 0.4),
    "mid": ("中（0.4-0.6）", 0.4, 0.6),
    "high": ("高（≥ 0.6）", 0.6, 1.01),
}


def _band(name: str | None) -> tuple[float | None, float | None]:
    if name in BANDS:
        _, low, high = BANDS[name]
        return low, high
    return None, None


@router.get("/history.csv")
def history_download(
    who: ViewerDep,
    store: StoreDep,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    decision: Annotated[str | None, Query(max_length=16)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    matter: Annotated[str | None, Query(max_length=128)] = None,
    unhelpful: Annotated[bool, Query()] = False,
    band: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> StreamingResponse:
    low, high = _band(band)
    where = history_filter(
        _day(since), _day(until, end=True), decision, channel, matter, unhelpful, low, high, q
    )
    return StreamingResponse(
        csv_rows(store, where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hall-history.csv"'},
    )


# -- insight --------------------------------------------------------------------------------------


@router.get("/insight", response_class=HTMLResponse)
def insight(request: Request, who: ViewerDep, engine: EngineDep) -> Response:
    """The clusters of the last analysis (fast, whatever the history's size); the admin asks
    for a new analysis with one button."""
    clusters = open_clusters(engine)
    return _render(
        request,
        "insight.html",
        title="市民没问到的",
        clusters=clusters[:100],
        count=len(clusters),
        computed=_local(max(c.computed_at for c in clusters)) if clusters else None,
        local=_local,
    )


@router.post("/insight/refresh")
def insight_refresh(who: ViewerDep, engine: EngineDep) -> Response:
    compute_clusters(engine, since=default_since())
    return RedirectResponse("/admin/insight?done=refreshed", status_code=303)


@router.post("/insight/{cluster}/teach", response_class=HTMLResponse)
def insight_teach(
    request: Request,
    who: EditorDep,
    engine: EngineDep,
    refresher: RefresherDep,
    cluster: Annotated[str, Path(max_length=40)],
    action: Annotated[str, Form(max_length=16)],
    matter: Annotated[str, Form(max_length=128)] = "",
    group: Annotated[str, Form(max_length=400)] = "",
    question: Annotated[str, Form(max_length=500)] = "",
    answer: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    lesson: dict[str, Any] = {"action": action}
    if action == "questions":
        lesson["matter"] = matter.strip()
    elif action == "synonyms":
        lesson["group"] = [w for w in group.replace("＝", "=").replace("，", "=").split("=") if w]
    elif action == "faq":
        lesson |= {"question": question, "answer": answer}
    try:
        teach(engine, cluster, lesson, by=who.name)
    except AdminInvalid as exc:
        clusters = open_clusters(engine)
        return _render(
            request,
            "insight.html",
            title="市民没问到的",
            status=422,
            clusters=clusters[:100],
            count=len(clusters),
            computed=None,
            local=_local,
            error=str(exc),
        )
    if refresher is not None:
        refresher.poke()
    done = "dismissed" if action == "dismiss" else "taught"
    return RedirectResponse(f"/admin/insight?done={done}", status_code=303)


@router.post("/audit/{entry_id}/undo")
def audit_undo(
    who: EditorDep,
    engine: EngineDep,
    refresher: RefresherDep,
    entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    undo(engine, entry_id, by=who.name)
    if refresher is not None:
        refresher.poke()
    return RedirectResponse("/admin/insight?done=undone", status_code=303)


# -- the test console ---------------------------------------------------------------------------


@router.get("/console", response_class=HTMLResponse)
def console(
    request: Request,
    who: ViewerDep,
    engine: EngineDep,
    q: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return _render(
        request,
        "console.html",
        title="测试台",
        q=q or "",
        result=inspect(engine, q) if q else None,
        thresholds=engine.thresholds,
        preview=None,
        proposed=None,
        decisions=DECISION_LABELS,
        reasons=REASON_LABELS,
    )


def _proposed(engine: Any, answer: str, margin: str, clarify: str, in_scope: str) -> Any:
    try:
        values = {
            name: float(text)
            for name, text in (
                ("answer", answer),
                ("margin", margin),
                ("clarify", clarify),
                ("in_scope", in_scope),
            )
            if text.strip()
        }
    except ValueError:
        raise AdminInvalid("阈值须为数字") from None
    try:
        return parse_thresholds(values, engine.thresholds)
    except ThresholdsInvalid as exc:
        raise AdminInvalid(str(exc)) from None


@router.post("/console/thresholds", response_class=HTMLResponse)
def console_thresholds(
    request: Request,
    who: AdminDep,
    engine: EngineDep,
    store: StoreDep,
    refresher: RefresherDep,
    answer: Annotated[str, Form(max_length=10)] = "",
    margin: Annotated[str, Form(max_length=10)] = "",
    clarify: Annotated[str, Form(max_length=10)] = "",
    in_scope: Annotated[str, Form(max_length=10)] = "",
    action: Annotated[str, Form(max_length=16)] = "preview",
) -> Response:
    try:
        proposed = _proposed(engine, answer, margin, clarify, in_scope)
    except AdminInvalid as exc:
        return _render(
            request,
            "console.html",
            title="测试台",
            status=422,
            q="",
            result=None,
            thresholds=engine.thresholds,
            preview=None,
            proposed=None,
            decisions=DECISION_LABELS,
            reasons=REASON_LABELS,
            error=str(exc),
        )
    if action == "save":
        save_thresholds(store, proposed, by=who.name)
        if refresher is not None:
            refresher.poke()
        return RedirectResponse("/admin/console?done=thresholds", status_code=303)
    return _render(
        request,
        "console.html",
        title="测试台",
        q="",
        result=None,
        thresholds=engine.thresholds,
        preview=preview_thresholds(engine, proposed),
        proposed=proposed,
        decisions=DECISION_LABELS,
        reasons=REASON_LABELS,
    )
