"""Reading every import format into the same records, and telling the formats apart."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from hall.importers import (
    Format,
    InvalidFile,
    InvalidRecords,
    UnknownFormat,
    detect_format,
    load_records,
)
from hall.importers import parse_format as parse
from hall.settings import Settings
from hall.store import MatterRecord


@pytest.fixture
def cfg(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path / "var")


EXPECTED = [
    MatterRecord(
        code="440100001",
        title="出生登记",
        department="广州市公安局",
        materials=("居民身份证", '出生医学证明（原件, "复印件"）'),
        conditions="新生儿出生后一个月内，\n由监护人申报。",
        questions=("怎么给孩子上户口",),
    ),
    MatterRecord(
        code="FAQ-1",
        title="社保怎么转移",
        kind="faq",
        answer='登录"粤省事"，选择转移。',
    ),
]

# The same two matters as each format's producers write them.
ROWS: list[dict[str, Any]] = [
    {
        "code": "440100001",
        "title": "出生登记",
        "department": "广州市公安局",
        "materials": '居民身份证；出生医学证明（原件, "复印件"）',
        "conditions": "新生儿出生后一个月内，\n由监护人申报。",
        "questions": "怎么给孩子上户口",
    },
    {"code": "FAQ-1", "title": "社保怎么转移", "kind": "faq", "answer": '登录"粤省事"，选择转移。'},
]
COLUMNS = ["code", "title", "kind", "department", "conditions", "materials", "answer", "questions"]
CHINESE = {
    "code": "事项编码",
    "title": "事项名称",
    "kind": "类别",
    "department": "实施部门",
    "conditions": "受理条件",
    "materials": "申请材料",
    "answer": "答案",
    "questions": "常见问法",
}


def as_lists(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in ("materials", "questions"):
        if name in out:
            out[name] = out[name].split("；")
    return out


def jsonl(crlf: bool = False, blank_lines: bool = False) -> bytes:
    lines = [json.dumps(as_lists(row), ensure_ascii=False) for row in ROWS]
    if blank_lines:
        lines = ["", lines[0], "   ", lines[1], ""]
    return ("\r\n" if crlf else "\n").join(lines).encode()


def json_doc(key: str | None) -> bytes:
    items = [as_lists(row) for row in ROWS]
    return json.dumps({key: items} if key else items, ensure_ascii=False, indent=2).encode()


def table(
    delimiter: str = ",",
    header: dict[str, str] | None = None,
    bom: bool = False,
    crlf: bool = True,
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow([(header or {}).get(c, c) for c in COLUMNS])
    for row in ROWS:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def workbook(header: dict[str, str] | None = None, int_codes: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([(header or {}).get(c, c) for c in COLUMNS])
    sheet.append([None] * len(COLUMNS))  # a blank row is skipped
    for row in ROWS:
        cells: list[Any] = [row.get(c) for c in COLUMNS]
        if int_codes and row["code"].isdigit():
            cells[0] = int(row["code"])  # spreadsheets turn codes into numbers
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMATS: list[Any] = [
    pytest.param("a.jsonl", lambda: jsonl(), Format.JSONL, id="jsonl"),
    pytest.param(
        "a.jsonl", lambda: jsonl(crlf=True, blank_lines=True), Format.JSONL, id="jsonl-crlf"
    ),
    pytest.param("a.ndjson", lambda: jsonl(), Format.JSONL, id="ndjson"),
    pytest.param("a.jsonl", lambda: b"\xef\xbb\xbf" + jsonl(), Format.JSONL, id="jsonl-bom"),
    pytest.param("a.json", lambda: json_doc(None), Format.JSON, id="json-array"),
    pytest.param("a.json", lambda: json_doc("matters"), Format.JSON, id="json-matters"),
    pytest.param("a.json", lambda: json_doc("data"), Format.JSON, id="json-data"),
    pytest.param("a.csv", lambda: table(), Format.CSV, id="csv-comma"),
    pytest.param("a.csv", lambda: table(crlf=False), Format.CSV, id="csv-lf"),
    pytest.param("a.tsv", lambda: table("\t"), Format.CSV, id="tsv"),
    pytest.param("a.txt", lambda: table("\t"), Format.CSV, id="txt-tab"),
    pytest.param("a.csv", lambda: table(bom=True), Format.CSV, id="csv-bom"),
    pytest.param("a.csv", lambda: table(header=CHINESE), Format.CSV, id="csv-chinese-header"),
    pytest.param(
        "a.csv", lambda: table(header=CHINESE, bom=True), Format.CSV, id="csv-chinese-header-bom"
    ),
    pytest.param("a.xlsx", lambda: workbook(), Format.XLSX, id="xlsx-int-codes"),
    pytest.param("a.xlsx", lambda: workbook(CHINESE), Format.XLSX, id="xlsx-chinese-header"),
    pytest.param("a.xlsx", lambda: workbook(int_codes=False), Format.XLSX, id="xlsx-text-codes"),
]


@pytest.mark.parametrize(("name", "content", "fmt"), FORMATS)
def test_every_format_reads_the_same_records(
    tmp_path: Path, cfg: Settings, name: str, content: Callable[[], bytes], fmt: Format
) -> None:
    path = tmp_path / name
    path.write_bytes(content())

    used, records, ignored = load_records(path, settings=cfg)

    assert used is fmt
    assert records == EXPECTED
    assert ignored == []
    # The explicit format reads the same.
    assert load_records(path, settings=cfg, fmt=fmt)[1] == EXPECTED


def test_csv_other_encoding_with_option(tmp_path: Path, cfg: Settings) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(table(header=CHINESE).decode().encode("gb18030"))

    with pytest.raises(InvalidFile, match=r"gbk\.csv, line 1: .*--encoding gb18030"):
        load_records(path, settings=cfg)
    assert load_records(path, settings=cfg, encoding="gb18030")[1] == EXPECTED


@pytest.mark.parametrize(
    ("name", "content", "ignored"),
    [
        pytest.param(
            "a.jsonl",
            b'{"code": "A", "title": "t", "TASK_X": 1, "foo": null}\n'
            b'{"code": "B", "title": "t", "bar": "x"}\n',
            ["TASK_X", "bar", "foo"],
            id="jsonl",
        ),
        pytest.param(
            "a.csv", "code,title,备注,\nA,t,x,\n".encode(), ["备注"], id="csv-and-blank-header"
        ),
    ],
)
def test_unknown_fields_are_ignored_and_reported(
    tmp_path: Path, cfg: Settings, name: str, content: bytes, ignored: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    _, records, found = load_records(path, settings=cfg)
    assert found == ignored
    assert records[0].to_dict() == {"code": "A", "title": "t", "kind": "matter"}


def test_csv_row_with_fewer_cells_than_header(tmp_path: Path, cfg: Settings) -> None:
    path = tmp_path / "short.csv"
    path.write_text("code,title,department,url\nA,标题\nB,标题二,部门\n", encoding="utf-8")
    _, records, _ = load_records(path, settings=cfg)
    assert [r.to_dict() for r in records] == [
        {"code": "A", "title": "标题", "kind": "matter"},
        {"code": "B", "title": "标题二", "kind": "matter", "department": "部门"},
    ]


def test_jsonl_lines_may_hold_unicode_line_separators(tmp_path: Path, cfg: Settings) -> None:
    # json.dumps(ensure_ascii=False) writes U+2028 and U+0085 verbatim; only "\n" ends a line.
    record = MatterRecord(code="A", title="标题", conditions="一\u2028二\x85三\u2029四")
    path = tmp_path / "sep.jsonl"
    path.write_text(
        json.dumps(record.to_dict(), ensure_ascii=False) + "\n" + '{"code": "B"}\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidRecords, match=r"sep\.jsonl, line 2, field 'title'"):
        load_records(path, settings=cfg)
    path.write_text(json.dumps(record.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_records(path, settings=cfg)[1] == [record]


GDZWFW_LINE = '{"_id": {"$oid": "1"}, "TASK_CODE": "1144", "TASK_NAME": "临时价格干预"}'
SCZWFW_ITEM = (
    '{"department": "区经信局", "main_item": "未分类", "name": "备案", "link": "http://x"}'
)


@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        pytest.param("a.jsonl", b'{"code": "A", "title": "t"}\n', Format.JSONL, id="jsonl"),
        pytest.param("A.JSONL", b'{"code": "A", "title": "t"}\n', Format.JSONL, id="upper-case"),
        pytest.param("a.ndjson", b'{"code": "A"}\n', Format.JSONL, id="ndjson"),
        pytest.param("a.jsonl", f"{GDZWFW_LINE}\n".encode(), Format.GDZWFW, id="jsonl-gdzwfw"),
        pytest.param(
            "a.jsonl", f"\n\ufeff{GDZWFW_LINE}\n".encode(), Format.GDZWFW, id="gdzwfw-blank-first"
        ),
        pytest.param(
            "a.jsonl",
            b'{"code": "A", "title": "TASK_CODE"}\n',
            Format.JSONL,
            id="platform-field-name-as-a-value",
        ),
        pytest.param(
            "a.jsonl", b'{"TASK_CODE" : "1144", "TASK_NAME": "t"}\n', Format.GDZWFW, id="spaced-key"
        ),
        pytest.param("a.json", b'[{"code": "A", "title": "t"}]', Format.JSON, id="json-array"),
        pytest.param(
            "a.json",
            b'[{"code": "A", "title": "TASK_CODE"}]',
            Format.JSON,
            id="json-platform-field-name-as-a-value",
        ),
        pytest.param("a.json", b'{"matters": [{"code": "A"}]}', Format.JSON, id="json-object"),
        pytest.param("a.json", f"[{GDZWFW_LINE}]".encode(), Format.GDZWFW, id="json-gdzwfw"),
        pytest.param(
            "a.json", f"{GDZWFW_LINE}\n{GDZWFW_LINE}\n".encode(), Format.GDZWFW, id="gdzwfw-lines"
        ),
        pytest.param("a.json", f"[\n{SCZWFW_ITEM}\n]".encode(), Format.SCZWFW, id="json-sczwfw"),
        pytest.param(
            "a.json",
            b'[{"code": "A", "name": "n", "link": "http://x"}]',
            Format.JSON,
            id="link-and-name-with-code-is-interchange",
        ),
        pytest.param("a.csv", b"code,title\n", Format.CSV, id="csv"),
        pytest.param("a.tsv", b"code\ttitle\n", Format.CSV, id="tsv"),
        pytest.param("a.txt", b"code\ttitle\n", Format.CSV, id="txt"),
        pytest.param("a.xlsx", b"PK\x03\x04", Format.XLSX, id="xlsx"),
        pytest.param("a.XLSX", b"PK\x03\x04", Format.XLSX, id="xlsx-upper-case"),
    ],
)
def test_auto_detection(name: str, head: bytes, fmt: Format) -> None:
    assert detect_format(Path(name), head) is fmt


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a.pdf", id="pdf"),
        pytest.param("a.xls", id="old-excel"),
        pytest.param("matters", id="no-extension"),
    ],
)
def test_auto_detection_refuses_unknown_extensions(name: str) -> None:
    with pytest.raises(UnknownFormat, match=r"\.csv, \.json, \.jsonl.*--format"):
        detect_format(Path(name), b'{"code": "A", "title": "t"}')


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        pytest.param("auto", Format.AUTO, id="auto"),
        pytest.param("JSONL", Format.JSONL, id="upper-case"),
        pytest.param("xlsx", Format.XLSX, id="xlsx"),
        pytest.param("gdzwfw", Format.GDZWFW, id="gdzwfw"),
        pytest.param(Format.SCZWFW, Format.SCZWFW, id="enum"),
    ],
)
def test_parse_format(name: str | Format, fmt: Format) -> None:
    assert parse(name) is fmt


@pytest.mark.parametrize("name", ["yaml", "", "xls", "json "])
def test_parse_format_refuses_unknown_names_listing_valid_ones(name: str) -> None:
    with pytest.raises(
        UnknownFormat, match=f"{name!r}.*auto, jsonl, json, csv, xlsx, gdzwfw, sczwfw"
    ):
        parse(name)
