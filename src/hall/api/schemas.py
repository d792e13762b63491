"""HTTP schemas, named by direction (``…In`` comes in, ``…Public`` goes out).

Text a client sends is :data:`PlainText`: no control characters (NUL breaks PostgreSQL, the
others only hide things from whoever reads the history), and pydantic already refuses lone
surrogates. Integers are bounded by the columns that keep them (PostgreSQL's ``integer``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from hall.guide import Answer, Result
from hall.guide.understanding import ResolvedEvent
from hall.store import Matter

__all__ = [
    "INT32_MAX",
    "SESSION_ID",
    "ErrorPublic",
    "EventPublic",
    "FieldProblemPublic",
    "MatterPublic",
    "MattersPublic",
    "QuestionPublic",
    "SearchPublic",
    "SearchResultPublic",
]


#: The largest value of an ``integer`` column on PostgreSQL (and so of any integer we store).
INT32_MAX = 2**31 - 1
#: A conversation id as the store makes them (``secrets.token_urlsafe``).
SESSION_ID = r"^[A-Za-z0-9_-]{1,64}$"
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CONTROLS}]")


def _plain(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


#: Text from a client: tabs and line breaks are text, other control characters are refused (the
#: pattern says so in the OpenAPI description; the validator says it in words).
PlainText = Annotated[
    str, AfterValidator(_plain), Field(json_schema_extra={"pattern": f"^[^{_CONTROLS}]*$"})
]


class FieldProblemPublic(BaseModel):
    field: str = Field(examples=["body.turn"], description="Where: body, query or path, and name.")
    problem: str = Field(examples=["Input should be less than or equal to 2147483647"])


class ErrorPublic(BaseModel):
    """Every error: what went wrong and its kind; a refused request names fields and problems
    (never what was sent)."""

    detail: str = Field(examples=["no such turn in this conversation"])
    error: str = Field(examples=["not_found"], description="A stable name of the error's kind.")
    errors: list[FieldProblemPublic] | None = Field(
        default=None, description="For a refused request (422): each field and its problem."
    )


class QuestionPublic(BaseModel):
    text: str
    source: str


class MatterPublic(BaseModel):
    """A matter with its whole guide."""

    code: str = Field(examples=["HD-0101"])
    title: str = Field(examples=["生育登记"])
    kind: str = "matter"
    status: str = "active"
    department: str | None = None
    region: str | None = None
    type: str | None = None
    parent: str | None = None
    aliases: list[str] = []
    keywords: list[str] = []
    conditions: str | None = None
    materials: list[str] = []
    process: list[str] = []
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
    questions: list[QuestionPublic] = []
    updated_at: datetime

    @classmethod
    def from_domain(cls, matter: Matter) -> MatterPublic:
        data = matter.record.model_dump(mode="json", exclude={"questions"})
        return cls(
            **data,
            questions=[
                QuestionPublic(text=q.text, source=str(q.source)) for q in matter.question_items
            ],
            updated_at=matter.updated_at,
        )


class MattersPublic(BaseModel):
    data: list[MatterPublic]
    count: int = Field(description="How many matters match, over all pages.")
    page: int
    size: int


class SearchResultPublic(BaseModel):
    code: str = Field(examples=["HD-0402"])
    title: str = Field(examples=["机动车驾驶证补领（遗失补证）"])
    score: float = Field(ge=0, le=1, examples=[0.75], description="Fused score, 0 to 1.")
    department: str | None = Field(default=None, examples=["市公安局交通警察支队车辆管理所"])
    why: list[str] = Field(
        description="Which signals matched on what, and which synonyms, pinyin or "
        "homophone rewrites of the question fired.",
        examples=[["semantic 0.71 ← title: 机动车驾驶证补领", "synonym: 驾照→机动车驾驶证"]],
    )

    @classmethod
    def from_domain(cls, result: Result) -> SearchResultPublic:
        return cls(
            code=result.code,
            title=result.title,
            score=result.score,
            department=result.department,
            why=result.why,
        )


class EventMatterPublic(BaseModel):
    code: str = Field(examples=["HD-0103"])
    title: str = Field(examples=["出生医学证明首次签发"])


class EventPublic(BaseModel):
    """A life event (一件事) the question names, with the matters it usually takes, in order."""

    name: str = Field(examples=["新生儿出生"])
    matters: list[EventMatterPublic]

    @classmethod
    def from_domain(cls, event: ResolvedEvent) -> EventPublic:
        return cls(
            name=event.name,
            matters=[EventMatterPublic(code=m.code, title=m.title) for m in event.matters],
        )


class SearchPublic(BaseModel):
    """The engine's reading of one question."""

    query: str = Field(examples=["驾照丢了"], description="The question; blocked words masked.")
    normalized: str = Field(examples=["机动车驾驶证补领"])
    decision: str = Field(
        examples=["answer"],
        description="answer: one clear winner; clarify: close candidates to choose from; "
        "none: nothing fits (chit-chat, rude, out of scope, gibberish).",
    )
    results: list[SearchResultPublic]
    reply: str | None = Field(
        default=None,
        description="For clarify, the question to ask; for none, the reply to give.",
    )
    event: EventPublic | None = Field(
        default=None,
        description="When the question names a life event rather than one matter "
        "(孩子出生后要办哪些手续): the event and its matters in order.",
    )
    care: str | None = Field(
        default=None,
        description="When a question also says the citizen wants to die "
        "(我想办理低保但是活不下去了): caring words and the psychological assistance hotline, to "
        "say before the answer.",
    )

    @classmethod
    def from_domain(cls, answer: Answer) -> SearchPublic:
        return cls(
            query=answer.query,
            normalized=answer.normalized,
            decision=answer.decision.value,
            results=[SearchResultPublic.from_domain(r) for r in answer.results],
            reply=answer.reply,
            event=EventPublic(
                name=answer.event.name,
                matters=[
                    EventMatterPublic(code=m.code, title=m.title) for m in answer.event.matters
                ],
            )
            if answer.event
            else None,
            care=answer.care,
        )


