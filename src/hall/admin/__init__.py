"""The back office: accounts and roles, the catalogue, question banks, lexicons, the persona and
the hall's information, and the audit of every change.

It changes the store through the store's own functions (validation, revision bump, audit), like
the CLI, and never pokes the engine: every process picks a change up from the store's revisions
(``hall.guide.live``). HTTP lives in ``hall.api``; the pages' templates and assets ship here.
"""

from __future__ import annotations

from hall.admin.auth import (
    RESERVED_NAMES,
    TOKEN_PREFIX,
    Accounts,
    Role,
    SignedIn,
    check_password,
    check_user_name,
    hash_password,
    verify_password,
)
from hall.admin.banks import (
    BANK_LABELS,
    BankDiff,
    add_entry,
    bank_entries,
    bank_overview,
    bank_text,
    diff_bank,
    import_text,
    remove_entry,
    save_bank,
)
from hall.admin.catalogue import (
    MEDIA_TYPES,
    Preview,
    commit_import,
    discard_import,
    export_catalogue,
    preview_import,
    validate_record,
)
from hall.admin.errors import (
    AccountLocked,
    AdminError,
    AdminInvalid,
    BadCredentials,
    CsrfRefused,
    Forbidden,
    NotAuthenticated,
)
from hall.admin.overview import HALL_TIMEZONE, Overview, overview, start_of_day

__all__ = [
    "BANK_LABELS",
    "HALL_TIMEZONE",
    "MEDIA_TYPES",
    "RESERVED_NAMES",
    "TOKEN_PREFIX",
    "AccountLocked",
    "Accounts",
    "AdminError",
    "AdminInvalid",
    "BadCredentials",
    "BankDiff",
    "CsrfRefused",
    "Forbidden",
    "NotAuthenticated",
    "Overview",
    "Preview",
    "Role",
    "SignedIn",
    "add_entry",
    "bank_entries",
    "bank_overview",
    "bank_text",
    "check_password",
    "check_user_name",
    "commit_import",
    "diff_bank",
    "discard_import",
    "export_catalogue",
    "hash_password",
    "import_text",
    "overview",
    "preview_import",
    "remove_entry",
    "save_bank",
    "start_of_day",
    "validate_record",
    "verify_password",
]
