"""Errors of the lexicons.

LexiconError
├── UnknownBank         a bank name that is not one of ``Bank``
├── LexiconFileError    a lexicon file that cannot be parsed: names the file and the line
└── InvalidEntry        an entry an admin gave that the bank cannot hold
"""

from __future__ import annotations

from pathlib import Path

from hall.errors import HallError

__all__ = ["InvalidEntry", "LexiconError", "LexiconFileError", "UnknownBank"]


class LexiconError(HallError):
    """Base of every lexicon error."""


class UnknownBank(LexiconError):
    pass


class InvalidEntry(LexiconError):
    pass


class LexiconFileError(LexiconError):
    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {message}")
