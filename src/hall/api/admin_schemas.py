"""Schemas of the admin API, named by direction (``…In`` comes in, ``…Public`` goes out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hall.admin import Overview, SignedIn
from hall.store import AuditEntry, Matter, QuestionItem, TokenInfo, UpsertReport, User

__all__ = [
    "AuditPublic",
    "AuditsPublic",
    "BankPublic",
    "BankSavedPublic",
    "EntryIn",
    "FaqIn",
    "ImportPublic",
    "MatterIn",
    "MatterSummaryPublic",
    "MattersAdminPublic",
    "OverviewPublic",
    "QuestionAdminPublic",
    "QuestionIn",
    "QuestionsAdminPublic",
    "TokenPublic",
    "UserIn",
    "UserPatch",
    "UserPublic",
    "WhoamiPublic",
]


class WhoamiPublic(BaseModel):
    name: str = Field(examples=["zhang.wei"])
    role: str = Field(examples=["editor"])
    via: str = Field(description="How the request signed in: session or token.")
    csrf_token: str | None = Field(
        default=None, description="For a browser session: the token its unsafe calls must send."
    )

    @classmethod
    def from_domain(cls, who: SignedIn) -> WhoamiPublic:
        return cls(name=who.name, role=who.role.value, via=who.via, csrf_token=who.csrf)


class OverviewPublic(BaseModel):
    matters: int
    retired: int
    faqs: int
    questions: int
    today: dict[str, int] = Field(description="Questions asked today, by the guide's decision.")
    snapshot_revision: int
    snapshot_age_s: float
    snapshot_matters: int
    encoder: str

    @classmethod
    def from_domain(cls, value: Overview) -> OverviewPublic:
        return cls(**{name: getattr(value, name) for name in cls.model_fields})


class MatterSummaryPublic(BaseModel):
    code: str
    title: str
    kind: str
    status: str
    department: str | None = None
    region: str | None = None
    questions: int
    updated_at: datetime

    @classmethod
    def from_domain(cls, matter: Matter) -> MatterSummaryPublic:
        r = matter.record
        return cls(
            code=r.code,
            title=r.title,
            kind=str(r.kind),
            status=str(r.status),
            department=r.department,
            region=r.region,
            questions=len(matter.question_items),
            updated_at=matter.updated_at,
        )


class MattersAdminPublic(BaseModel):
    data: list[MatterSummaryPublic]
    count: int
    page: int
    size: int
    departments: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)


_MATTER_EXAMPLE: dict[str, Any] = {
    "title": "生育登记",
    "department": "区卫生健康局",
    "region": "示例市示例区",
    "conditions": "夫妻双方或一方户籍在本区，生育第一、二、三个子女的家庭。",
    "materials": ["夫妻双方居民身份证", "结婚证"],
    "process": ["网上或窗口申请", "审核", "发放生育服务证"],
    "time_limit": "1个工作日",
    "fee": "不收费",
    "location": "示例区政务服务中心卫健窗口",
    "online_url": "https://www.example.gov.cn/birth",
}


class MatterIn(BaseModel):
    """A matter's whole guide as the back office edits it. The code comes from the path (PUT) or
    the body (POST); status changes by retire and restore; questions have their own routes
    (POST may bring a first set)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_MATTER_EXAMPLE]})

    code: str | None = Field(default=None, max_length=128)
    title: str = Field(max_length=500)
    kind: str = "matter"
    department: str | None = None
    region: str | None = None
    type: str | None = None
    parent: str | None = None
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    conditions: str | None = None
    materials: list[str] = Field(default_factory=list)
    process: list[str] = Field(default_factory=list)
    time_limit: str | None = None
    promised_time_limit: str | None = None
    fee: str | None = None
    legal_basis: str | None = None
    location: str | None = None
    hours: str | None = None
    phone: str | None = None
    url: str | None = None
    online_url: str | None = None
    answer: str | None = None
    source: str | None = None
    questions: list[str] = Field(default_factory=list)


