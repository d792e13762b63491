"""Import a file into the store, or validate it only: read -> validate -> upsert, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hall.importers.errors import InvalidFile
from hall.importers.formats import Format, detect_format, parse_format
from hall.importers.platforms import PLATFORM_MAPPERS
from hall.importers.readers import (
    RawRow,
    read_bytes,
    read_csv,
    read_json,
    read_jsonl,
    read_text,
    read_xlsx,
)
from hall.importers.records import validate_rows
from hall.settings import Settings
from hall.store import MatterRecord, Store, UpsertReport, upsert_matters

__all__ = ["ImportResult", "import_file", "load_records"]

#: ``progress(done, total)`` is called as rows are validated.
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    path: str
    format: Format
    report: UpsertReport
    ignored_fields: list[str] = field(default_factory=list)


def load_records(
    path: Path,
    *,
    fmt: Format | str = Format.AUTO,
    settings: Settings,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> tuple[Format, list[MatterRecord], list[str]]:
    """Read and validate a whole file; returns its format, records and unknown field names."""
    fmt = parse_format(fmt)
    data = read_bytes(path, max_bytes=settings.import_max_file_bytes)
    if fmt is Format.AUTO:
        fmt = detect_format(path, data[:65536])
    rows = list(_rows(path, data, fmt, encoding))
    known = set(MatterRecord.model_fields)
    ignored: set[str] = set()
    mapper = PLATFORM_MAPPERS.get(fmt.value)

    def noting(rows: list[RawRow]) -> Iterable[RawRow]:
        for done, row in enumerate(rows, start=1):
            if mapper is None:
                ignored.update(k for k in row.data if k not in known)
            yield row
            if progress is not None and (done % 100 == 0 or done == len(rows)):
                progress(done, len(rows))

    records = validate_rows(
        path,
        noting(rows),
        max_chars=settings.import_max_field_chars,
        max_items=settings.import_max_list_items,
        mapper=mapper,
    )
    if not records:
        raise InvalidFile(path, "holds no matters")
    return fmt, records, sorted(ignored)


def _rows(path: Path, data: bytes, fmt: Format, encoding: str) -> Iterable[RawRow]:
    if fmt is Format.XLSX:
        return read_xlsx(path, data)
    text = read_text(path, data, encoding=encoding)
    if fmt is Format.CSV:
        return read_csv(path, text)
    if fmt in (Format.JSONL, Format.GDZWFW) and not text.lstrip().startswith("["):
        return read_jsonl(path, text)
    return read_json(path, text)


def import_file(
    store: Store,
    path: Path,
    *,
    settings: Settings,
    fmt: Format | str = Format.AUTO,
    dry_run: bool = False,
    retire_missing: bool = False,
    encoding: str = "utf-8",
    progress: Progress | None = None,
    by: str = "system",
    name: str | None = None,
) -> ImportResult:
    """Upsert a file's matters by code in one transaction; ``dry_run`` rolls it back.

    ``by`` (who) and ``name`` (the file's name, default the path's) go to the audit log.
    """
    used, records, ignored = load_records(
        path, fmt=fmt, settings=settings, encoding=encoding, progress=progress
    )
    with store.session(commit=not dry_run) as session:
        report = upsert_matters(
            session,
            records,
            retire_missing=retire_missing,
            by=by,
            source=name or path.name,
        )
        report.dry_run = dry_run
    return ImportResult(path=str(path), format=used, report=report, ignored_fields=ignored)
