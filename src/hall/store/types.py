"""Domain types shared by every stage: the matter record of the interchange format.

A :class:`MatterRecord` is what importers produce and exporters write: the platform's fields,
validated and normalised (stripped strings, empty values as ``None``/``[]``, list fields as
lists). Validation limits come from the validation context (``max_chars``, ``max_items``) so one
model serves files, the API and the admin with the limits in settings.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = [
    "FIELD_ORDER",
    "LIST_FIELDS",
    "LIST_SEPARATOR",
    "Matter",
    "MatterKind",
    "MatterRecord",
    "MatterStatus",
    "Question",
    "QuestionSource",
    "UpsertReport",
]

#: The separator of list items in CSV and XLSX cells (full-width semicolon, as the platform uses).
LIST_SEPARATOR: Final = "；"

DEFAULT_MAX_CHARS: Final = 20_000
DEFAULT_MAX_ITEMS: Final = 500
_CODE_MAX: Final = 128
_TITLE_MAX: Final = 500
#: Short list items (aliases, keywords, questions) are phrases, and are indexed as such.
_SHORT_ITEM_MAX: Final = 500
_SHORT_LISTS: Final = frozenset({"aliases", "keywords", "questions"})
# Control characters other than tab and newlines: PostgreSQL refuses NUL, and none is ever text;
# nor are the noncharacters U+FFFE and U+FFFF, which no XML (so no XLSX) may hold.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class MatterKind(StrEnum):
    """An administrative matter, or a question with a ready answer."""

    MATTER = "matter"
    FAQ = "faq"


class MatterStatus(StrEnum):
    """Retired matters stay in the store (history refers to them) but are never offered."""

    ACTIVE = "active"
    RETIRED = "retired"


class QuestionSource(StrEnum):
    """Where an alternate question came from; imports only ever replace their own."""

    IMPORTED = "imported"
    ADMIN = "admin"
    LEARNED = "learned"


#: Interchange fields in the order every exporter writes them.
FIELD_ORDER: Final = (
    "code",
    "title",
    "kind",
    "status",
    "department",
    "region",
    "type",
    "parent",
    "aliases",
    "keywords",
    "conditions",
    "materials",
    "process",
    "time_limit",
    "promised_time_limit",
    "fee",
    "legal_basis",
    "location",
    "hours",
    "phone",
    "url",
    "online_url",
    "answer",
    "source",
    "questions",
)
LIST_FIELDS: Final = frozenset({"aliases", "keywords", "materials", "process", "questions"})
_ENUM_FIELDS: Final = frozenset({"kind", "status"})


class MatterRecord(BaseModel):
    """One matter as the approval platform exchanges it (see ``../shared/data/README.md``)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=_CODE_MAX)
    title: str = Field(min_length=1, max_length=_TITLE_MAX)
    kind: MatterKind = MatterKind.MATTER
    status: MatterStatus = MatterStatus.ACTIVE
    department: str | None = None
    region: str | None = None
    type: str | None = None
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    conditions: str | None = None
    materials: tuple[str, ...] = ()
    process: tuple[str, ...] = ()
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
    questions: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        """Empty cells and ``null`` mean "not given", whatever the format; lines end in "\\n"."""
        if isinstance(data, dict):
            return {
                k: _newlines(v)
                for k, v in data.items()
                if not (v is None or (isinstance(v, str) and not v.strip()))
            }
        return data

    @field_validator("aliases", "keywords", "materials", "process", "questions", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """A single string is a ``；``-separated list (CSV, XLSX and some platform exports).

        Items of a real list are split alike, so that every format reads the same catalogue:
        a CSV or XLSX cell cannot hold an item with ``；`` or a newline inside.
        """
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            return [
                part
                for item in value
                for part in (re.split(r"[；\n]", item) if isinstance(item, str) else (item,))
            ]
        return value

    @field_validator("aliases", "keywords", "materials", "process", "questions", mode="after")
    @classmethod
    def _clean_list(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        max_items = _context(info, "max_items", DEFAULT_MAX_ITEMS)
        seen: dict[str, None] = {}
        for item in value:
            item = item.strip()
            if info.field_name in _SHORT_LISTS and len(item) > _SHORT_ITEM_MAX:
                raise ValueError(
                    f"an item is {len(item)} characters long, over the limit of {_SHORT_ITEM_MAX}"
                )
            if item:
                seen.setdefault(item, None)
        if len(seen) > max_items:
            raise ValueError(f"has {len(seen)} items, more than the limit of {max_items}")
        return tuple(seen)

    @model_validator(mode="after")
    def _check_text(self, info: ValidationInfo) -> MatterRecord:
        max_chars = _context(info, "max_chars", DEFAULT_MAX_CHARS)
        for name in FIELD_ORDER:
            value = getattr(self, name)
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if not isinstance(item, str):
                    continue
                if len(item) > max_chars:
                    raise ValueError(
                        f"field {name!r} is {len(item)} characters long, over the limit of "
                        f"{max_chars}"
                    )
                if _CONTROL.search(item):
                    raise ValueError(f"field {name!r} contains a control character")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The record in interchange order, empty fields and defaults left out."""
        out: dict[str, Any] = {}
        for name in FIELD_ORDER:
            value = getattr(self, name)
            if name == "status" and value == MatterStatus.ACTIVE:
                continue
            if value is None or value == ():
                continue
            if name in _ENUM_FIELDS:
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


def _newlines(value: Any) -> Any:
    # XLSX is XML, which reads "\r\n" and "\r" back as "\n": store what every format keeps.
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, list | tuple):
        return [_newlines(item) for item in value]
    return value


def _context(info: ValidationInfo, key: str, default: int) -> int:
    context = info.context if isinstance(info.context, dict) else {}
    value = context.get(key, default)
    return int(value)


class Question(BaseModel):
    """An alternate phrasing of a matter, with its provenance (and its row id once stored)."""

    model_config = ConfigDict(frozen=True)

    text: str
    source: QuestionSource
    id: int | None = None
    created_at: datetime | None = None


class Matter(BaseModel):
    """A stored matter: the record plus what the store keeps about it."""

    model_config = ConfigDict(frozen=True)

    record: MatterRecord
    question_items: tuple[Question, ...] = ()
    revision: int = 1
    created_at: datetime
    updated_at: datetime

    @property
    def code(self) -> str:
        return self.record.code


class UpsertReport(BaseModel):
    """What one import did (or, on a dry run, would do) to the store.

    The codes (and, for updates, the fields that change) are what a dry run's preview shows.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    dry_run: bool = False
    created_codes: list[str] = Field(default_factory=list)
    updated_fields: dict[str, list[str]] = Field(default_factory=dict)
    retired_codes: list[str] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged
