"""Importing is all or nothing: bad input rejects the whole file and leaves the store as it was."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from hall.importers import (
    Format,
    InterchangeError,
    InvalidFile,
    InvalidRecords,
    UnknownFormat,
    import_file,
    render,
)
from hall.settings import Settings
from hall.store import (
    MatterRecord,
    MatterStatus,
    Store,
    count_matters,
    get_matter,
    iter_matters,
    search_matters,
    upsert_matters,
)

SEED = [
    MatterRecord(code="S1", title="出生登记", materials=("身份证",), questions=("怎么上户口",)),
    MatterRecord(code="S2", title="结婚登记", department="民政局"),
    MatterRecord(code="S3", title="社保转移", kind="faq", answer="在线办理。"),
]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def snapshot(store: Store) -> tuple[bytes, list[tuple[str, int, Any]]]:
    """The store as an export, plus what an export does not show."""
    with store.session(commit=False) as session:
        matters = iter_matters(session)
    rendered = render([m.record for m in matters], Format.JSONL)
    return rendered, [(m.code, m.revision, m.updated_at) for m in matters]


@pytest.fixture
def seeded(store: Store) -> Store:
    with store.session() as session:
        upsert_matters(session, SEED)
    return store


def new_rows(n: int = 1000) -> list[dict[str, Any]]:
    return [
        {"code": f"N{i:04d}", "title": f"新事项{i}", "materials": ["身份证", "申请表"]}
        for i in range(1, n + 1)
    ]


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode() + b"\n"


def csv_bytes(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def csv_table(
    rows: list[dict[str, Any]], columns: tuple[str, ...] = ("code", "title", "materials")
) -> bytes:
    def cell(value: Any) -> Any:
        return "；".join(value) if isinstance(value, list) else value

    return csv_bytes([list(columns), *[[cell(row.get(c, "")) for c in columns] for row in rows]])


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("matters")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_table(rows: list[dict[str, Any]]) -> bytes:
    return xlsx([["code", "title"], *[[row["code"], row.get("title")] for row in rows]])


def without_title_at(index: int) -> list[dict[str, Any]]:
    rows = new_rows()
    del rows[index]["title"]
    return rows


def with_code_twice() -> list[dict[str, Any]]:
    rows = new_rows(6)
    rows[4]["code"] = rows[1]["code"]
    return rows


def with_field(index: int, **fields: Any) -> list[dict[str, Any]]:
    rows = new_rows(5)
    rows[index].update(fields)
    return rows


def broken_xlsx(write_only: bool = True) -> bytes:
    """A workbook whose sheet XML is cut short: write-only sheets fail on opening, others when
    the rows are read (their dimension comes first)."""
    if write_only:
        data = xlsx([["code", "title"], ["A", "t"]])
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in [["code", "title"], *[[f"A{i}", "标题" * 20] for i in range(200)]]:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    good = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for item in good.infolist():
            data = good.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut off mid-element
            out.writestr(item, data)
    return buffer.getvalue()


def zip_of_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


# (file name, its bytes (None: no file), error, fragments of the message, (where, field) problems)
BAD: list[Any] = [
    pytest.param(
        "new.jsonl",
        lambda: jsonl(without_title_at(536)),
        InvalidRecords,
        ["line 537", "field 'title'", "1 invalid record"],
        [("line 537", "title")],
        id="jsonl-no-title-among-1000",
    ),
    pytest.param(
        "new.csv",
        lambda: csv_table(without_title_at(536)),
        InvalidRecords,
        ["row 538", "field 'title'"],
        [("row 538", "title")],
        id="csv-no-title-among-1000",
    ),
    pytest.param(
        "new.xlsx",
        lambda: xlsx_table(without_title_at(536)),
        InvalidRecords,
        ["row 538", "field 'title'"],
        [("row 538", "title")],
        id="xlsx-no-title-among-1000",
    ),
    pytest.param(
        "new.json",
        lambda: json.dumps(without_title_at(536)).encode(),
        InvalidRecords,
        ["item 537", "field 'title'"],
        [("item 537", "title")],
        id="json-no-title-among-1000",
    ),
    pytest.param(
        "twice.jsonl",
        lambda: jsonl(with_code_twice()),
        InvalidRecords,
        ["line 5", "field 'code'", "'N0002' already used at line 2"],
        [("line 5", "code")],
        id="jsonl-code-twice",
    ),
    pytest.param(
        "twice.csv",
        lambda: csv_table(with_code_twice()),
        InvalidRecords,
        ["row 6", "field 'code'", "'N0002' already used at row 3"],
        [("row 6", "code")],
        id="csv-code-twice",
    ),
    pytest.param(
        "twice.jsonl",
        lambda: jsonl([*new_rows(3), {"code": "S1", "title": "x"}, {"code": "S1", "title": "y"}]),
        InvalidRecords,
        ["line 5", "'S1' already used at line 4"],
        [("line 5", "code")],
        id="existing-code-twice",
    ),
    pytest.param(
        "types.jsonl",
        lambda: jsonl(with_field(2, title=12)),
        InvalidRecords,
        ["line 3", "field 'title'", "valid string"],
        [("line 3", "title")],
        id="title-a-number",
    ),
    pytest.param(
        "types.jsonl",
        lambda: jsonl(with_field(1, materials=7)),
        InvalidRecords,
        ["line 2", "field 'materials'"],
        [("line 2", "materials")],
        id="materials-a-number",
    ),
    pytest.param(
        "types.jsonl",
        lambda: jsonl(with_field(4, kind="foo")),
        InvalidRecords,
        ["line 5", "field 'kind'", "'matter' or 'faq'"],
        [("line 5", "kind")],
        id="kind-unknown",
    ),
    pytest.param(
        "types.xlsx",
        lambda: xlsx([["code", "title"], ["A", "t"], ["B", 1.5]]),
        InvalidRecords,
        ["row 3", "field 'title'"],
        [("row 3", "title")],
        id="xlsx-title-a-float",
    ),
    pytest.param(
        "several.jsonl",
        lambda: jsonl([{"code": "A"}, {"title": "t"}, {"code": "C", "title": "t", "status": "x"}]),
        InvalidRecords,
        ["3 invalid record", "line 1, field 'title'", "line 2, field 'code'", "line 3"],
        [("line 1", "title"), ("line 2", "code"), ("line 3", "status")],
        id="every-problem-listed",
    ),
    pytest.param(
        "long.jsonl",
        lambda: jsonl(with_field(0, conditions="长" * 1_000_000)),
        InvalidRecords,
        ["line 1", "field 'conditions'", "1000000 characters"],
        [("line 1", "conditions")],
        id="absurdly-long-field",
    ),
    pytest.param(
        "long.csv",
        lambda: csv_bytes([["code", "title"], ["A", "t"], ["B", "题" * 100_000]]),
        InvalidRecords,
        ["row 3", "field 'title'", "at most 500"],
        [("row 3", "title")],
        id="long-title",
    ),
    pytest.param(
        "long.csv",
        lambda: csv_bytes([["code", "title", "conditions"], ["A", "t", "长" * 1_000_000]]),
        InvalidFile,
        ["line 2", "malformed CSV: field larger than field limit"],
        None,
        id="absurdly-long-csv-cell",
    ),
    pytest.param(
        "nul.jsonl",
        lambda: jsonl(with_field(3, department="公安\x00局")),
        InvalidRecords,
        ["line 4", "field 'department'", "control character"],
        [("line 4", "department")],
        id="nul-character",
    ),
    pytest.param(
        "many.csv",
        lambda: csv_bytes(
            [["code", "title", "materials"], ["A", "t", "；".join(map(str, range(501)))]]
        ),
        InvalidRecords,
        ["row 2", "field 'materials'", "501 items"],
        [("row 2", "materials")],
        id="too-many-list-items",
    ),
    pytest.param(
        "bytes.jsonl",
        lambda: jsonl(new_rows(2)) + b"\xff\xfe garbage\n",
        InvalidFile,
        ["line 3", "not utf-8", "--encoding"],
        None,
        id="undecodable-bytes",
    ),
    pytest.param(
        "image.csv", lambda: PNG, InvalidFile, ["line 1", "not utf-8"], None, id="png-as-csv"
    ),
    pytest.param(
        "image.xlsx", lambda: PNG, InvalidFile, ["not a readable XLSX"], None, id="png-as-xlsx"
    ),
    pytest.param(
        "image.jsonl", lambda: PNG, InvalidFile, ["line 1", "not utf-8"], None, id="png-as-jsonl"
    ),
    pytest.param(
        "archive.xlsx",
        zip_of_text,
        InvalidFile,
        ["not a readable XLSX"],
        None,
        id="zip-not-a-workbook",
    ),
    pytest.param(
        "broken.xlsx",
        broken_xlsx,
        InvalidFile,
        ["not a readable XLSX"],
        None,
        id="xlsx-broken-xml-on-opening",
    ),
    pytest.param(
        "broken.xlsx",
        lambda: broken_xlsx(write_only=False),
        InvalidFile,
        ["not a readable XLSX"],
        None,
        id="xlsx-broken-xml-in-rows",
    ),
    pytest.param(
        "syntax.jsonl",
        lambda: jsonl(new_rows(3)) + b'{"code": "X", "title": }\n' + jsonl(new_rows(2)),
        InvalidFile,
        ["line 4", "malformed JSON", "column"],
        None,
        id="malformed-json-line",
    ),
    pytest.param(
        "syntax.jsonl",
        lambda: jsonl(new_rows(1)) + b'["code", "title"]\n',
        InvalidFile,
        ["line 2", "expected a JSON object, got an array"],
        None,
        id="json-line-not-an-object",
    ),
    pytest.param(
        "syntax.json",
        lambda: b'[\n{"code": "A", "title": "t"},\n{"code": "B",\n]',
        InvalidFile,
        ["line 4", "malformed JSON"],
        None,
        id="malformed-json-document",
    ),
    pytest.param(
        "object.json",
        lambda: b'{"rows": [{"code": "A", "title": "t"}]}',
        InvalidFile,
        ["expected a JSON array"],
        None,
        id="json-object-without-matters",
    ),
    pytest.param(
        "items.json",
        lambda: b'[{"code": "A", "title": "t"}, "B"]',
        InvalidFile,
        ["item 2", "got a string"],
        None,
        id="json-item-not-an-object",
    ),
    pytest.param("empty.jsonl", lambda: b"", InvalidFile, ["is empty"], None, id="empty-jsonl"),
    pytest.param("empty.csv", lambda: b"", InvalidFile, ["is empty"], None, id="empty-csv"),
    pytest.param("empty.xlsx", lambda: b"", InvalidFile, ["is empty"], None, id="empty-xlsx"),
    pytest.param(
        "blank.jsonl", lambda: b"\n  \n\n", InvalidFile, ["holds no matters"], None, id="blank"
    ),
    pytest.param("none.json", lambda: b"[]", InvalidFile, ["holds no matters"], None, id="[]"),
    pytest.param(
        "header.csv",
        lambda: "\ufeff事项编码,事项名称\r\n".encode(),
        InvalidFile,
        ["holds no matters"],
        None,
        id="csv-only-header",
    ),
    pytest.param(
        "header.xlsx",
        lambda: xlsx([["code", "title"]]),
        InvalidFile,
        ["holds no matters"],
        None,
        id="xlsx-only-header",
    ),
    pytest.param(
        "nosheet.xlsx",
        lambda: xlsx([]),
        InvalidFile,
        ["has no header row"],
        None,
        id="xlsx-empty-sheet",
    ),
    pytest.param(
        "wide.csv",
        lambda: csv_bytes([["code", "title"], ["A", "t"], ["B", "t", "extra"]]),
        InvalidFile,
        ["row 3", "3 cells", "header has 2"],
        None,
        id="csv-more-cells-than-header",
    ),
    pytest.param(
        "wide.xlsx",
        lambda: xlsx([["code", "title"], ["A", "t", "extra"]]),
        InvalidFile,
        ["row 2", "beyond the header"],
        None,
        id="xlsx-more-cells-than-header",
    ),
    pytest.param(
        "nocode.csv",
        lambda: csv_bytes([["名称", "部门"], ["t", "d"]]),
        InvalidFile,
        ["row 1", "lacks the column(s) code"],
        None,
        id="csv-header-without-code",
    ),
    pytest.param(
        "twice-header.csv",
        lambda: csv_bytes([["code", "事项编码", "title"], ["A", "B", "t"]]),
        InvalidFile,
        ["row 1", "column 'code' twice"],
        None,
        id="csv-header-names-a-column-twice",
    ),
    pytest.param("missing.jsonl", None, InvalidFile, ["no such file"], None, id="missing-file"),
    pytest.param(
        "matters.pdf", lambda: PNG, UnknownFormat, ["'.pdf'", "--format"], None, id="unknown-ext"
    ),
]


@pytest.mark.parametrize(("name", "content", "error", "fragments", "problems"), BAD)
def test_bad_input_rejects_the_whole_file_and_changes_nothing(
    seeded: Store,
    settings: Settings,
    tmp_path: Path,
    name: str,
    content: Callable[[], bytes] | None,
    error: type[InterchangeError],
    fragments: list[str],
    problems: list[tuple[str, str]] | None,
) -> None:
    path = tmp_path / "in" / name
    path.parent.mkdir()
    if content is not None:
        path.write_bytes(content())
    before = snapshot(seeded)

    with pytest.raises(InterchangeError) as caught:
        import_file(seeded, path, settings=settings)

    assert type(caught.value) is error
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    if problems is not None:
        assert isinstance(caught.value, InvalidRecords)
        assert [(p.where, p.field) for p in caught.value.problems] == problems
    assert snapshot(seeded) == before


def test_bad_input_is_rejected_on_a_dry_run_too(
    seeded: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(jsonl(without_title_at(9)))
    with pytest.raises(InvalidRecords, match="line 10, field 'title'"):
        import_file(seeded, path, settings=settings, dry_run=True)


@pytest.mark.parametrize(
    ("limits", "content", "fragments"),
    [
        pytest.param(
            {"import_max_field_chars": 100},
            jsonl([{"code": "A", "title": "t", "conditions": "x" * 101}]),
            ["line 1, field 'conditions'", "101 characters", "limit of 100"],
            id="field-chars",
        ),
        pytest.param(
            {"import_max_list_items": 2},
            jsonl([{"code": "A", "title": "t", "materials": ["a", "b", "c"]}]),
            ["line 1, field 'materials'", "3 items", "limit of 2"],
            id="list-items",
        ),
        pytest.param(
            {"import_max_file_bytes": 1024},
            jsonl(new_rows(50)),
            ["bytes, over the limit of 1,024"],
            id="file-bytes",
        ),
    ],
)
def test_limits_come_from_settings(
    seeded: Store,
    settings: Settings,
    tmp_path: Path,
    limits: dict[str, int],
    content: bytes,
    fragments: list[str],
) -> None:
    path = tmp_path / "limits.jsonl"
    path.write_bytes(content)
    before = snapshot(seeded)
    with pytest.raises(InterchangeError) as caught:
        import_file(seeded, path, settings=settings.model_copy(update=limits))
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert snapshot(seeded) == before
    # Under the default limits the same file imports.
    import_file(seeded, path, settings=settings)


INJECTIONS = [
    "'; DROP TABLE matters; --",
    "Robert'); DROP TABLE matter_questions;--",
    "1' OR '1'='1",
    '" OR ""="',
    "%_\\%",
    "<script>alert('x')</script>",
    '=HYPERLINK("http://evil.example","点这里")',
    "{{7*7}} ${7*7}",
    "../../etc/passwd",
]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_injection_looking_text_is_stored_verbatim_and_harmless(
    store: Store, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    rows = [
        {"code": f"I{i}", "title": text, "department": text, "questions": [text]}
        for i, text in enumerate(INJECTIONS)
    ]
    path = tmp_path / f"inject.{fmt}"
    if fmt == "jsonl":
        path.write_bytes(jsonl(rows))
    elif fmt == "csv":
        path.write_bytes(csv_table(rows, ("code", "title", "department", "questions")))
    else:
        path.write_bytes(render([MatterRecord.model_validate(r) for r in rows], Format.XLSX))

    report = import_file(store, path, settings=settings).report

    assert report.created == len(INJECTIONS)
    with store.session(commit=False) as session:
        assert count_matters(session) == len(INJECTIONS)
        for i, text in enumerate(INJECTIONS):
            matter = get_matter(session, f"I{i}")
            assert (matter.record.title, matter.record.department) == (text, text)
            assert matter.record.questions == (text,)
            page, total = search_matters(session, text)
            assert f"I{i}" in [m.code for m in page]
            assert total >= 1


def test_dry_run_reports_counts_and_writes_nothing(
    seeded: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "next.jsonl"
    rows = [
        SEED[0].to_dict(),  # unchanged
        {**SEED[1].to_dict(), "department": "婚姻登记处"},  # updated
        {"code": "S9", "title": "新事项"},  # created; S3 is missing: retired
    ]
    path.write_bytes(jsonl(rows))
    before = snapshot(seeded)

    dry = import_file(seeded, path, settings=settings, dry_run=True, retire_missing=True)

    assert dry.report.dry_run is True
    assert dry.report.model_dump() == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "retired": 1,
        "dry_run": True,
        "created_codes": ["S9"],
        "updated_fields": {"S2": ["department"]},
        "retired_codes": ["S3"],
    }
    assert snapshot(seeded) == before

    real = import_file(seeded, path, settings=settings, retire_missing=True)

    assert real.report.dry_run is False
    assert real.report.model_dump(exclude={"dry_run"}) == dry.report.model_dump(exclude={"dry_run"})
    assert snapshot(seeded) != before
    with seeded.session(commit=False) as session:
        assert get_matter(session, "S3").record.status is MatterStatus.RETIRED
        assert count_matters(session, status=MatterStatus.ACTIVE) == 3


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "xlsx"])
def test_reimport_reports_all_unchanged(
    store: Store, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    records = [MatterRecord.model_validate(row) for row in new_rows(40)] + SEED
    path = tmp_path / f"same.{fmt}"
    path.write_bytes(render(records, Format(fmt)))

    first = import_file(store, path, settings=settings)
    after_first = snapshot(store)
    second = import_file(store, path, settings=settings)

    assert first.report.created == len(records)
    assert (second.report.created, second.report.updated, second.report.retired) == (0, 0, 0)
    assert second.report.unchanged == len(records)
    assert snapshot(store) == after_first


def test_import_result(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "result.jsonl"
    path.write_bytes(jsonl([{**row, "extra": 1} for row in new_rows(250)]))
    calls: list[tuple[int, int]] = []

    result = import_file(
        store, path, settings=settings, progress=lambda done, total: calls.append((done, total))
    )

    assert (result.path, result.format, result.ignored_fields) == (
        str(path),
        Format.JSONL,
        ["extra"],
    )
    assert result.report.created == result.report.total == 250
    assert calls == [(100, 250), (200, 250), (250, 250)]
