"""Errors of the store.

StoreError
├── MatterNotFound      no matter has the code asked for
└── StoreUnavailable    the database cannot be reached or migrated
"""

from __future__ import annotations

__all__ = ["MatterNotFound", "StoreError", "StoreUnavailable"]


class StoreError(Exception):
    """Base of every error the store raises."""


class MatterNotFound(StoreError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no matter with code {code!r}")
        self.code = code


class StoreUnavailable(StoreError):
    """The database URL is wrong, the server is down, or a migration failed."""
