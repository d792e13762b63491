"""Exports are deterministic: export -> import -> export gives the same bytes in every format."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from hall.importers import (
    EXPORT_FORMATS,
    Format,
    InvalidFile,
    UnknownFormat,
    export_file,
    import_file,
    load_records,
    render,
)
from hall.settings import Settings
from hall.store import (
    FIELD_ORDER,
    MatterRecord,
    QuestionSource,
    Store,
    iter_matters,
    upsert_matters,
)
from hall.store.tables import MatterRow, QuestionRow, utcnow

VARIED = [
    MatterRecord(
        code="11440000006939756B2440101007000",
        title="临时价格干预范围事项提价申报",
        kind="matter",
        department="广东省发展和改革委员会",
        region="广东省",
        type="行政许可",
        parent="价格管理",
        aliases=("提价申报", "价格干预, 申报"),
        keywords=("价格", "提价"),
        conditions='第一条，申请人应当……\n第二条："重要商品"价格显著上涨的，\n\t应当报国务院备案。',
        materials=("提价申报申请报告（原件, 盖章）", '"成本调查表"', "营业执照'复印件'"),
        process=("网上申请", "受理", "审查", "办结"),
        time_limit="30(工作日)",
        promised_time_limit="7(工作日)",
        fee="不收费",
        legal_basis="《广东省实施〈中华人民共和国价格法〉办法》第二十九条",
        location="广州市越秀区东风中路305号",
        hours="周一至周五 9:00-12:00, 14:00-17:30",
        phone="020-34121084",
        url="https://www.gdzwfw.gov.cn/gaio/apply.html#/11440000006939756B2440101007000",
        online_url="https://example.gov.cn/apply?a=1&b=2",
        source="gdzwfw",
        questions=("物价上涨要申报吗", "提价怎么申报"),
    ),
    MatterRecord(
        code="FAQ-0001",
        title="社保怎么转移？",
        kind="faq",
        answer='登录"粤省事"小程序，\n选择"社保转移"，按提示办理。',
        source="ishenzhen",
        questions=("社保转移", "换城市了社保咋办"),
    ),
    MatterRecord(code="OLD-1", title="已取消的老事项", status="retired", department="某局"),
    MatterRecord(code="440100", title="=1+1", phone="+86-20-12345678", fee="-100"),
    MatterRecord(code="007", title="@SUM(A1)", region="0.50", type="TRUE"),
    MatterRecord(code="SQL-1", title="'; DROP TABLE matters; --"),
    MatterRecord(code="UNI-1", title="表情😀与分隔符", conditions="一\u2028二\x85三\u00a0四"),
    MatterRecord(code="中文编码", title="最小的事项"),
]
CODES = sorted(r.code for r in VARIED)


def cells(data: bytes) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def records_of(store: Store) -> list[MatterRecord]:
    with store.session(commit=False) as session:
        return [m.record for m in iter_matters(session)]


@pytest.fixture
def filled(store: Store) -> Store:
    with store.session() as session:
        upsert_matters(session, VARIED)
        # An admin question travels in exports like any other.
        row = session.query(MatterRow).filter_by(code="SQL-1").one()
        session.add(
            QuestionRow(
                matter_id=row.id,
                text="管理员问法",
                source=QuestionSource.ADMIN,
                created_at=utcnow(),
            )
        )
    return store


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    """A second store on SQLite, whatever backend the first one runs on."""
    store = Store(f"sqlite:///{(tmp_path / 'second' / 'hall.sqlite3').as_posix()}")
    store.migrate()
    yield store
    store.dispose()


@pytest.mark.parametrize("fmt", [f.value for f in EXPORT_FORMATS])
def test_round_trip_gives_identical_bytes(
    filled: Store, empty_store: Store, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"

    assert export_file(filled, first) == len(VARIED)
    result = import_file(empty_store, first, settings=settings)
    assert export_file(empty_store, second) == len(VARIED)

    assert result.format is Format(fmt)
    assert result.report.created == len(VARIED)
    assert records_of(empty_store) == records_of(filled)
    if fmt == "xlsx":
        assert cells(second.read_bytes()) == cells(first.read_bytes())
    assert second.read_bytes() == first.read_bytes()


def test_the_exported_records_are_the_stored_ones(filled: Store) -> None:
    stored = records_of(filled)
    assert [r.code for r in stored] == CODES
    admin = next(r for r in stored if r.code == "SQL-1")
    assert admin.questions == ("管理员问法",)
    by_code = {r.code: r for r in VARIED}
    assert [r for r in stored if r.code != "SQL-1"] == [by_code[c] for c in CODES if c != "SQL-1"]


def test_xlsx_cells_are_text(filled: Store, tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    export_file(filled, path)
    book = load_workbook(path)  # not data_only: a formula would show as one
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == list(FIELD_ORDER)
    by_code = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    formula_looking = by_code["440100"]
    assert formula_looking[1].value == "=1+1"
    assert formula_looking[1].data_type == "s"
    assert by_code["007"][0].value == "007"
    assert by_code["007"][1].value == "@SUM(A1)"
    for row in by_code.values():
        assert all(c.data_type == "s" for c in row if c.value is not None)


def test_xlsx_export_carries_no_time_of_writing(filled: Store) -> None:
    with filled.session(commit=False) as session:
        records = [m.record for m in iter_matters(session)]
    archive = zipfile.ZipFile(io.BytesIO(render(records, Format.XLSX)))
    assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified


def csv_line(cells: dict[str, str]) -> str:
    return ",".join(cells.get(name, "") for name in FIELD_ORDER) + "\r\n"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        pytest.param(
            Format.JSONL,
            '{"code": "A1", "title": "出生登记", "kind": "matter", '
            '"materials": ["身份证", "出生证"]}\n'
            '{"code": "B2", "title": "问答", "kind": "faq", "status": "retired", "answer": "是"}\n',
            id="jsonl",
        ),
        pytest.param(
            Format.CSV,
            "\ufeff"
            + ",".join(FIELD_ORDER)
            + "\r\n"
            + csv_line(
                {"code": "A1", "title": "出生登记", "kind": "matter", "materials": "身份证；出生证"}
            )
            + csv_line(
                {"code": "B2", "title": "问答", "kind": "faq", "status": "retired", "answer": "是"}
            ),
            id="csv",
        ),
        pytest.param(
            Format.JSON,
            '[\n {\n  "code": "A1",\n  "title": "出生登记",\n  "kind": "matter",\n'
            '  "materials": [\n   "身份证",\n   "出生证"\n  ]\n },\n'
            ' {\n  "code": "B2",\n  "title": "问答",\n  "kind": "faq",\n'
            '  "status": "retired",\n  "answer": "是"\n }\n]\n',
            id="json",
        ),
    ],
)
def test_render_text_formats(fmt: Format, expected: str) -> None:
    records = [
        MatterRecord(code="A1", title="出生登记", materials=("身份证", "出生证")),
        MatterRecord(code="B2", title="问答", kind="faq", status="retired", answer="是"),
    ]
    assert render(records, fmt).decode() == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        pytest.param(Format.JSONL, b"", id="jsonl"),
        pytest.param(Format.JSON, b"[]\n", id="json"),
        pytest.param(Format.CSV, ("\ufeff" + ",".join(FIELD_ORDER) + "\r\n").encode(), id="csv"),
    ],
)
def test_render_nothing(fmt: Format, expected: bytes) -> None:
    assert render([], fmt) == expected


def test_an_empty_export_does_not_import(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    assert export_file(store, path) == 0
    assert cells(path.read_bytes()) == [list(FIELD_ORDER)]
    with pytest.raises(InvalidFile, match="holds no matters"):
        import_file(store, path, settings=settings)


def test_export_without_retired(filled: Store, tmp_path: Path) -> None:
    path = tmp_path / "active.jsonl"
    assert export_file(filled, path, include_retired=False) == len(VARIED) - 1
    _, records, _ = load_records(path, settings=Settings(environment="test", data_dir=tmp_path))
    assert "OLD-1" not in {r.code for r in records}
    assert [r.code for r in records] == [c for c in CODES if c != "OLD-1"]


@pytest.mark.parametrize(
    ("name", "fmt", "first"),
    [
        pytest.param("out.jsonl", Format.AUTO, b"{", id="auto-jsonl"),
        pytest.param("out.json", "auto", b"[", id="auto-json"),
        pytest.param("out.csv", Format.AUTO, "\ufeff".encode(), id="auto-csv"),
        pytest.param("out.tsv", Format.AUTO, "\ufeff".encode(), id="tsv-is-csv"),
        pytest.param("out.xlsx", Format.AUTO, b"PK", id="auto-xlsx"),
        pytest.param("out.dat", Format.JSONL, b"{", id="explicit"),
        pytest.param("out.txt", "JSON", b"[", id="explicit-name"),
    ],
)
def test_export_format_from_suffix_or_option(
    filled: Store, tmp_path: Path, name: str, fmt: Format | str, first: bytes
) -> None:
    path = tmp_path / "nested" / name
    assert export_file(filled, path, fmt=fmt) == len(VARIED)
    assert path.read_bytes().startswith(first)
    assert [p.name for p in path.parent.iterdir()] == [name]  # no temporary file left


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        pytest.param("out.pdf", Format.AUTO, "extension '.pdf'", id="unknown-suffix"),
        pytest.param("out.jsonl", Format.GDZWFW, "cannot export as 'gdzwfw'", id="platform"),
        pytest.param("out.jsonl", "yaml", "unknown format 'yaml'", id="unknown-name"),
    ],
)
def test_export_refuses_unknown_formats(
    filled: Store, tmp_path: Path, name: str, fmt: Format | str, message: str
) -> None:
    path = tmp_path / "out" / name
    path.parent.mkdir()
    path.write_bytes(b"old")
    with pytest.raises(UnknownFormat, match=message):
        export_file(filled, path, fmt=fmt)
    assert path.read_bytes() == b"old"
    assert [p.name for p in path.parent.iterdir()] == [name]


# Any text the model keeps as it is (no control characters, no list separators, stripped).
_TEXT = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="；\ufffe\uffff"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_RECORDS = st.lists(
    st.builds(
        MatterRecord,
        code=_TEXT,
        title=_TEXT,
        conditions=st.none() | st.lists(_TEXT, min_size=1, max_size=3).map("\n".join),
        materials=st.lists(_TEXT, max_size=3, unique=True).map(tuple),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda r: r.code,
)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=_RECORDS, fmt=st.sampled_from(EXPORT_FORMATS))
def test_any_text_survives_render_and_read(
    tmp_path_factory: pytest.TempPathFactory, records: list[MatterRecord], fmt: Format
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    path = folder / f"x.{fmt.value}"
    path.write_bytes(render(records, fmt))
    _, read, _ = load_records(path, settings=Settings(environment="test", data_dir=folder))
    assert read == records
