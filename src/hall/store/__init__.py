"""The store: domain types, SQLAlchemy tables, migrations and the functions that read and write.

It imports no other hall package except ``hall.settings`` and ``hall.errors``; everything else
builds on it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hall.store.backup import backup, restore, schema_revision
from hall.store.chat_repo import (
    ChatState,
    create_chat_session,
    get_hall_setting,
    load_chat_session,
    popular_matter_codes,
    purge_chat_sessions,
    purge_history,
    put_hall_setting,
    save_chat_session,
    set_turn_feedback,
)
from hall.store.db import Store
from hall.store.errors import BackupInvalid, MatterNotFound, StoreError, StoreUnavailable
from hall.store.lexicon_repo import (
    HistoryItem,
    LexiconChange,
    LexiconItem,
    add_lexicon_entries,
    bank_sizes,
    list_history,
    list_lexicon_changes,
    list_lexicon_entries,
    record_question,
    record_questions,
    remove_lexicon_entries,
    replace_lexicon_bank,
    set_feedback,
)
from hall.store.repository import (
    count_matters,
    get_matter,
    get_matters,
    iter_matters,
    matter_revisions,
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
    "BackupInvalid",
    "ChatState",
    "HistoryItem",
    "LexiconChange",
    "LexiconItem",
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
    "add_lexicon_entries",
    "backup",
    "bank_sizes",
    "count_matters",
    "create_chat_session",
    "get_hall_setting",
    "get_matter",
    "get_matters",
    "iter_matters",
    "list_history",
    "list_lexicon_changes",
    "list_lexicon_entries",
    "load_chat_session",
    "matter_revisions",
    "popular_matter_codes",
    "purge_chat_sessions",
    "purge_history",
    "put_hall_setting",
    "record_question",
    "record_questions",
    "remove_lexicon_entries",
    "replace_lexicon_bank",
    "restore",
    "save_chat_session",
    "schema_revision",
    "search_matters",
    "set_feedback",
    "set_turn_feedback",
    "upsert_matters",
]
