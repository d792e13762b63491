"""The back office's pages under ``/admin/``: server-rendered (Jinja2), forms that work without
JavaScript, a little script for the diffs and previews. Templates and assets ship in
``hall/admin`` (``templates/``, ``static/``) and nothing comes from a CDN.

Every page needs an account (signed out: the way to sign in); a page that changes something
needs the role for it, and its form carries the session's CSRF token. A form's action calls the
same functions as the JSON API, then redirects (POST, redirect, GET) with a short notice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
from datetime import date, timedelta
from importlib import resources
from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from hall.admin import (
    BANK_LABELS,
    HALL_TIMEZONE,
    AccountLocked,
    AdminError,
    AdminInvalid,
    BadCredentials,
    Role,
    SignedIn,
    bank_overview,
    bank_text,
    commit_import,
    diff_bank,
    export_catalogue,
    import_text,
    preview_import,
    save_bank,
    validate_record,
)
from hall.api.deps import (
    ADMIN_COOKIE,
    CSRF_FIELD,
    AccountsDep,
    AdminDep,
    BulkDep,
    EditorDep,
    RefresherDep,
    SettingsDep,
    StoreDep,
    ViewerDep,
    signed_in,
)
from hall.guide import (
    HallInfo,
    HallInfoInvalid,
    Persona,
    PersonaInvalid,
    State,
    load_hall_info,
    load_persona,
    parse_hall_info,
    save_hall_info,
    save_persona,
)
from hall.guide.persona import EXPRESSIONS, GESTURES, LINES
from hall.importers import EXPORT_FORMATS, Format, InterchangeError
from hall.lexicons import Bank, LexiconError, parse_bank
from hall.store import (
    FIELD_ORDER,
    LIST_FIELDS,
    Conflict,
    InvalidValue,
    MatterKind,
    MatterStatus,
    QuestionSource,
    add_question,
    create_matter,
    delete_matter,
    get_audit,
    get_matter,
    list_audit,
    list_questions,
    list_users,
    matter_facets,
    remove_question,
    search_matters,
    set_matter_status,
    update_matter,
)

__all__ = ["install", "router"]

log = logging.getLogger("hall.api")

router = APIRouter(prefix="/admin", include_in_schema=False)

LOGIN_CSRF_COOKIE = "hall_login_csrf"
_TEMPLATES = Jinja2Templates(directory=str(resources.files("hall.admin") / "templates"))
_STATIC = resources.files("hall.admin") / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_STATIC_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

#: The pages in the navigation, with the role each needs to be shown.
NAV: list[tuple[str, str, Role]] = [
    ("/admin/", "首页", Role.VIEWER),
    ("/admin/insight", "市民没问到的", Role.VIEWER),
    ("/admin/history", "问题历史", Role.VIEWER),
    ("/admin/console", "测试台", Role.VIEWER),
    ("/admin/matters", "事项", Role.VIEWER),
    ("/admin/questions", "问题库", Role.VIEWER),
    ("/admin/faq", "常见问题", Role.VIEWER),
    ("/admin/lexicons", "词库", Role.VIEWER),
    ("/admin/import", "导入导出", Role.VIEWER),
    ("/admin/persona", "导办员形象", Role.VIEWER),
    ("/admin/hall", "大厅信息", Role.VIEWER),
    ("/admin/users", "用户", Role.ADMIN),
    ("/admin/audit", "审计日志", Role.VIEWER),
]

#: Notices a redirect may name (``?done=key``): fixed texts, never echoed from the URL.
NOTICES = {
    "saved": "已保存。",
    "created": "已新增。",
    "question-added": "已添加问法，几秒钟内即对市民生效。",
    "question-removed": "已删除问法。",
    "retired": "事项已停用。",
    "restored": "事项已恢复。",
    "deleted": "已删除。",
    "imported": "导入完成。",
    "bank-saved": "词库已保存，几秒钟内即对市民生效。",
    "user-added": "已新增用户。",
    "user-saved": "已更新用户。",
    "unchanged": "没有需要保存的修改。",
}

STATE_LABELS = {
    State.IDLE: "空闲",
    State.WELCOME: "欢迎",
    State.LISTENING: "倾听",
    State.THINKING: "思考",
    State.ANSWERING: "解答",
    State.CLARIFYING: "确认（您是想……）",
    State.APOLOGISING: "致歉",
    State.GOODBYE: "告别",
}
LINE_LABELS = {
    "handoff": "多次未能解答时（转人工）",
    "element_missing": "事项缺少某项信息时",
    "next_done": "办事指南已全部介绍时",
    "empty": "市民没有输入内容时",
    "rude": "市民言语不文明时",
    "blocked": "问题涉及屏蔽内容时",
    "chitchat": "闲聊时",
    "expired": "会话超时后",
}
EXPRESSION_LABELS = {
    "neutral": "平静",
    "smile": "微笑",
    "attentive": "专注",
    "thinking": "思考",
    "happy": "开心",
    "puzzled": "疑惑",
    "sorry": "抱歉",
}
GESTURE_LABELS = {
    "idle": "站立",
    "wave": "挥手",
    "nod": "点头",
    "listen": "倾听",
    "think": "托腮",
    "point": "指引",
    "present": "介绍",
    "shrug": "摊手",
    "bow": "鞠躬",
    "goodbye": "道别",
}
FIELD_LABELS = {
    "code": "事项编码",
    "title": "事项名称",
    "kind": "类别",
    "status": "状态",
    "department": "实施部门",
    "region": "地区",
    "type": "事项类型",
    "parent": "主项",
    "aliases": "简称、常用名称",
    "keywords": "关键词",
    "conditions": "受理条件",
    "materials": "申请材料",
    "process": "办理流程",
    "time_limit": "法定时限",
    "promised_time_limit": "承诺时限",
    "fee": "收费标准",
    "legal_basis": "法律依据",
    "location": "办理地点",
    "hours": "办公时间",
    "phone": "咨询电话",
    "url": "办事指南网址",
    "online_url": "在线办理网址",
    "answer": "答案",
    "source": "来源",
    "questions": "问法",
}
#: The fields of the matter form, in order; list fields are one item a line.
MATTER_FIELDS = [
    name for name in FIELD_ORDER if name not in {"code", "kind", "status", "questions"}
]
LONG_FIELDS = {"conditions", "legal_basis", "answer", "location"}
SOURCE_LABELS = {"imported": "导入", "admin": "管理员添加", "learned": "学习所得"}
ACTION_LABELS = {
    "import": "导入",
    "create": "新增",
    "update": "修改",
    "retire": "停用",
    "restore": "恢复",
    "delete": "删除",
    "add_question": "添加问法",
    "remove_question": "删除问法",
    "add_entries": "添加词条",
    "remove_entries": "删除词条",
    "replace": "替换词库",
    "create_token": "签发令牌",
    "revoke_token": "吊销令牌",
    "teach": "教学",
    "undo": "撤销",
}
ROLE_LABELS = {"viewer": "只读", "editor": "编辑", "admin": "管理员"}
DECISION_LABELS = {
    "answer": "直接解答",
    "element": "逐项指引",
    "clarify": "确认选项",
    "none": "未能解答",
    "welcome": "欢迎",
}


def _url(path: str, **query: Any) -> str:
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(params)}" if params else path


def _pages(
    path: str, filters: dict[str, Any], *, page: int, count: int, size: int
) -> dict[str, Any]:
    """A listing's page, its number of pages and the links to its neighbours, filters kept."""
    pages = max(1, (count + size - 1) // size)
    return {
        "page": page,
        "pages": pages,
        "prev_url": _url(path, **filters, page=page - 1) if page > 1 else None,
        "next_url": _url(path, **filters, page=page + 1) if page < pages else None,
    }


def _done(path: str, key: str) -> RedirectResponse:
    return RedirectResponse(_url(path, done=key), status_code=303)


def _render(
    request: Request,
    template: str,
    *,
    title: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    who: SignedIn | None = getattr(request.state, "signed_in", None)
    done = request.query_params.get("done")
    page = {
        "request": request,
        "title": title,
        "who": who,
        "csrf": who.csrf if who else None,
        "csrf_field": CSRF_FIELD,
        "nav": [(href, label) for href, label, role in NAV if who and who.role.allows(role)],
        "path": request.url.path,
        "notice": NOTICES.get(done or ""),
        "can_edit": bool(who and who.role.allows(Role.EDITOR)),
        "is_admin": bool(who and who.role.allows(Role.ADMIN)),
        "role_labels": ROLE_LABELS,
        **context,
    }
    return _TEMPLATES.TemplateResponse(request, template, page, status_code=status)


def _error_page(request: Request, status: int, message: str) -> Response:
    """How ``api/errors.py`` answers an error on a page: a page saying so, in Chinese."""
    who = getattr(request.state, "signed_in", None)
    if who is None:
        with contextlib.suppress(AdminError):
            request.state.signed_in = signed_in(request)
    titles = {403: "无权访问", 404: "未找到", 409: "冲突", 422: "内容有误", 429: "请稍后再试"}
    return _render(
        request,
        "error.html",
        title=titles.get(status, "出错了"),
        status=status,
        message=message,
        code=status,
    )


def install(app: FastAPI) -> None:
    """Mount the pages and let the error handlers answer page requests with pages."""
    app.state.error_page = _error_page
    app.include_router(router)


# -- assets ------------------------------------------------------------------------------------


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
def static(request: Request, name: Annotated[str, Path(max_length=64)]) -> Response:
    """The back office's CSS and script, from the package (public: they hold no data)."""
    return _static(request, _STATIC, name)


@router.api_route("/static/vendor/{name}", methods=["GET", "HEAD"])
def vendor(request: Request, name: Annotated[str, Path(max_length=64)]) -> Response:
    """Libraries from npm (Chart.js), copied into the package by ``make install``."""
    return _static(request, _STATIC / "vendor", name)


def _static(request: Request, folder: Any, name: str) -> Response:
    suffix = FsPath(name).suffix
    if not _STATIC_NAME.match(name) or suffix not in _STATIC_TYPES:
        raise HTTPException(404, "no such file")
    resource = folder / name
    if not resource.is_file():
        raise HTTPException(404, "no such file")
    content = resource.read_bytes()
    etag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=_STATIC_TYPES[suffix], headers=headers)


# -- signing in --------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a path of the back office itself: never an open redirect."""
    bad = ("\\", "\n", "\r")
    if target and target.startswith("/admin") and not any(c in target for c in bad):
        return target
    return "/admin/"


def _secure(request: Request, settings: Any) -> bool:
    mode = settings.admin_cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _login_page(
    request: Request, settings: Any, *, next_path: str, error: str | None, status: int = 200
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = _render(
        request,
        "login.html",
        title="登录",
        status=status,
        login_csrf=token,
        next_path=next_path,
        error=error,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=1800,
        path="/admin/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, settings: SettingsDep, next: Annotated[str | None, Query()] = None
) -> Response:
    try:
        who = signed_in(request)
    except AdminError:
        who = None
    if who is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, settings, next_path=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    accounts: AccountsDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/admin/",
) -> Response:
    target = _safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not login_csrf or not secrets.compare_digest(cookie, login_csrf):
        return _login_page(
            request,
            settings,
            next_path=target,
            error="登录页面已过期，请重新输入。",
            status=403,
        )
    try:
        user = accounts.authenticate(username, password)
    except AccountLocked as exc:
        minutes = max(1, int((exc.until - _now()).total_seconds() // 60) + 1)
        return _login_page(
            request,
            settings,
            next_path=target,
            error=f"{exc}（约{minutes}分钟后可再试）。",
            status=429,
        )
    except BadCredentials as exc:
        return _login_page(request, settings, next_path=target, error=str(exc), status=401)
    session_cookie, _csrf = accounts.start_session(user)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        ADMIN_COOKIE,
        session_cookie,
        max_age=settings.admin_session_minutes * 60,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/admin/login")
    log.info("%s signed in to the back office", user.name)
    return response


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


@router.post("/logout")
def logout(request: Request, who: ViewerDep, accounts: AccountsDep) -> Response:
    cookie = request.cookies.get(ADMIN_COOKIE)
    if cookie:
        accounts.end_session(cookie)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(ADMIN_COOKIE, path="/")
    log.info("%s signed out", who.name)
    return response


# -- matters -----------------------------------------------------------------------------------


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _matter_form(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in MATTER_FIELDS:
        value = form.get(name)
        text = value if isinstance(value, str) else ""
        data[name] = _lines(text) if name in LIST_FIELDS else text
    return data


def _matter_view(record: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in MATTER_FIELDS:
        value = getattr(record, name, None)
        if name in LIST_FIELDS:
            values[name] = "\n".join(value or ())
        else:
            values[name] = value or ""
    return values


def _page_matter(
    request: Request,
    *,
    store: Any,
    code: str | None,
    values: dict[str, Any],
    kind: str = "matter",
    error: str | None = None,
    status: int = 200,
    title: str,
) -> HTMLResponse:
    matter = None
    questions: list[Any] = []
    if code:
        with store.session(commit=False) as session:
            matter = get_matter(session, code)
            questions, _ = list_questions(session, code=code, limit=10_000)
    return _render(
        request,
        "matter.html",
        title=title,
        status=status,
        matter=matter,
        code=code,
        kind=kind,
        values=values,
        fields=MATTER_FIELDS,
        labels=FIELD_LABELS,
        list_fields=LIST_FIELDS,
        long_fields=LONG_FIELDS,
        questions=questions,
        sources=SOURCE_LABELS,
        error=error,
    )


@router.get("/matters", response_class=HTMLResponse)
def matters(
    request: Request,
    who: ViewerDep,
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    department: Annotated[str | None, Query(max_length=500)] = None,
    region: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    size = 50
    wanted = MatterStatus(status) if status in ("active", "retired") else None
    with store.session(commit=False) as session:
        items, count = search_matters(
            session,
            q,
            offset=(page - 1) * size,
            limit=size,
            include_retired=True,
            status=wanted,
            department=department or None,
            region=region or None,
            kind=MatterKind.MATTER,
        )
        facets = matter_facets(session)
    filters = {"q": q, "department": department, "region": region, "status": status}
    return _render(
        request,
        "matters.html",
        title="事项",
        items=items,
        count=count,
        filters=filters,
        facets=facets,
        **_pages("/admin/matters", filters, page=page, count=count, size=size),
    )


@router.get("/matters/new", response_class=HTMLResponse)
def matter_new_form(request: Request, who: EditorDep, store: StoreDep) -> Response:
    return _page_matter(
        request, store=store, code=None, values={n: "" for n in MATTER_FIELDS}, title="新增事项"
    )


@router.post("/matters/new", response_class=HTMLResponse)
async def matter_create(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
) -> Response:
    form = await request.form()
    values = _matter_form(form)
    code_value = form.get("code")
    code = code_value.strip() if isinstance(code_value, str) else ""

    def create() -> None:
        if not code:
            raise AdminInvalid("事项编码: 必填")
        record = validate_record({**values, "code": code}, settings, kind=MatterKind.MATTER)
        with store.session() as session:
            create_matter(session, record, by=who.name)

    try:
        await run_in_threadpool(create)
    except (AdminInvalid, Conflict) as exc:
        view = {k: ("\n".join(v) if isinstance(v, list) else v) for k, v in values.items()}
        return _page_matter(
            request,
            store=store,
            code=None,
            values={**view, "code": code},
            error=str(exc),
            status=422,
            title="新增事项",
        )
    _poke(refresher)
    return _done(f"/admin/matters/{code}", "created")


@router.get("/matters/{code}", response_class=HTMLResponse)
def matter_page(
    request: Request, who: ViewerDep, store: StoreDep, code: Annotated[str, Path(max_length=128)]
) -> Response:
    with store.session(commit=False) as session:
        matter = get_matter(session, code)
    return _page_matter(
        request,
        store=store,
        code=code,
        values=_matter_view(matter.record),
        kind=str(matter.record.kind),
        title=matter.record.title,
    )


@router.post("/matters/{code}", response_class=HTMLResponse)
async def matter_save(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    code: Annotated[str, Path(max_length=128)],
) -> Response:
    form = await request.form()
    values = _matter_form(form)

    def save() -> bool:
        with store.session(commit=False) as session:
            current = get_matter(session, code)
        record = validate_record({**values, "code": code}, settings, kind=current.record.kind)
        with store.session() as session:
            after = update_matter(session, record, by=who.name)
        return after.revision != current.revision

    try:
        changed = await run_in_threadpool(save)
    except AdminInvalid as exc:
        view = {k: ("\n".join(v) if isinstance(v, list) else v) for k, v in values.items()}
        return _page_matter(
            request, store=store, code=code, values=view, error=str(exc), status=422, title=code
        )
    _poke(refresher)
    return _done(f"/admin/matters/{code}", "saved" if changed else "unchanged")


@router.post("/matters/{code}/status")
def matter_status(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    code: Annotated[str, Path(max_length=128)],
    status: Annotated[str, Form(max_length=16)],
) -> Response:
    wanted = MatterStatus.RETIRED if status == "retired" else MatterStatus.ACTIVE
    with store.session() as session:
        set_matter_status(session, code, wanted, by=who.name)
    _poke(refresher)
    return _done(
        f"/admin/matters/{code}", "retired" if wanted is MatterStatus.RETIRED else "restored"
    )


@router.post("/matters/{code}/questions", response_class=HTMLResponse)
def question_add(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    code: Annotated[str, Path(max_length=128)],
    question: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        with store.session() as session:
            add_question(session, code, question, by=who.name)
    except (InvalidValue, Conflict) as exc:
        with store.session(commit=False) as session:
            matter = get_matter(session, code)
        return _page_matter(
            request,
            store=store,
            code=code,
            values=_matter_view(matter.record),
            kind=str(matter.record.kind),
            error=f"问法未添加：{exc}",
            status=422,
            title=matter.record.title,
        )
    _poke(refresher)
    back = "/admin/faq/" if _is_faq(store, code) else "/admin/matters/"
    return _done(f"{back}{code}", "question-added")


@router.post("/matters/{code}/questions/{question_id}/delete")
def question_delete(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    code: Annotated[str, Path(max_length=128)],
    question_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    with store.session() as session:
        remove_question(session, code, question_id, by=who.name)
    _poke(refresher)
    back = "/admin/faq/" if _is_faq(store, code) else "/admin/matters/"
    return _done(f"{back}{code}", "question-removed")


def _is_faq(store: Any, code: str) -> bool:
    with store.session(commit=False) as session:
        return get_matter(session, code).record.kind == MatterKind.FAQ


def _poke(refresher: Any) -> None:
    if refresher is not None:
        refresher.poke()


# -- question banks and FAQ --------------------------------------------------------------------


@router.get("/questions", response_class=HTMLResponse)
def questions(
    request: Request,
    who: ViewerDep,
    store: StoreDep,
    source: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    size = 50
    wanted = QuestionSource(source) if source in SOURCE_LABELS else None
    with store.session(commit=False) as session:
        items, count = list_questions(
            session, source=wanted, query=q, offset=(page - 1) * size, limit=size
        )
    filters = {"source": source, "q": q}
    return _render(
        request,
        "questions.html",
        title="问题库",
        items=items,
        count=count,
        filters=filters,
        sources=SOURCE_LABELS,
        **_pages("/admin/questions", filters, page=page, count=count, size=size),
    )


@router.get("/faq", response_class=HTMLResponse)
def faq_list(
    request: Request,
    who: ViewerDep,
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    size = 50
    with store.session(commit=False) as session:
        items, count = search_matters(
            session, q, offset=(page - 1) * size, limit=size, kind=MatterKind.FAQ
        )
    return _render(
        request,
        "faq.html",
        title="常见问题",
        items=items,
        count=count,
        q=q or "",
        **_pages("/admin/faq", {"q": q}, page=page, count=count, size=size),
    )


def _faq_page(
    request: Request,
    store: Any,
    *,
    code: str | None,
    values: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    questions_: list[Any] = []
    if code:
        with store.session(commit=False) as session:
            questions_, _ = list_questions(session, code=code, limit=10_000)
    return _render(
        request,
        "faq_edit.html",
        title="编辑常见问题" if code else "新增常见问题",
        status=status,
        code=code,
        values=values,
        questions=questions_,
        sources=SOURCE_LABELS,
        error=error,
    )


@router.get("/faq/new", response_class=HTMLResponse)
def faq_new_form(request: Request, who: EditorDep, store: StoreDep) -> Response:
    empty = {"question": "", "answer": "", "department": "", "keywords": "", "questions": ""}
    return _faq_page(request, store, code=None, values=empty)


def _faq_values(form: FormData) -> dict[str, str]:
    names = ("question", "answer", "department", "keywords", "questions", "url")
    return {n: v if isinstance(v := form.get(n), str) else "" for n in names}


def _faq_record(values: dict[str, str], code: str, settings: Any, *, questions: bool) -> Any:
    data = {
        "code": code,
        "title": values["question"],
        "answer": values["answer"],
        "department": values["department"],
        "keywords": _lines(values["keywords"].replace("，", "\n").replace(",", "\n")),
        "url": values.get("url", ""),
        "questions": _lines(values["questions"]) if questions else [],
    }
    return validate_record(data, settings, kind=MatterKind.FAQ)


@router.post("/faq/new", response_class=HTMLResponse)
async def faq_create(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
) -> Response:
    values = _faq_values(await request.form())
    code = f"FAQ-{secrets.token_hex(3).upper()}"

    def create() -> None:
        record = _faq_record(values, code, settings, questions=True)
        with store.session() as session:
            create_matter(session, record, by=who.name)

    try:
        await run_in_threadpool(create)
    except AdminInvalid as exc:
        return _faq_page(request, store, code=None, values=values, error=str(exc), status=422)
    _poke(refresher)
    return _done(f"/admin/faq/{code}", "created")


@router.get("/faq/{code}", response_class=HTMLResponse)
def faq_page(
    request: Request, who: ViewerDep, store: StoreDep, code: Annotated[str, Path(max_length=128)]
) -> Response:
    with store.session(commit=False) as session:
        record = get_matter(session, code).record
    if record.kind != MatterKind.FAQ:
        return RedirectResponse(f"/admin/matters/{code}", status_code=303)
    values = {
        "question": record.title,
        "answer": record.answer or "",
        "department": record.department or "",
        "keywords": "，".join(record.keywords),
        "url": record.url or "",
        "questions": "",
    }
    return _faq_page(request, store, code=code, values=values)


@router.post("/faq/{code}", response_class=HTMLResponse)
async def faq_save(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    code: Annotated[str, Path(max_length=128)],
) -> Response:
    values = _faq_values(await request.form())

    def save() -> None:
        record = _faq_record(values, code, settings, questions=False)
        with store.session() as session:
            update_matter(session, record, by=who.name)

    try:
        await run_in_threadpool(save)
    except AdminInvalid as exc:
        return _faq_page(request, store, code=code, values=values, error=str(exc), status=422)
    _poke(refresher)
    return _done(f"/admin/faq/{code}", "saved")


@router.post("/faq/{code}/delete")
def faq_delete(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    code: Annotated[str, Path(max_length=128)],
) -> Response:
    if not _is_faq(store, code):
        raise AdminInvalid(f"{code} 不是常见问题")
    with store.session() as session:
        delete_matter(session, code, by=who.name)
    _poke(refresher)
    return _done("/admin/faq", "deleted")


# -- lexicons ----------------------------------------------------------------------------------


@router.get("/lexicons", response_class=HTMLResponse)
def lexicons(request: Request, who: ViewerDep, store: StoreDep) -> Response:
    return _render(request, "lexicons.html", title="词库", banks=bank_overview(store))


def _bank_page(
    request: Request,
    store: Any,
    bank: Bank,
    *,
    text: str | None = None,
    diff: Any = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    label, fmt = BANK_LABELS.get(bank, (bank.value, ""))
    return _render(
        request,
        "lexicon.html",
        title=f"词库：{label}",
        status=status,
        bank=bank.value,
        label=label,
        fmt=fmt,
        text=bank_text(store, bank) if text is None else text,
        diff=diff,
        error=error,
        formats=["native", "plain", "cnsyn", "cilin", "jieba"],
    )


@router.get("/lexicons/{bank}", response_class=HTMLResponse)
def lexicon_page(
    request: Request, who: ViewerDep, store: StoreDep, bank: Annotated[str, Path(max_length=32)]
) -> Response:
    return _bank_page(request, store, parse_bank(bank))


@router.post("/lexicons/{bank}", response_class=HTMLResponse)
async def lexicon_save(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    bulk: BulkDep,
    bank: Annotated[str, Path(max_length=32)],
    text: Annotated[str, Form(max_length=4 * 1024 * 1024)] = "",
    action: Annotated[str, Form(max_length=16)] = "preview",
) -> Response:
    parsed = parse_bank(bank)
    try:
        diff = await bulk.run(lambda: diff_bank(store, parsed, text))
    except LexiconError as exc:
        return _bank_page(request, store, parsed, text=text, error=str(exc), status=422)
    if action != "save":
        return _bank_page(request, store, parsed, text=text, diff=diff)
    if not diff.changed:
        return _done(f"/admin/lexicons/{parsed.value}", "unchanged")
    await bulk.run(lambda: save_bank(store, parsed, text, by=who.name))
    _poke(refresher)
    return _done(f"/admin/lexicons/{parsed.value}", "bank-saved")


@router.post("/lexicons/{bank}/import", response_class=HTMLResponse)
async def lexicon_import(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    bulk: BulkDep,
    bank: Annotated[str, Path(max_length=32)],
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form(max_length=16)] = "native",
    replace: Annotated[bool, Form()] = False,
) -> Response:
    parsed = parse_bank(bank)
    data = await file.read(settings.import_max_file_bytes + 1)
    try:
        if len(data) > settings.import_max_file_bytes:
            raise AdminInvalid(f"文件超过{settings.import_max_file_bytes}字节")
        await bulk.run(
            lambda: import_text(
                store,
                parsed,
                data,
                filename=file.filename or f"{parsed.value}.txt",
                fmt=format,
                replace=replace,
                by=who.name,
            )
        )
    except (LexiconError, AdminInvalid) as exc:
        return _bank_page(request, store, parsed, error=str(exc), status=422)
    _poke(refresher)
    return _done(f"/admin/lexicons/{parsed.value}", "bank-saved")


@router.get("/lexicons/{bank}/export")
def lexicon_export(
    who: ViewerDep, store: StoreDep, bank: Annotated[str, Path(max_length=32)]
) -> Response:
    parsed = parse_bank(bank)
    return Response(
        bank_text(store, parsed).encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{parsed.value}.txt"'},
    )


# -- import and export -------------------------------------------------------------------------

IMPORT_FORMATS = [f.value for f in Format]


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, who: ViewerDep) -> Response:
    return _render(
        request,
        "import.html",
        title="导入导出",
        formats=IMPORT_FORMATS,
        export_formats=[f.value for f in EXPORT_FORMATS],
        preview=None,
        error=None,
    )


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    bulk: BulkDep,
    file: Annotated[UploadFile, File()],
    format: Annotated[str, Form(max_length=16)] = "auto",
    retire_missing: Annotated[bool, Form()] = False,
) -> Response:
    data = await file.read(settings.import_max_file_bytes + 1)
    error = None
    preview = None
    try:
        preview = await bulk.run(
            lambda: preview_import(
                store,
                settings,
                filename=file.filename or "upload",
                content=data,
                fmt=format,
                retire_missing=retire_missing,
                by=who.name,
            )
        )
    except (InterchangeError, AdminInvalid) as exc:
        error = str(exc)
    return _render(
        request,
        "import.html",
        title="导入导出",
        status=422 if error else 200,
        formats=IMPORT_FORMATS,
        export_formats=[f.value for f in EXPORT_FORMATS],
        preview=preview,
        error=error,
        labels=FIELD_LABELS,
    )


@router.post("/import/{upload_id}/commit", response_class=HTMLResponse)
async def import_commit(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    bulk: BulkDep,
    upload_id: Annotated[str, Path(max_length=64)],
) -> Response:
    await bulk.run(lambda: commit_import(store, settings, upload_id, by=who.name))
    _poke(refresher)
    return _done("/admin/import", "imported")


@router.get("/export")
async def export(
    who: ViewerDep,
    store: StoreDep,
    bulk: BulkDep,
    format: Annotated[str, Query(max_length=16)] = "jsonl",
) -> Response:
    data, media_type, filename = await bulk.run(lambda: export_catalogue(store, format))
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- persona -----------------------------------------------------------------------------------


def _persona_page(
    request: Request,
    persona: Persona,
    *,
    error: str | None = None,
    status: int = 200,
    default_rate: int,
) -> HTMLResponse:
    return _render(
        request,
        "persona.html",
        title="导办员形象",
        status=status,
        persona=persona,
        states=list(State),
        state_labels=STATE_LABELS,
        lines=LINES,
        line_labels=LINE_LABELS,
        expressions=EXPRESSIONS,
        gestures=GESTURES,
        expression_labels=EXPRESSION_LABELS,
        gesture_labels=GESTURE_LABELS,
        default_rate=default_rate,
        error=error,
    )


@router.get("/persona", response_class=HTMLResponse)
def persona_page(
    request: Request, who: ViewerDep, store: StoreDep, settings: SettingsDep
) -> Response:
    persona = load_persona(store, name=settings.guide_name)
    return _persona_page(request, persona, default_rate=settings.speech_rate)


def _persona_data(form: FormData) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    rate = text("voice_rate").strip()
    return {
        "name": text("name"),
        "voice": {"rate": int(rate) if rate.isdigit() else (None if not rate else -1)},
        "looks": {
            s.value: {
                "expression": text(f"expression_{s.value}"),
                "gesture": text(f"gesture_{s.value}"),
            }
            for s in State
        },
        "phrasings": {s.value: _lines(text(f"phrasings_{s.value}")) for s in State},
        "lines": {line: _lines(text(f"line_{line}")) for line in LINES},
    }


@router.post("/persona", response_class=HTMLResponse)
async def persona_save(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
) -> Response:
    data = _persona_data(await request.form())
    try:
        persona = Persona.from_dict(data)
    except PersonaInvalid as exc:
        current = load_persona(store, name=settings.guide_name)
        return _persona_page(
            request, current, error=str(exc), status=422, default_rate=settings.speech_rate
        )
    await run_in_threadpool(lambda: save_persona(store, persona, by=who.name))
    _poke(refresher)
    return _done("/admin/persona", "saved")


@router.get("/persona/preview.svg")
def persona_preview(
    who: ViewerDep,
    expression: Annotated[str, Query(max_length=32)] = "smile",
    gesture: Annotated[str, Query(max_length=32)] = "idle",
) -> Response:
    """The guide's art with one look, for the persona page's live preview (an ``<img>``, so
    the art's own style sheet applies without any inline style in the page)."""
    look = _svg_look(
        expression if expression in EXPRESSIONS else "neutral",
        gesture if gesture in GESTURES else "idle",
    )
    return Response(
        look,
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


def _svg_look(expression: str, gesture: str) -> bytes:
    art = (resources.files("hall") / "web" / "guide.svg").read_text(encoding="utf-8")
    art = re.sub(r'data-expression="[^"]*"', f'data-expression="{expression}"', art, count=1)
    art = re.sub(r'data-gesture="[^"]*"', f'data-gesture="{gesture}"', art, count=1)
    return art.encode("utf-8")


# -- hall information --------------------------------------------------------------------------

ANNOUNCEMENT_SLOTS = 3  # empty rows offered for new announcements


def _hall_page(
    request: Request, info: dict[str, Any], *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    announcements = list(info.get("announcements") or [])
    blanks = [{"title": "", "body": "", "date": "", "url": ""}] * ANNOUNCEMENT_SLOTS
    return _render(
        request,
        "hall.html",
        title="大厅信息",
        status=status,
        info=info,
        announcements=[*announcements, *blanks],
        today=date.today().isoformat(),
        error=error,
    )


@router.get("/hall", response_class=HTMLResponse)
def hall_page(request: Request, who: ViewerDep, store: StoreDep, settings: SettingsDep) -> Response:
    info = load_hall_info(store, settings).model_dump(mode="json")
    return _hall_page(request, info)


def _hall_data(form: FormData) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    announcements = []
    index = 0
    while f"a{index}_title" in form:
        fields = {k: text(f"a{index}_{k}").strip() for k in ("title", "body", "date", "url")}
        remove = text(f"a{index}_remove") == "on"
        if not remove and any(fields.values()):
            announcements.append({k: v for k, v in fields.items() if v or k != "url"})
        index += 1
    return {
        "name": text("name"),
        "introduction": text("introduction"),
        "address": text("address"),
        "hours": text("hours"),
        "phone": text("phone"),
        "transport": _lines(text("transport")),
        "bus_lines": _lines(text("bus_lines").replace("、", "\n").replace("，", "\n")),
        "announcements": announcements,
    }


@router.post("/hall", response_class=HTMLResponse)
async def hall_save(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
) -> Response:
    data = _hall_data(await request.form())
    try:
        info: HallInfo = parse_hall_info(data)
    except HallInfoInvalid as exc:
        return _hall_page(request, data, error=str(exc), status=422)
    await run_in_threadpool(lambda: save_hall_info(store, info, by=who.name))
    _poke(refresher)
    return _done("/admin/hall", "saved")


# -- users -------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    store: Any,
    *,
    error: str | None = None,
    token: tuple[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with store.session(commit=False) as session:
        users = list_users(session)
    return _render(
        request,
        "users.html",
        title="用户",
        status=status,
        users=users,
        roles=[r.value for r in Role],
        error=error,
        token=token,
        now=_now(),
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, who: AdminDep, store: StoreDep) -> Response:
    return _users_page(request, store)


@router.post("/users", response_class=HTMLResponse)
def user_add(
    request: Request,
    who: AdminDep,
    store: StoreDep,
    accounts: AccountsDep,
    name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=16)] = "viewer",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    try:
        accounts.add(name, role, password, by=who.name)
    except (AdminInvalid, Conflict) as exc:
        return _users_page(request, store, error=str(exc), status=422)
    return _done("/admin/users", "user-added")


@router.post("/users/{name}", response_class=HTMLResponse)
def user_change(
    request: Request,
    who: AdminDep,
    store: StoreDep,
    accounts: AccountsDep,
    name: Annotated[str, Path(max_length=64)],
    role: Annotated[str | None, Form(max_length=16)] = None,
    disabled: Annotated[str | None, Form(max_length=8)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
) -> Response:
    try:
        if name == who.name and (disabled == "on" or (role and role != Role.ADMIN.value)):
            raise AdminInvalid("不能停用自己的账户或降低自己的角色")
        accounts.change(
            name,
            by=who.name,
            role=role or None,
            disabled=None if disabled is None else disabled == "on",
            password=password or None,
        )
    except AdminInvalid as exc:
        return _users_page(request, store, error=str(exc), status=422)
    return _done("/admin/users", "user-saved")


@router.post("/users/{name}/token", response_class=HTMLResponse)
def user_token(
    request: Request,
    who: AdminDep,
    store: StoreDep,
    accounts: AccountsDep,
    name: Annotated[str, Path(max_length=64)],
) -> Response:
    token, _info = accounts.issue_token(name, by=who.name)
    response = _users_page(request, store, token=(name, token))
    response.headers["Cache-Control"] = "no-store"
    return response


# -- audit -------------------------------------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    who: ViewerDep,
    store: StoreDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    size = 50
    start = _day(since)
    end = _day(until)
    with store.session(commit=False) as session:
        entries, count = list_audit(
            session,
            actor=actor or None,
            target_type=target_type or None,
            action=action or None,
            text=q or None,
            since=start,
            until=end + timedelta(days=1) if end else None,
            offset=(page - 1) * size,
            limit=size,
        )
    filters = {
        "actor": actor,
        "target_type": target_type,
        "action": action,
        "q": q,
        "since": since if start else None,
        "until": until if end else None,
    }
    return _render(
        request,
        "audit.html",
        title="审计日志",
        entries=entries,
        count=count,
        filters=filters,
        actions=ACTION_LABELS,
        target_types={
            "matter": "事项",
            "faq": "常见问题",
            "catalogue": "目录导入",
            "lexicon": "词库",
            "setting": "设置",
            "user": "用户",
            "insight": "问题组",
        },
        local=_local,
        **_pages("/admin/audit", filters, page=page, count=count, size=size),
    )


def _day(value: str | None) -> Any:
    from datetime import datetime

    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=HALL_TIMEZONE)


def _local(moment: Any) -> str:
    return str(moment.astimezone(HALL_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S"))


@router.get("/audit/{entry_id}", response_class=HTMLResponse)
def audit_entry(
    request: Request,
    who: ViewerDep,
    store: StoreDep,
    entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    with store.session(commit=False) as session:
        entry = get_audit(session, entry_id)
    return _render(
        request,
        "audit_entry.html",
        title=f"审计记录 {entry.id}",
        entry=entry,
        before=_pretty(entry.before),
        after=_pretty(entry.after),
        changes=_changes(entry.before, entry.after),
        actions=ACTION_LABELS,
        local=_local,
    )


def _pretty(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _changes(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """Field by field, for an entry whose before and after are objects."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = list(dict.fromkeys([*before, *after]))

    def show(value: Any) -> str:
        if value is None:
            return "（空）"
        if isinstance(value, list):
            return "；".join(str(v) for v in value) or "（空）"
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return [
        (FIELD_LABELS.get(k, k), show(before.get(k)), show(after.get(k)))
        for k in keys
        if before.get(k) != after.get(k)
    ]
