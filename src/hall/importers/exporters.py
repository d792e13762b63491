"""Exporters write the catalogue in the interchange format the platform reads back.

Output is deterministic (matters by code, fields in ``FIELD_ORDER``, fixed workbook metadata), so
export -> import -> export gives the same bytes, and a diff of two exports shows real changes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from hall.importers.errors import UnknownFormat
from hall.importers.formats import EXPORT_FORMATS, Format, format_from_suffix, parse_format
from hall.store import FIELD_ORDER, LIST_FIELDS, LIST_SEPARATOR, MatterRecord, Store, iter_matters

__all__ = ["export_file", "render"]

_EPOCH = datetime(2000, 1, 1)


def _cells(record: MatterRecord) -> list[str]:
    data = record.to_dict()
    cells = []
    for name in FIELD_ORDER:
        value = data.get(name)
        if value is None:
            cells.append("")
        elif name in LIST_FIELDS:
            cells.append(LIST_SEPARATOR.join(value))
        else:
            cells.append(str(value))
    return cells


def _jsonl(records: Sequence[MatterRecord]) -> bytes:
    lines = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def _json(records: Sequence[MatterRecord]) -> bytes:
    body = json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=1)
    return (body + "\n").encode()


def _csv(records: Sequence[MatterRecord]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELD_ORDER)
    for record in records:
        writer.writerow(_cells(record))
    # A BOM, so that spreadsheet programs open the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode()


def _xlsx(records: Sequence[MatterRecord]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "hall"
    workbook.properties.created = _EPOCH
    workbook.properties.modified = _EPOCH
    sheet = workbook.create_sheet("matters")

    def text(value: str) -> Cell | None:
        if not value:
            return None
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # text, even when it starts with "=": never a formula
        return cell

    sheet.append(list(FIELD_ORDER))
    for record in records:
        sheet.append([text(cell) for cell in _cells(record)])
    buffer = io.BytesIO()
    # Not ``workbook.save()``: it stamps the properties and every zip member with the time now.
    with _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose members all carry the same timestamp, so equal workbooks give equal bytes."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_EPOCH.timetuple()[:6])
            zinfo_or_arcname.compress_type = self.compression
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # Write-only worksheets arrive as temporary files, stamped with their mtime otherwise.
        self.writestr(str(arcname or filename), Path(filename).read_bytes())


_WRITERS: dict[Format, Callable[[Sequence[MatterRecord]], bytes]] = {
    Format.JSONL: _jsonl,
    Format.JSON: _json,
    Format.CSV: _csv,
    Format.XLSX: _xlsx,
}


def render(records: Sequence[MatterRecord], fmt: Format) -> bytes:
    """The bytes of an export of ``records`` in ``fmt``."""
    writer = _WRITERS.get(fmt)
    if writer is None:
        valid = ", ".join(f.value for f in EXPORT_FORMATS)
        raise UnknownFormat(f"cannot export as {fmt.value!r}; choose one of: {valid}")
    return writer(records)


def export_file(
    store: Store,
    path: Path,
    *,
    fmt: Format | str = Format.AUTO,
    include_retired: bool = True,
) -> int:
    """Write the catalogue to ``path`` atomically; returns the number of matters written."""
    fmt = parse_format(fmt)
    if fmt is Format.AUTO:
        fmt = format_from_suffix(path)
    with store.session(commit=False) as session:
        records = [m.record for m in iter_matters(session, include_retired=include_retired)]
    data = render(records, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(records)
