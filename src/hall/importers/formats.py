"""File formats: an Enum plus a table, and the ``auto`` detection by extension and fields."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path

from hall.importers.errors import UnknownFormat

__all__ = ["EXPORT_FORMATS", "Format", "detect_format", "parse_format"]


class Format(StrEnum):
    AUTO = "auto"
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    GDZWFW = "gdzwfw"
    SCZWFW = "sczwfw"


EXPORT_FORMATS = (Format.JSONL, Format.JSON, Format.CSV, Format.XLSX)

_BY_SUFFIX = {
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".json": Format.JSON,
    ".csv": Format.CSV,
    ".tsv": Format.CSV,
    ".txt": Format.CSV,
    ".xlsx": Format.XLSX,
}


def parse_format(name: str | Format) -> Format:
    """The Format called ``name``; an unknown name is refused with the list of valid ones."""
    try:
        return Format(str(name).lower())
    except ValueError:
        valid = ", ".join(f.value for f in Format)
        raise UnknownFormat(f"unknown format {name!r}; choose one of: {valid}") from None


def format_from_suffix(path: Path) -> Format:
    fmt = _BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_BY_SUFFIX))
        raise UnknownFormat(
            f"{path}: cannot tell the format from the extension {path.suffix or '(none)'!r}; "
            f"use one of {known} or pass --format"
        )
    return fmt


def detect_format(path: Path, head: bytes) -> Format:
    """Pick the reader from the extension, then tell platform exports apart by their fields."""
    fmt = format_from_suffix(path)
    if fmt is Format.JSONL:
        first = _first_line(head)
        if _has_key(first, "TASK_CODE"):
            return Format.GDZWFW
    elif fmt is Format.JSON:
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
        if text.startswith("{") and _has_key(_first_line(head), "TASK_CODE"):
            return Format.GDZWFW  # one-object-a-line export saved as .json
        if text.startswith("["):
            window = text[:4096]
            if _has_key(window, "TASK_CODE"):
                return Format.GDZWFW
            if (
                _has_key(window, "link")
                and _has_key(window, "name")
                and not _has_key(window, "code")
            ):
                return Format.SCZWFW
    return fmt


def _has_key(text: str, key: str) -> bool:
    # A key, not a value: a matter titled "TASK_CODE" is still interchange.
    return re.search(f'"{key}"\\s*:', text) is not None


def _first_line(head: bytes) -> str:
    for line in head.decode("utf-8", errors="ignore").splitlines():
        if line.strip():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                return line
            return line if isinstance(value, dict) else ""
    return ""
