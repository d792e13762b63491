"""Errors of the store.

StoreError
├── NotFound            nothing has the key asked for
│   ├── MatterNotFound      no matter has the code
│   ├── QuestionNotFound    the matter has no question with the id
│   ├── UserNotFound        no account has the name
│   ├── AuditNotFound       no audit entry has the id
│   └── UploadNotFound      no pending upload has the id (or it expired)
├── Conflict            the key is taken
│   ├── MatterExists        a matter already has the code
│   ├── QuestionExists      the matter already has this question
│   └── UserExists          an account already has the name
├── InvalidValue        a value the store refuses to keep (names the field)
├── StoreUnavailable    the database cannot be reached or migrated
└── BackupInvalid       a backup file that cannot be restored here (unreadable, another
                        format, a newer schema, a store that is not empty); nothing changed
"""

from __future__ import annotations

__all__ = [
    "AuditNotFound",
    "BackupInvalid",
    "Conflict",
    "InvalidValue",
    "MatterExists",
    "MatterNotFound",
    "NotFound",
    "QuestionExists",
    "QuestionNotFound",
    "StoreError",
    "StoreUnavailable",
    "UploadNotFound",
    "UserExists",
    "UserNotFound",
]
from hall.errors import HallError


class StoreError(HallError):
    """Base of every error the store raises."""


class NotFound(StoreError):
    """Nothing has the key asked for."""


class Conflict(StoreError):
    """The key is already taken."""


class InvalidValue(StoreError, ValueError):
    """A value the store refuses to keep; the message names the field."""


class MatterNotFound(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"no matter with code {code!r}")
        self.code = code


class QuestionNotFound(NotFound):
    def __init__(self, code: str, question_id: int) -> None:
        super().__init__(f"matter {code!r} has no question {question_id}")


class UserNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {name!r}")
        self.name = name


class AuditNotFound(NotFound):
    def __init__(self, entry_id: int) -> None:
        super().__init__(f"no audit entry {entry_id}")


class UploadNotFound(NotFound):
    def __init__(self, upload_id: str) -> None:
        super().__init__("no such upload (it may have expired); upload the file again")


class MatterExists(Conflict):
    def __init__(self, code: str) -> None:
        super().__init__(f"a matter with code {code!r} already exists")
        self.code = code


class QuestionExists(Conflict):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"matter {code!r} already has the question {text!r}")


class UserExists(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"a user named {name!r} already exists")


class StoreUnavailable(StoreError):
    """The database URL is wrong, the server is down, or a migration failed."""


class BackupInvalid(StoreError):
    pass