class FaqIn(BaseModel):
    """A general FAQ entry: a question (its title) and its answer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "question": "政务服务中心周末上班吗？",
                    "answer": "周六上午9:00-12:00提供部分事项的延时服务，周日休息。",
                    "questions": ["周末能办事吗", "星期六开门吗"],
                }
            ]
        },
    )

    code: str | None = Field(default=None, max_length=128, description="Default: a new FAQ-n.")
    question: str = Field(max_length=500)
    answer: str = Field(max_length=20_000)
    department: str | None = None
    keywords: list[str] = Field(default_factory=list)
    url: str | None = None
    questions: list[str] = Field(default_factory=list, description="Other ways to ask it.")


class QuestionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "屋里头要添个小娃娃咋个登记"}]}
    )

    question: str = Field(max_length=500)


class QuestionAdminPublic(BaseModel):
    id: int
    code: str
    title: str
    question: str
    source: str
    created_at: datetime

    @classmethod
    def from_domain(cls, item: QuestionItem) -> QuestionAdminPublic:
        return cls(
            id=item.id,
            code=item.code,
            title=item.title,
            question=item.text,
            source=item.source.value,
            created_at=item.created_at,
        )


class QuestionsAdminPublic(BaseModel):
    data: list[QuestionAdminPublic]
    count: int
    page: int
    size: int


class BankPublic(BaseModel):
    bank: str = Field(examples=["synonyms"])
    label: str = Field(examples=["同义词"])
    format: str = Field(examples=["规范词=同义词=同义词"])
    entries: int


class BankSavedPublic(BaseModel):
    bank: str
    added: list[str] = Field(description="Lines the bank gains (or would gain, on a dry run).")
    removed: list[str] = Field(description="Lines the bank loses (or would lose).")
    diff: str = Field(description="A unified diff of the bank's text.")
    dry_run: bool


class EntryIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"entry": "二胎=二孩=第二个子女"}]}
    )

    entry: str = Field(max_length=4000, description="One line of the bank's own text format.")


class ImportPublic(BaseModel):
    """A dry run's preview (``upload_id`` commits it) or a commit's result."""

    upload_id: str | None = None
    filename: str
    format: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    retired: int
    created_codes: list[str]
    updated_fields: dict[str, list[str]] = Field(
        description="Code -> the fields an update changes."
    )
    retired_codes: list[str]
    ignored_fields: list[str]

    @classmethod
    def from_report(
        cls,
        report: UpsertReport,
        *,
        filename: str,
        fmt: str,
        ignored: list[str],
        upload_id: str | None = None,
    ) -> ImportPublic:
        return cls(
            upload_id=upload_id,
            filename=filename,
            format=fmt,
            dry_run=report.dry_run,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            retired=report.retired,
            created_codes=report.created_codes,
            updated_fields=report.updated_fields,
            retired_codes=report.retired_codes,
            ignored_fields=ignored,
        )


class UserPublic(BaseModel):
    name: str
    role: str
    disabled: bool
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime

    @classmethod
    def from_domain(cls, user: User) -> UserPublic:
        return cls(
            name=user.name,
            role=user.role,
            disabled=user.disabled,
            locked_until=user.locked_until,
            last_login_at=user.last_login_at,
            created_at=user.created_at,
        )


class UserIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "li.na", "role": "editor", "password": "a long pass phrase"}]
        },
    )

    name: str = Field(max_length=64)
    role: str
    password: str = Field(max_length=256)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, max_length=256)


class TokenPublic(BaseModel):
    token: str = Field(description="Shown once: only its hash is kept.")
    hint: str
    created_at: datetime

    @classmethod
    def from_domain(cls, token: str, info: TokenInfo) -> TokenPublic:
        return cls(token=token, hint=info.hint, created_at=info.created_at)


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    summary: str
    before: Any = None
    after: Any = None

    @classmethod
    def from_domain(cls, entry: AuditEntry) -> AuditPublic:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            summary=entry.summary,
            before=entry.before,
            after=entry.after,
        )


class AuditsPublic(BaseModel):
    data: list[AuditPublic]
    count: int
    page: int
    size: int
