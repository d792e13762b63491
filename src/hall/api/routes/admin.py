"""The admin JSON API under ``/api/admin/``: what the back office's pages and a hall's own
scripts use (``Authorization: Bearer TOKEN``, or the pages' session cookie with its CSRF token).

Every route declares the role it needs (viewer reads, editor changes the catalogue, questions,
lexicons, persona and hall information, admin manages users). Every write goes through the
store's own functions (validation, revision bump, audit), like the CLI; the process that made it
then checks the store at once, and every other process within ``HALL_REFRESH_INTERVAL_S``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse

from hall.admin import (
    HALL_TIMEZONE,
    AdminInvalid,
    Role,
    bank_overview,
    bank_text,
    commit_import,
    diff_bank,
    discard_import,
    export_catalogue,
    import_text,
    overview,
    preview_import,
    remove_entry,
    save_bank,
    validate_record,
)
from hall.admin import add_entry as add_bank_entry
from hall.api.admin_schemas import (
    AuditPublic,
    AuditsPublic,
    BankPublic,
    BankSavedPublic,
    EntryIn,
    FaqIn,
    ImportPublic,
    MatterIn,
    MattersAdminPublic,
    MatterSummaryPublic,
    OverviewPublic,
    QuestionAdminPublic,
    QuestionIn,
    QuestionsAdminPublic,
    TokenPublic,
    UserIn,
    UserPatch,
    UserPublic,
    WhoamiPublic,
)
from hall.api.deps import (
    AccountsDep,
    AdminDep,
    BulkDep,
    EditorDep,
    EngineDep,
    RefresherDep,
    SettingsDep,
    StoreDep,
    ViewerDep,
)
from hall.api.schemas import ErrorPublic, MatterPublic
from hall.guide import HallInfo, Persona, load_hall_info, load_persona, save_hall_info, save_persona
from hall.lexicons import parse_bank
from hall.store import (
    MatterExists,
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
    list_tokens,
    list_users,
    matter_facets,
    remove_question,
    revoke_token,
    search_matters,
    set_matter_status,
    update_matter,
)

__all__ = ["router"]

#: What every admin route may answer besides its own success, in the API's one error shape.
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No account: sign in, or send a bearer token."},
    403: {"model": ErrorPublic, "description": "The account's role is below the route's need."},
    404: {"model": ErrorPublic, "description": "Nothing has the key asked for."},
    409: {"model": ErrorPublic, "description": "The key is taken."},
}

router = APIRouter(prefix="/api/admin", tags=["admin"], responses=ADMIN_RESPONSES)

Code = Annotated[str, Path(min_length=1, max_length=128, description="The matter's code.")]
BankName = Annotated[
    str,
    Path(
        max_length=32,
        description="synonyms, particles, stopwords, blocked, civility, chitchat, "
        "chitchat_triggers, keywords or dictionary.",
    ),
]
Page = Annotated[int, Query(ge=1, le=100_000)]
Size = Annotated[int, Query(ge=1, le=500)]
#: A bank's text sent whole; bigger lexicons come as files (the import route).
MAX_BANK_TEXT = 4 * 1024 * 1024


def _changed(refresher: Any) -> None:
    """This process made a change: look at the store now, not at the next tick."""
    if refresher is not None:
        refresher.poke()


# -- who and what ----------------------------------------------------------------------------


@router.get("/whoami", response_model=WhoamiPublic, summary="Who this request signed in as")
def whoami(who: ViewerDep) -> WhoamiPublic:
    return WhoamiPublic.from_domain(who)


@router.get(
    "/overview",
    response_model=OverviewPublic,
    summary="The catalogue's size, today's questions, the engine's snapshot",
)
def read_overview(_: ViewerDep, engine: EngineDep) -> OverviewPublic:
    return OverviewPublic.from_domain(overview(engine))


# -- matters -----------------------------------------------------------------------------------


def _status(value: str | None) -> MatterStatus | None:
    if not value:
        return None
    try:
        return MatterStatus(value)
    except ValueError:
        raise AdminInvalid("status: active or retired") from None


def _kind(value: str | None) -> MatterKind | None:
    if not value:
        return None
    try:
        return MatterKind(value)
    except ValueError:
        raise AdminInvalid("kind: matter or faq") from None


@router.get(
    "/matters",
    response_model=MattersAdminPublic,
    summary="List, search and filter the catalogue (retired matters included on request)",
)
def list_matters(
    _: ViewerDep,
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200, description="Text in code, title, …")] = None,
    department: Annotated[str | None, Query(max_length=500)] = None,
    region: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[str | None, Query(description="active or retired; default both")] = None,
    kind: Annotated[str | None, Query(description="matter or faq; default both")] = None,
    page: Page = 1,
    size: Size = 50,
) -> MattersAdminPublic:
    with store.session(commit=False) as session:
        matters, count = search_matters(
            session,
            q,
            offset=(page - 1) * size,
            limit=size,
            kind=_kind(kind),
            include_retired=True,
            status=_status(status),
            department=department,
            region=region,
        )
        facets = matter_facets(session)
    return MattersAdminPublic(
        data=[MatterSummaryPublic.from_domain(m) for m in matters],
        count=count,
        page=page,
        size=size,
        departments=facets["department"],
        regions=facets["region"],
    )


@router.get("/matters/{code}", response_model=MatterPublic, summary="One matter's whole guide")
def read_matter(_: ViewerDep, store: StoreDep, code: Code) -> MatterPublic:
    with store.session(commit=False) as session:
        return MatterPublic.from_domain(get_matter(session, code))


def _record(body: MatterIn, code: str, settings: Any, kind: MatterKind | None = None) -> Any:
    data = body.model_dump(exclude={"code", "kind"})
    data["code"] = code
    return validate_record(data, settings, kind=kind or _kind(body.kind) or MatterKind.MATTER)


@router.put(
    "/matters/{code}",
    response_model=MatterPublic,
    summary="Replace a matter's guide (every element; not its status or questions)",
)
def put_matter(
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    code: Code,
    body: MatterIn,
) -> MatterPublic:
    record = _record(body.model_copy(update={"questions": []}), code, settings)
    with store.session() as session:
        matter = update_matter(session, record, by=who.name)
    _changed(refresher)
    return MatterPublic.from_domain(matter)


@router.post(
    "/matters",
    response_model=MatterPublic,
    status_code=201,
    summary="Add a matter (code in the body; questions given become the admin's)",
    responses={409: {"description": "A matter already has this code."}},
)
def post_matter(
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    body: MatterIn,
) -> MatterPublic:
    if not body.code:
        raise AdminInvalid("code: required")
    record = _record(body, body.code, settings)
    with store.session() as session:
        matter = create_matter(session, record, by=who.name)
    _changed(refresher)
    return MatterPublic.from_domain(matter)


def _set_status(
    who: Any, store: Any, refresher: Any, code: str, status: MatterStatus
) -> MatterPublic:
    with store.session() as session:
        matter = set_matter_status(session, code, status, by=who.name)
    _changed(refresher)
    return MatterPublic.from_domain(matter)


@router.post(
    "/matters/{code}/retire",
    response_model=MatterPublic,
    summary="Retire a matter: never offered again, kept for history",
)
def retire_matter(
    who: EditorDep, store: StoreDep, refresher: RefresherDep, code: Code
) -> MatterPublic:
    return _set_status(who, store, refresher, code, MatterStatus.RETIRED)


@router.post("/matters/{code}/restore", response_model=MatterPublic, summary="Restore a matter")
def restore_matter(
    who: EditorDep, store: StoreDep, refresher: RefresherDep, code: Code
) -> MatterPublic:
    return _set_status(who, store, refresher, code, MatterStatus.ACTIVE)


# -- questions ---------------------------------------------------------------------------------


@router.get(
    "/matters/{code}/questions",
    response_model=list[QuestionAdminPublic],
    summary="A matter's alternate questions (imported, the admins', learned)",
)
def matter_questions(_: ViewerDep, store: StoreDep, code: Code) -> list[QuestionAdminPublic]:
    with store.session(commit=False) as session:
        get_matter(session, code)  # 404 for an unknown code, not an empty list
        items, _count = list_questions(session, code=code, limit=10_000)
    return [QuestionAdminPublic.from_domain(item) for item in items]


@router.post(
    "/matters/{code}/questions",
    response_model=QuestionAdminPublic,
    status_code=201,
    summary="Add an alternate question to a matter",
    description="The guide answers the matter for this question (and questions like it) in "
    "every process within seconds.",
    responses={409: {"description": "The matter already has this question."}},
)
def post_question(
    who: EditorDep, store: StoreDep, refresher: RefresherDep, code: Code, body: QuestionIn
) -> QuestionAdminPublic:
    with store.session() as session:
        item = add_question(session, code, body.question, by=who.name)
    _changed(refresher)
    return QuestionAdminPublic.from_domain(item)


@router.delete(
    "/matters/{code}/questions/{question_id}",
    status_code=204,
    summary="Remove one of a matter's questions",
)
def delete_question(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    code: Code,
    question_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    with store.session() as session:
        remove_question(session, code, question_id, by=who.name)
    _changed(refresher)
    return Response(status_code=204)


@router.get(
    "/questions",
    response_model=QuestionsAdminPublic,
    summary="The question banks: every matter's alternate questions, newest first",
)
def questions(
    _: ViewerDep,
    store: StoreDep,
    source: Annotated[str | None, Query(description="imported, admin or learned")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Page = 1,
    size: Size = 50,
) -> QuestionsAdminPublic:
    try:
        wanted = QuestionSource(source) if source else None
    except ValueError:
        raise AdminInvalid("source: imported, admin or learned") from None
    with store.session(commit=False) as session:
        items, count = list_questions(
            session, source=wanted, query=q, offset=(page - 1) * size, limit=size
        )
    return QuestionsAdminPublic(
        data=[QuestionAdminPublic.from_domain(i) for i in items], count=count, page=page, size=size
    )


# -- general FAQ -------------------------------------------------------------------------------


@router.get("/faq", response_model=MattersAdminPublic, summary="The general FAQ")
def list_faq(
    _: ViewerDep,
    store: StoreDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Page = 1,
    size: Size = 50,
) -> MattersAdminPublic:
    with store.session(commit=False) as session:
        items, count = search_matters(
            session, q, offset=(page - 1) * size, limit=size, kind=MatterKind.FAQ
        )
    return MattersAdminPublic(
        data=[MatterSummaryPublic.from_domain(m) for m in items], count=count, page=page, size=size
    )


def _faq_data(body: FaqIn) -> dict[str, Any]:
    return {
        "title": body.question,
        "answer": body.answer,
        "department": body.department,
        "keywords": body.keywords,
        "url": body.url,
        "questions": body.questions,
    }


def _check_faq(store: Any, code: str) -> None:
    with store.session(commit=False) as session:
        if get_matter(session, code).record.kind != MatterKind.FAQ:
            raise AdminInvalid(f"code: {code!r} is a matter, not a FAQ entry")


@router.get("/faq/{code}", response_model=MatterPublic, summary="One FAQ entry")
def read_faq(_: ViewerDep, store: StoreDep, code: Code) -> MatterPublic:
    _check_faq(store, code)
    with store.session(commit=False) as session:
        return MatterPublic.from_domain(get_matter(session, code))


@router.post(
    "/faq",
    response_model=MatterPublic,
    status_code=201,
    summary="Add a general FAQ entry (a question and its answer)",
)
def post_faq(
    who: EditorDep, store: StoreDep, settings: SettingsDep, refresher: RefresherDep, body: FaqIn
) -> MatterPublic:
    data = _faq_data(body)
    for _attempt in range(5):
        code = body.code or f"FAQ-{secrets.token_hex(3).upper()}"
        record = validate_record({**data, "code": code}, settings, kind=MatterKind.FAQ)
        try:
            with store.session() as session:
                matter = create_matter(session, record, by=who.name)
            break
        except MatterExists:
            if body.code:
                raise
    else:  # pragma: no cover - five collisions of 24 random bits
        raise AdminInvalid("code: could not find a free FAQ code; give one")
    _changed(refresher)
    return MatterPublic.from_domain(matter)


@router.put(
    "/faq/{code}",
    response_model=MatterPublic,
    summary="Change a FAQ entry (its other phrasings are edited as questions)",
)
def put_faq(
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    code: Code,
    body: FaqIn,
) -> MatterPublic:
    _check_faq(store, code)
    data = {**_faq_data(body), "questions": [], "code": code}
    record = validate_record(data, settings, kind=MatterKind.FAQ)
    with store.session() as session:
        matter = update_matter(session, record, by=who.name)
    _changed(refresher)
    return MatterPublic.from_domain(matter)


@router.delete("/faq/{code}", status_code=204, summary="Delete a FAQ entry (the audit keeps it)")
def delete_faq(who: EditorDep, store: StoreDep, refresher: RefresherDep, code: Code) -> Response:
    _check_faq(store, code)
    with store.session() as session:
        delete_matter(session, code, by=who.name)
    _changed(refresher)
    return Response(status_code=204)


# -- lexicons ----------------------------------------------------------------------------------


@router.get("/lexicons", response_model=list[BankPublic], summary="The lexicon banks")
def lexicons(_: ViewerDep, store: StoreDep) -> list[BankPublic]:
    return [BankPublic.model_validate(item) for item in bank_overview(store)]


@router.get(
    "/lexicons/{bank}",
    response_class=Response,
    summary="A bank as text (the format `hall lexicon export` writes)",
    responses={200: {"content": {"text/plain": {"example": "二胎=二孩=第二个子女\n"}}}},
)
def read_bank(
    _: ViewerDep,
    store: StoreDep,
    bank: BankName,
    download: Annotated[bool, Query(description="As a file to save.")] = False,
) -> PlainTextResponse:
    parsed = parse_bank(bank)
    headers = {}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{parsed.value}.txt"'
    return PlainTextResponse(bank_text(store, parsed), headers=headers)


@router.put(
    "/lexicons/{bank}",
    response_model=BankSavedPublic,
    summary="Replace a bank with a text (dry_run: only the diff)",
    description="The body is the bank's whole text (`Content-Type: text/plain`), the format "
    "`hall lexicon import` reads; a line the bank cannot hold refuses the whole text, naming "
    "the line. `dry_run=true` changes nothing and answers what would change.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"example": "二胎=二孩=第二个子女\n驾照=驾驶证\n"}},
        }
    },
)
async def put_bank(
    request: Request,
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    bulk: BulkDep,
    bank: BankName,
    dry_run: bool = False,
) -> BankSavedPublic:
    parsed = parse_bank(bank)
    body = await request.body()
    if len(body) > MAX_BANK_TEXT:
        raise AdminInvalid(f"text: over {MAX_BANK_TEXT} bytes; import it as a file instead")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AdminInvalid("text: not UTF-8") from None
    diff = await bulk.run(lambda: diff_bank(store, parsed, text))
    if not dry_run and diff.changed:
        await bulk.run(lambda: save_bank(store, parsed, text, by=who.name))
        _changed(refresher)
    return BankSavedPublic(
        bank=parsed.value,
        added=diff.added,
        removed=diff.removed,
        diff=diff.unified,
        dry_run=dry_run,
    )


@router.post(
    "/lexicons/{bank}/entries",
    status_code=201,
    summary="Add one entry (a line of the bank's format)",
)
def post_entry(
    who: EditorDep, store: StoreDep, refresher: RefresherDep, bank: BankName, body: EntryIn
) -> dict[str, bool]:
    added = add_bank_entry(store, parse_bank(bank), body.entry, by=who.name)
    if added:
        _changed(refresher)
    return {"added": added}


@router.delete("/lexicons/{bank}/entries", summary="Remove one entry (a line of the bank's format)")
def delete_entry(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    bank: BankName,
    entry: Annotated[str, Query(max_length=4000, description="The entry's line.")],
) -> dict[str, bool]:
    removed = remove_entry(store, parse_bank(bank), entry, by=who.name)
    if removed:
        _changed(refresher)
    return {"removed": removed}


@router.post(
    "/lexicons/{bank}/import",
    summary="Import a lexicon file into a bank (native, plain, cnsyn, cilin or jieba)",
)
async def import_bank_file(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    settings: SettingsDep,
    bulk: BulkDep,
    bank: BankName,
    file: Annotated[UploadFile, File(description="The lexicon file, UTF-8.")],
    format: Annotated[str, Form(max_length=16)] = "native",
    replace: Annotated[bool, Form()] = False,
) -> dict[str, int]:
    parsed = parse_bank(bank)
    data = await file.read(settings.import_max_file_bytes + 1)
    if len(data) > settings.import_max_file_bytes:
        raise AdminInvalid(f"file: over {settings.import_max_file_bytes} bytes")
    added, removed = await bulk.run(
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
    if added or removed:
        _changed(refresher)
    return {"added": added, "removed": removed}


# -- import and export of the catalogue --------------------------------------------------------


@router.post(
    "/imports",
    response_model=ImportPublic,
    summary="Upload a platform file: a dry run that says what would be added, changed, retired",
    description="Nothing changes yet: commit the preview with "
    "`POST /api/admin/imports/{upload_id}/commit` (within HALL_UPLOAD_TTL_MINUTES).",
)
async def upload_import(
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    bulk: BulkDep,
    file: Annotated[UploadFile, File(description="JSONL, JSON, CSV, XLSX, gdzwfw or sczwfw.")],
    format: Annotated[str, Form(max_length=16)] = "auto",
    retire_missing: Annotated[bool, Form()] = False,
) -> ImportPublic:
    data = await file.read(settings.import_max_file_bytes + 1)
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
    result = preview.result
    return ImportPublic.from_report(
        result.report,
        filename=preview.filename,
        fmt=result.format.value,
        ignored=result.ignored_fields,
        upload_id=preview.upload_id,
    )


UploadId = Annotated[str, Path(max_length=64)]


@router.post(
    "/imports/{upload_id}/commit",
    response_model=ImportPublic,
    summary="Commit a previewed import (all or nothing)",
)
async def commit_upload(
    who: EditorDep,
    store: StoreDep,
    settings: SettingsDep,
    refresher: RefresherDep,
    bulk: BulkDep,
    upload_id: UploadId,
) -> ImportPublic:
    result = await bulk.run(lambda: commit_import(store, settings, upload_id, by=who.name))
    _changed(refresher)
    return ImportPublic.from_report(
        result.report, filename=result.path, fmt=result.format.value, ignored=result.ignored_fields
    )


@router.delete("/imports/{upload_id}", status_code=204, summary="Discard a previewed import")
def discard_upload(_: EditorDep, store: StoreDep, upload_id: UploadId) -> Response:
    discard_import(store, upload_id)
    return Response(status_code=204)


@router.get(
    "/export",
    summary="Download the catalogue in a format the platform reads back",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
async def export(
    _: ViewerDep,
    store: StoreDep,
    bulk: BulkDep,
    format: Annotated[str, Query(description="jsonl, json, csv or xlsx")] = "jsonl",
    active_only: bool = False,
) -> Response:
    data, media_type, filename = await bulk.run(
        lambda: export_catalogue(store, format, include_retired=not active_only)
    )
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- persona and hall --------------------------------------------------------------------------

_PERSONA_EXAMPLE = {
    "name": "小政",
    "phrasings": {"welcome": ["您好，我是导办员{name}，请问您想办理什么业务？"]},
    "looks": {"welcome": {"expression": "smile", "gesture": "wave"}},
    "voice": {"rate": 160},
}


@router.get(
    "/persona",
    summary="The guide's persona: name, looks and phrasings per state, named lines, voice rate",
)
def read_persona(_: ViewerDep, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    return load_persona(store, name=settings.guide_name).to_dict()


@router.put(
    "/persona",
    summary="Change the persona (fields left out keep the shipped defaults)",
    responses={422: {"description": "A field is refused; the message names it."}},
)
def put_persona(
    who: EditorDep,
    store: StoreDep,
    refresher: RefresherDep,
    body: Annotated[dict[str, Any], Body(examples=[_PERSONA_EXAMPLE])],
) -> dict[str, Any]:
    persona = Persona.from_dict(body)
    save_persona(store, persona, by=who.name)
    _changed(refresher)
    return persona.to_dict()


@router.get("/hall", response_model=HallInfo, summary="The hall's introduction as stored")
def read_hall(_: ViewerDep, store: StoreDep, settings: SettingsDep) -> HallInfo:
    return load_hall_info(store, settings)


@router.put(
    "/hall",
    response_model=HallInfo,
    summary="Change the hall's introduction (address, hours, phone, transport, announcements)",
)
def put_hall(who: EditorDep, store: StoreDep, refresher: RefresherDep, body: HallInfo) -> HallInfo:
    save_hall_info(store, body, by=who.name)
    _changed(refresher)
    return body


# -- users (admin only) --------------------------------------------------------------------------


@router.get("/users", response_model=list[UserPublic], summary="Accounts of the back office")
def users(_: AdminDep, store: StoreDep) -> list[UserPublic]:
    with store.session(commit=False) as session:
        return [UserPublic.from_domain(u) for u in list_users(session)]


@router.post("/users", response_model=UserPublic, status_code=201, summary="Add an account")
def post_user(who: AdminDep, accounts: AccountsDep, body: UserIn) -> UserPublic:
    return UserPublic.from_domain(accounts.add(body.name, body.role, body.password, by=who.name))


UserName = Annotated[str, Path(max_length=64)]


@router.patch(
    "/users/{name}",
    response_model=UserPublic,
    summary="Change an account's role, disable or enable it, or set its password",
)
def patch_user(who: AdminDep, accounts: AccountsDep, name: UserName, body: UserPatch) -> UserPublic:
    if name == who.name and (body.disabled or (body.role and body.role != Role.ADMIN.value)):
        raise AdminInvalid("user: an admin cannot disable or demote their own account")
    user = accounts.change(
        name, by=who.name, role=body.role, disabled=body.disabled, password=body.password
    )
    return UserPublic.from_domain(user)


@router.post(
    "/users/{name}/tokens",
    response_model=TokenPublic,
    status_code=201,
    summary="A new API token for the account (shown once)",
)
def post_token(who: AdminDep, accounts: AccountsDep, name: UserName) -> TokenPublic:
    token, info = accounts.issue_token(name, by=who.name)
    return TokenPublic.from_domain(token, info)


@router.get("/users/{name}/tokens", summary="An account's tokens (hints only)")
def tokens(_: AdminDep, store: StoreDep, name: UserName) -> list[dict[str, Any]]:
    with store.session(commit=False) as session:
        return [
            {
                "id": t.id,
                "hint": t.hint,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked": t.revoked,
            }
            for t in list_tokens(session, name)
        ]


@router.delete("/users/{name}/tokens/{token_id}", status_code=204, summary="Revoke a token")
def delete_token(
    who: AdminDep,
    store: StoreDep,
    name: UserName,
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    with store.session() as session:
        revoke_token(session, name, token_id, by=who.name)
    return Response(status_code=204)


# -- audit ---------------------------------------------------------------------------------------


@router.get(
    "/audit",
    response_model=AuditsPublic,
    summary="Who changed what, when, before and after (read only: no route changes it)",
)
def audit(
    _: ViewerDep,
    store: StoreDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in summary or target.")
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: Page = 1,
    size: Size = 50,
) -> AuditsPublic:
    with store.session(commit=False) as session:
        entries, count = list_audit(
            session,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            text=q,
            since=_aware(since),
            until=_aware(until),
            offset=(page - 1) * size,
            limit=size,
        )
    return AuditsPublic(
        data=[AuditPublic.from_domain(e) for e in entries], count=count, page=page, size=size
    )


def _aware(moment: datetime | None) -> datetime | None:
    """A time without a zone is the hall's (China's) local time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=HALL_TIMEZONE)


@router.get("/audit/{entry_id}", response_model=AuditPublic, summary="One audit entry")
def audit_entry(
    _: ViewerDep, store: StoreDep, entry_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> AuditPublic:
    with store.session(commit=False) as session:
        return AuditPublic.from_domain(get_audit(session, entry_id))
