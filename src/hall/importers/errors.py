"""Errors of the importers and exporters.

    InterchangeError
    ├── UnknownFormat     the format name is not one of ``Format``, or auto cannot tell
    ├── InvalidFile       the file cannot be read at all (missing, too big, bad bytes, bad JSON)
    └── InvalidRecords    rows that fail validation; every problem names file, row and field

Any of them means nothing was written: an import is all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hall.errors import HallError

__all__ = ["InterchangeError", "InvalidFile", "InvalidRecords", "Problem", "UnknownFormat"]


class InterchangeError(HallError):
    """Base of every importer and exporter error."""


class UnknownFormat(InterchangeError):
    pass


class InvalidFile(InterchangeError):
    def __init__(self, path: Path | str, message: str, *, where: str | None = None) -> None:
        self.path = str(path)
        self.where = where
        place = f"{self.path}, {where}" if where else self.path
        super().__init__(f"{place}: {message}")


@dataclass(frozen=True)
class Problem:
    """One invalid value: ``where`` is "line 12" or "row 5"; ``field`` may be None."""

    where: str
    field: str | None
    message: str

    def __str__(self) -> str:
        field = f", field {self.field!r}" if self.field else ""
        return f"{self.where}{field}: {self.message}"


class InvalidRecords(InterchangeError):
    #: How many problems are listed in the message; the rest are counted.
    SHOWN = 20

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = [f"{self.path}: {len(problems)} invalid record(s); nothing was imported"]
        lines += [f"  {self.path}, {problem}" for problem in problems[: self.SHOWN]]
        if len(problems) > self.SHOWN:
            lines.append(f"  … and {len(problems) - self.SHOWN} more")
        super().__init__("\n".join(lines))