# -- the conversation -----------------------------------------------------------------------


class ChatIn(BaseModel):
    """One message of a citizen; no session id (or an expired one) starts a conversation."""

    session_id: str | None = Field(default=None, max_length=64, pattern=SESSION_ID, examples=[None])
    message: PlainText = Field(
        default="",
        max_length=500,
        description="What the citizen typed or pressed; empty opens the conversation.",
        examples=["我想生二胎要办什么"],
    )
    speak: bool = Field(
        default=False,
        description="The reply will be played at once (auto-read): its audio is made now. "
        "Otherwise it is made when `speech_url` is first fetched.",
    )


class PersonaPublic(BaseModel):
    state: str = Field(examples=["answering"])
    expression: str = Field(examples=["smile"])
    gesture: str = Field(examples=["present"])


class SuggestionPublic(BaseModel):
    label: str = Field(examples=["申请材料"])
    message: str = Field(description="What to send when the button is pressed.")


class SimilarPublic(BaseModel):
    code: str
    title: str


class ElementPublic(BaseModel):
    key: str = Field(examples=["materials"])
    label: str = Field(examples=["申请材料"])


class ChatMatterPublic(BaseModel):
    code: str = Field(examples=["HD-0101"])
    title: str = Field(examples=["生育登记"])
    department: str | None = None
    time_limit: str | None = None
    fee: str | None = None
    url: str | None = None


class ReplyPublic(BaseModel):
    text: str
    speech_url: str | None = Field(
        description="The reply spoken (WAV; .mp3 also served); null when speech is off."
    )
    decision: str = Field(examples=["answer"], description="welcome|answer|element|clarify|none")
    persona: PersonaPublic
    matter: ChatMatterPublic | None = None
    element: ElementPublic | None = None
    suggestions: list[SuggestionPublic] = []
    similar: list[SimilarPublic] = []


class ChatPublic(BaseModel):
    session_id: str
    turn: int = Field(description="The turn's number in this conversation, for feedback.")
    reply: ReplyPublic


class FeedbackIn(BaseModel):
    session_id: str = Field(max_length=64, pattern=SESSION_ID)
    turn: int = Field(ge=1, le=INT32_MAX)
    helpful: bool
    comment: PlainText | None = Field(default=None, max_length=1000)


class FeedbackPublic(BaseModel):
    recorded: bool = True
