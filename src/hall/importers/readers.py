"""Readers turn a file into raw rows, each with the place it came from ("line 7", "row 3").

They check bytes and syntax only; field validation happens once, in ``records.py``, for every
format alike. A reader raises :class:`InvalidFile` for anything it cannot parse.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hall.importers.errors import InvalidFile

__all__ = ["RawRow", "read_bytes", "read_csv", "read_json", "read_jsonl", "read_text", "read_xlsx"]

#: Header names the platform uses in its spreadsheets, mapped to interchange fields.
HEADER_ALIASES: dict[str, str] = {
    "事项编码": "code",
    "编码": "code",
    "事项名称": "title",
    "名称": "title",
    "类别": "kind",
    "状态": "status",
    "实施部门": "department",
    "部门": "department",
    "区域": "region",
    "事项类型": "type",
    "主项": "parent",
    "简称": "aliases",
    "别名": "aliases",
    "关键词": "keywords",
    "受理条件": "conditions",
    "申请材料": "materials",
    "办理流程": "process",
    "法定时限": "time_limit",
    "承诺时限": "promised_time_limit",
    "收费标准": "fee",
    "法律依据": "legal_basis",
    "办理地点": "location",
    "办公时间": "hours",
    "咨询电话": "phone",
    "办事指南": "url",
    "在线办理": "online_url",
    "答案": "answer",
    "来源": "source",
    "常见问法": "questions",
}


@dataclass(frozen=True)
class RawRow:
    where: str
    data: dict[str, Any]


def read_bytes(path: Path, *, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidFile(path, "no such file") from None
    except OSError as exc:
        raise InvalidFile(path, f"cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise InvalidFile(path, "is a folder, not a file")
    if size > max_bytes:
        raise InvalidFile(path, f"is {size:,} bytes, over the limit of {max_bytes:,}")
    if size == 0:
        raise InvalidFile(path, "is empty")
    return path.read_bytes()


def read_text(path: Path, data: bytes, *, encoding: str = "utf-8") -> str:
    """Decode strictly; a UTF-8 byte-order mark is tolerated. Errors name the line."""
    if encoding.replace("-", "").lower() == "utf8":
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise InvalidFile(path, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidFile(
            path,
            f"bytes that are not {exc.encoding} at offset {exc.start} "
            "(a binary file, or another encoding: try --encoding gb18030)",
            where=f"line {line}",
        ) from None


def read_jsonl(path: Path, text: str) -> Iterator[RawRow]:
    # Only "\n" ends a line: JSON strings may hold U+2028, U+0085 and the like verbatim.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidFile(
                path, f"malformed JSON: {exc.msg} (column {exc.colno})", where=where
            ) from None
        if not isinstance(value, dict):
            raise InvalidFile(path, f"expected a JSON object, got {_json_kind(value)}", where=where)
        yield RawRow(where, value)


def read_json(path: Path, text: str) -> list[RawRow]:
    """A JSON array of objects, or an object holding one under ``matters``/``data``/``items``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFile(path, f"malformed JSON: {exc.msg}", where=f"line {exc.lineno}") from None
    if isinstance(value, dict):
        for key in ("matters", "data", "items"):
            if isinstance(value.get(key), list):
                value = value[key]
                break
        else:
            raise InvalidFile(path, "expected a JSON array of matters")
    if not isinstance(value, list):
        raise InvalidFile(path, f"expected a JSON array of matters, got {_json_kind(value)}")
    rows = []
    for number, item in enumerate(value, start=1):
        where = f"item {number}"
        if not isinstance(item, dict):
            raise InvalidFile(path, f"expected a JSON object, got {_json_kind(item)}", where=where)
        rows.append(RawRow(where, item))
    return rows


def _header(path: Path, cells: list[Any], where: str) -> list[str | None]:
    names: list[str | None] = []
    for cell in cells:
        name = str(cell).strip().lstrip("\ufeff") if cell is not None else ""
        names.append(HEADER_ALIASES.get(name, name) or None)
    present = {n for n in names if n}
    missing = [need for need in ("code", "title") if need not in present]
    if missing:
        raise InvalidFile(
            path, f"the header row lacks the column(s) {', '.join(missing)}", where=where
        )
    seen: set[str] = set()
    for column in names:
        if column and column in seen:
            raise InvalidFile(path, f"the header names column {column!r} twice", where=where)
        if column:
            seen.add(column)
    return names


def read_csv(path: Path, text: str) -> Iterator[RawRow]:
    first_line = text.split("\n", 1)[0]
    tabbed = "\t" in first_line and "," not in first_line
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel_tab if tabbed else csv.excel)
    try:
        header_cells = next(reader)
    except StopIteration:
        raise InvalidFile(path, "has no header row") from None
    except csv.Error as exc:
        raise InvalidFile(path, f"malformed CSV: {exc}", where="row 1") from None
    names = _header(path, header_cells, "row 1")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidFile(
                path, f"malformed CSV: {exc}", where=f"line {reader.line_num}"
            ) from None
        where = f"row {reader.line_num}"
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            raise InvalidFile(
                path, f"has {len(cells)} cells, but the header has {len(names)}", where=where
            )
        yield RawRow(where, {n: v for n, v in zip(names, cells, strict=False) if n})


def read_xlsx(path: Path, data: bytes) -> Iterator[RawRow]:
    """The first worksheet; row 1 is the header. Whole-number cells are read as text."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise InvalidFile(path, f"not a readable XLSX workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header_cells = list(next(rows))
        except StopIteration:
            raise InvalidFile(path, "has no header row") from None
        names = _header(path, header_cells, "row 1")
        for number, cells in enumerate(rows, start=2):
            values = list(cells)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            where = f"row {number}"
            if len(values) > len(names) and any(v is not None for v in values[len(names) :]):
                raise InvalidFile(path, "has cells beyond the header's columns", where=where)
            yield RawRow(
                where,
                {
                    n: _xlsx_value(v)
                    for n, v in zip(names, values, strict=False)
                    if n and v is not None
                },
            )
    except (SyntaxError, zipfile.BadZipFile) as exc:  # broken XML (ElementTree, lxml) or zip
        raise InvalidFile(path, f"not a readable XLSX workbook ({exc})") from None
    finally:
        workbook.close()


def _xlsx_value(value: Any) -> Any:
    # Spreadsheet programs turn codes such as 440100 into numbers; they are still codes.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _json_kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }.get(type(value), "null")
