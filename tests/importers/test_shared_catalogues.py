"""The real catalogues in ../shared/data: the bench interchange file, the raw platform exports."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from hall.importers import Format, export_file, import_file
from hall.settings import Settings
from hall.store import MatterRecord, Store, iter_matters
from tests.conftest import SHARED, needs_shared

pytestmark = [needs_shared, pytest.mark.shared]

BENCH = SHARED / "bench" / "catalogue.jsonl"
CATALOGUES = SHARED / "catalogues"
BENCH_SIZE = 3674


@pytest.fixture(scope="module")
def bench() -> dict[str, MatterRecord]:
    """The bench entries by code, validated as any import would."""
    entries = [json.loads(line) for line in BENCH.read_text(encoding="utf-8").splitlines()]
    return {entry["code"]: MatterRecord.model_validate(entry) for entry in entries}


@pytest.fixture(scope="module")
def bench_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite store holding the bench catalogue, shared by the round trips."""
    folder = tmp_path_factory.mktemp("bench")
    store = Store(f"sqlite:///{(folder / 'hall.sqlite3').as_posix()}")
    store.migrate()
    import_file(store, BENCH, settings=Settings(environment="test", data_dir=folder))
    yield store
    store.dispose()


def fresh_store(folder: Path) -> Store:
    store = Store(f"sqlite:///{(folder / 'hall.sqlite3').as_posix()}")
    store.migrate()
    return store


@pytest.mark.slow
def test_bench_catalogue_imports_and_exports_every_entry(
    store: Store, settings: Settings, tmp_path: Path, bench: dict[str, MatterRecord]
) -> None:
    assert len(bench) == BENCH_SIZE

    result = import_file(store, BENCH, settings=settings)

    assert result.format is Format.JSONL
    assert result.report.created == BENCH_SIZE
    assert result.ignored_fields == []
    out = tmp_path / "out.jsonl"
    assert export_file(store, out) == BENCH_SIZE
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == BENCH_SIZE
    exported = [MatterRecord.model_validate(json.loads(line)) for line in lines]
    assert exported == [bench[code] for code in sorted(bench)]

    again = import_file(store, BENCH, settings=settings)
    assert again.report.unchanged == BENCH_SIZE


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_bench_round_trip_is_identical(bench_store: Store, tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"
    export_file(bench_store, first)
    copy = fresh_store(tmp_path / "copy")
    try:
        report = import_file(
            copy, first, settings=Settings(environment="test", data_dir=tmp_path)
        ).report
        assert report.created == BENCH_SIZE
        assert export_file(copy, second) == BENCH_SIZE
        with bench_store.session(commit=False) as a, copy.session(commit=False) as b:
            assert [m.record for m in iter_matters(b)] == [m.record for m in iter_matters(a)]
    finally:
        copy.dispose()
    if fmt == "xlsx":
        rows = [cells(path) for path in (first, second)]
        assert len(rows[0]) == BENCH_SIZE + 1
        assert rows[1] == rows[0]
    assert second.read_bytes() == first.read_bytes()


def cells(path: Path) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    try:
        return list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


@pytest.mark.parametrize(
    ("name", "fmt", "size"),
    [
        pytest.param(
            "gdzwfw_guangdong_2021.jsonl", Format.GDZWFW, 2262, id="gdzwfw", marks=pytest.mark.slow
        ),
        pytest.param("sczwfw_guangan_2025.json", Format.SCZWFW, 1135, id="sczwfw"),
    ],
)
def test_raw_platform_exports_import_and_agree_with_the_bench(
    store: Store,
    settings: Settings,
    bench: dict[str, MatterRecord],
    name: str,
    fmt: Format,
    size: int,
) -> None:
    result = import_file(store, CATALOGUES / name, settings=settings, fmt="auto")

    assert result.format is fmt
    assert result.report.created == size
    with store.session(commit=False) as session:
        records = [m.record for m in iter_matters(session)]
    assert len(records) == size
    assert {r.source for r in records} == {fmt.value}
    missing = [r.code for r in records if r.code not in bench]
    assert missing == []
    # The bench was built from the same exports: the mapped essentials agree.
    for field in ("title", "department", "url"):
        differing = [
            (r.code, getattr(r, field), getattr(bench[r.code], field))
            for r in records
            if getattr(r, field) != getattr(bench[r.code], field)
        ]
        assert differing == [], field
