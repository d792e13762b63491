"""HTTP schemas, named by direction (``…Public`` goes out)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hall.store import Matter

__all__ = ["HealthPublic", "MatterPublic", "MattersPublic", "QuestionPublic"]


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
