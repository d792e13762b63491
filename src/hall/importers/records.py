"""Validation of raw rows into :class:`MatterRecord`, collecting every problem of a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hall.importers.errors import InvalidRecords, Problem
from hall.importers.readers import RawRow
from hall.store import MatterRecord

__all__ = ["validate_rows"]

#: Stop collecting after this many problems: a wholly wrong file need not be listed in full.
MAX_PROBLEMS = 200


def validate_rows(
    path: Path,
    rows: Iterable[RawRow],
    *,
    max_chars: int,
    max_items: int,
    mapper: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[MatterRecord]:
    """Validate every row; raise :class:`InvalidRecords` naming each bad row and field."""
    records: list[MatterRecord] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    context = {"max_chars": max_chars, "max_items": max_items}
    for row in rows:
        data = mapper(row.data) if mapper else row.data
        try:
            record = MatterRecord.model_validate(data, context=context)
        except ValidationError as exc:
            problems.extend(_problems(row.where, exc))
        else:
            earlier = first_seen.get(record.code)
            if earlier is not None:
                problems.append(
                    Problem(row.where, "code", f"code {record.code!r} already used at {earlier}")
                )
            else:
                first_seen[record.code] = row.where
                records.append(record)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise InvalidRecords(path, problems)
    return records


def _problems(where: str, exc: ValidationError) -> list[Problem]:
    found = []
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error["loc"]]
        field = loc[0] if loc else None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required but missing or empty"
        elif len(loc) > 1:
            message = f"item {int(loc[1]) + 1}: {message}" if loc[1].isdigit() else message
        if field is None:
            # Model-level checks name the field in their message.
            found.append(Problem(where, _field_in(message), message))
        else:
            found.append(Problem(where, field, message))
    return found


def _field_in(message: str) -> str | None:
    if message.startswith("field '"):
        return message.split("'", 2)[1]
    return None
