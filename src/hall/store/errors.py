"""Errors of the store.

StoreError
├── MatterNotFound      no matter has the code asked for
├── StoreUnavailable    the database cannot be reached or migrated
└── BackupInvalid       a backup file that cannot be restored here (unreadable, another
                        format, a newer schema, a store that is not empty); nothing changed
"""

from __future__ import annotations

from hall.errors import HallError

__all__ = ["BackupInvalid", "MatterNotFound", "StoreError", "StoreUnavailable"]


class StoreError(HallError):
    """Base of every error the store raises."""


class MatterNotFound(StoreError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no matter with code {code!r}")
        self.code = code


class StoreUnavailable(StoreError):
    """The database URL is wrong, the server is down, or a migration failed."""


class BackupInvalid(StoreError):
    pass
