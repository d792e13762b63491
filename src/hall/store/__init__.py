"""The store: domain types, SQLAlchemy tables, migrations and the functions that read and write.

It imports no other hall package except ``hall.settings``; everything else builds on it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hall.store.db import Store
from hall.store.errors import MatterNotFound, StoreError, StoreUnavailable
from hall.store.repository import (
    count_matters,
    get_matter,
    iter_matters,
    search_matters,
    upsert_matters,
)
from hall.store.types import (
    FIELD_ORDER,
    LIST_FIELDS,
    LIST_SEPARATOR,
    Matter,
    MatterKind,
    MatterRecord,
    MatterStatus,
    Question,
    QuestionSource,
    UpsertReport,
)

__all__ = [
    "FIELD_ORDER",
    "LIST_FIELDS",
    "LIST_SEPARATOR",
    "Matter",
    "MatterKind",
    "MatterNotFound",
    "MatterRecord",
    "MatterStatus",
    "Question",
    "QuestionSource",
    "Session",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "UpsertReport",
    "count_matters",
    "get_matter",
    "iter_matters",
    "search_matters",
    "upsert_matters",
]
