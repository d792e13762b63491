"""The ``hall`` command line: every command's help, output and exit code, on each backend.

Exit codes are the contract scripts rely on: 0 done, 1 input refused, 2 wrong usage, 3 not found,
4 store unreachable. A refusal is a message and an exit code, never a traceback.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from hall import __version__
from hall.cli import app
from hall.settings import Settings, get_settings
from hall.store import Store, count_matters, get_matter, iter_matters

runner = CliRunner()

ROOT = Path(__file__).resolve().parents[1]

CATALOGUE: list[dict[str, Any]] = [
    {
        "code": "HD-0101",
        "title": "生育登记",
        "department": "卫生健康局",
        "aliases": ["生娃登记", "准生证"],
        "conditions": "夫妻双方至少一方户籍在本市",
        "materials": ["身份证", "结婚证"],
        "process": ["网上申请", "审核", "发证"],
        "time_limit": "5个工作日",
        "fee": "不收费",
        "questions": ["怎么办生育登记", "准生证在哪里办"],
    },
    {"code": "HD-0102", "title": "居住证办理", "department": "公安局"},
]
CODES = [row["code"] for row in CATALOGUE]


def invoke(args: Sequence[str | Path]) -> Result:
    """Run ``hall`` in-process; a crash (anything but an exit) fails the test with its traceback."""
    result = runner.invoke(app, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"hall crashed:\n{result.output}") from result.exception
    return result


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "title", "department", "aliases", "materials"])
        for row in rows:
            writer.writerow(
                [
                    row["code"],
                    row["title"],
                    row.get("department", ""),
                    "；".join(row.get("aliases", [])),
                    "；".join(row.get("materials", [])),
                ]
            )
    return path


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}


def stored(store: Store) -> dict[str, str]:
    """Every matter in the store, retired ones too: code -> status."""
    with store.session(commit=False) as session:
        return {m.code: str(m.record.status) for m in iter_matters(session)}


@pytest.fixture
def loaded(env_settings: Settings, tmp_path: Path) -> Settings:
    """The test store with ``CATALOGUE`` imported through the CLI."""
    result = invoke(["import", write_jsonl(tmp_path / "catalogue.jsonl", CATALOGUE)])
    assert result.exit_code == 0, result.output
    return env_settings


# --- help -------------------------------------------------------------------------------------

HELP = [
    pytest.param([], "import", id="hall"),
    pytest.param(["import"], "Import matters", id="import"),
    pytest.param(["export"], "Export the catalogue", id="export"),
    pytest.param(["matters"], "Browse the catalogue", id="matters"),
    pytest.param(["matters", "list"], "List active matters", id="matters-list"),
    pytest.param(["matters", "show"], "whole guide", id="matters-show"),
    pytest.param(["demo"], "demo catalogue", id="demo"),
    pytest.param(["serve"], "Serve the HTTP API", id="serve"),
]


@pytest.mark.parametrize(("command", "says"), HELP)
def test_help(command: list[str], says: str) -> None:
    result = invoke([*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert says in result.output


def test_version() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"hall {__version__}"


def test_python_dash_m_hall_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hall", "--help"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    for command in ("import", "export", "matters", "demo", "serve"):
        assert command in done.stdout


# --- import -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_import(env_settings: Settings, store: Store, tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](tmp_path / f"matters.{fmt}", CATALOGUE)
    result = invoke(["import", path])
    assert result.exit_code == 0, result.output
    assert f"imported 2 matters from {path} ({fmt}): 2 new, 0 updated, 0 unchanged" in (
        result.stdout
    )
    assert stored(store) == dict.fromkeys(CODES, "active")
    with store.session(commit=False) as session:
        first = get_matter(session, "HD-0101").record
    assert first.title == "生育登记"
    assert first.materials == ("身份证", "结婚证")

    again = invoke(["import", path])
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 2 unchanged, 0 retired" in again.stdout


def test_import_notes_ignored_fields(env_settings: Settings, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [{**CATALOGUE[1], "remark": "x", "[/x]": 1}])
    result = invoke(["import", path])
    assert result.exit_code == 0, result.output
    assert "note: ignored unknown field(s): [/x], remark" in result.stderr


@pytest.mark.parametrize("first", [False, True], ids=["empty-store", "loaded-store"])
def test_import_dry_run_changes_nothing(
    env_settings: Settings, store: Store, tmp_path: Path, first: bool
) -> None:
    if first:
        assert invoke(["import", write_jsonl(tmp_path / "a.jsonl", CATALOGUE)]).exit_code == 0
    before = stored(store)
    changed = [{**CATALOGUE[0], "title": "生育登记（新）"}, {"code": "HD-0103", "title": "新事项"}]
    path = write_jsonl(tmp_path / "b.jsonl", changed)

    result = invoke(["import", path, "--dry-run", "--retire-missing"])

    assert result.exit_code == 0, result.output
    expected = "1 new, 1 updated, 0 unchanged, 1 retired" if first else "2 new, 0 updated"
    assert f"would import 2 matters from {path} (jsonl): {expected}" in result.stdout
    assert stored(store) == before
    if first:
        with store.session(commit=False) as session:
            assert get_matter(session, "HD-0101").record.title == "生育登记"


def test_import_retire_missing(loaded: Settings, store: Store, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "only-one.jsonl", CATALOGUE[:1])

    result = invoke(["import", path, "--retire-missing"])

    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 1 unchanged, 1 retired" in result.stdout
    assert stored(store) == {"HD-0101": "active", "HD-0102": "retired"}
    listed = invoke(["matters", "list"])
    assert "1 matter(s)" in listed.stdout
    assert "HD-0102" not in listed.stdout
    shown = invoke(["matters", "show", "HD-0102"])
    assert shown.exit_code == 0, shown.output
    assert "居住证办理  HD-0102  [retired]" in shown.stdout


def test_import_without_retire_missing_keeps_the_rest(
    loaded: Settings, store: Store, tmp_path: Path
) -> None:
    result = invoke(["import", write_jsonl(tmp_path / "one.jsonl", CATALOGUE[:1])])
    assert result.exit_code == 0, result.output
    assert "0 retired" in result.stdout
    assert stored(store) == dict.fromkeys(CODES, "active")


# --- exit codes -------------------------------------------------------------------------------

VALID_LINE = json.dumps(CATALOGUE[1], ensure_ascii=False) + "\n"

# (file name, bytes or None for no file, extra arguments, exit code, words in the message)
REFUSED = [
    pytest.param(
        "bad.jsonl",
        (VALID_LINE + '{"code": "HD-0199"}\n').encode(),
        [],
        1,
        ["line 2", "'title'", "nothing was imported"],
        id="invalid-record-jsonl",
    ),
    pytest.param(
        "bad.csv",
        "code,title\nHD-0102,居住证办理\n,无编码事项\n".encode(),
        [],
        1,
        ["row 3", "'code'", "nothing was imported"],
        id="invalid-record-csv",
    ),
    pytest.param(
        "dup.jsonl",
        (VALID_LINE * 2).encode(),
        [],
        1,
        ["line 2", "already used at line 1"],
        id="duplicate-code",
    ),
    pytest.param(
        "m.jsonl",
        VALID_LINE.encode(),
        ["-f", "bogus"],
        2,
        ["unknown format 'bogus'", "jsonl, json, csv"],
        id="unknown-format-name",
    ),
    pytest.param(
        "m.jsonl",
        VALID_LINE.encode(),
        ["-f", "[/]"],
        2,
        ["unknown format '[/]'"],
        id="format-name-like-markup",
    ),
    pytest.param("m.pdf", VALID_LINE.encode(), [], 2, ["'.pdf'", "--format"], id="unknown-suffix"),
    pytest.param("missing.jsonl", None, [], 1, ["missing.jsonl: no such file"], id="missing-file"),
    pytest.param(
        "binary.jsonl",
        b'{"code": "A", "title": "\xff\xfe"}\n',
        [],
        1,
        ["line 1", "not utf-8", "--encoding gb18030"],
        id="undecodable-bytes",
    ),
    pytest.param(
        "m.jsonl",
        VALID_LINE.encode(),
        ["--encoding", "klingon"],
        1,
        ["unknown encoding"],
        id="unknown-encoding",
    ),
    pytest.param("empty.jsonl", b"", [], 1, ["is empty"], id="empty-file"),
    pytest.param("m.jsonl", b'{"code": \n', [], 1, ["line 1", "malformed JSON"], id="bad-json"),
    pytest.param("m[/].jsonl", None, [], 1, ["m[/].jsonl: no such file"], id="path-like-markup"),
]


@pytest.mark.parametrize(("name", "content", "extra", "code", "words"), REFUSED)
def test_import_refused(
    env_settings: Settings,
    store: Store,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    extra: list[str],
    code: int,
    words: list[str],
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    result = invoke(["import", path, *extra])

    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr
    assert stored(store) == {}, "a refused import must change nothing"


def test_matters_show_unknown_code(loaded: Settings) -> None:
    result = invoke(["matters", "show", "NOPE"])
    assert result.exit_code == 3
    assert result.stderr == "error: no matter with code 'NOPE'\n"
    assert result.stdout == ""


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """Set ``HALL_DATABASE_URL`` through the returned monkeypatch before invoking the CLI."""
    monkeypatch.setenv("HALL_ENVIRONMENT", "test")
    monkeypatch.setenv("HALL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HALL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/none"

COMMANDS = [
    pytest.param(["matters", "list"], id="matters-list"),
    pytest.param(["matters", "show", "HD-0101"], id="matters-show"),
    pytest.param(["import", "{tmp}/m.jsonl"], id="import"),
    pytest.param(["import", "{tmp}/m.jsonl", "--dry-run"], id="import-dry-run"),
    pytest.param(["export", "{tmp}/out.jsonl"], id="export"),
    pytest.param(["demo"], id="demo"),
    pytest.param(["serve", "--port", "1"], id="serve"),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_unreachable_store_exits_4(
    database: pytest.MonkeyPatch, tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "m.jsonl").write_text(VALID_LINE, "utf-8")
    database.setenv("HALL_DATABASE_URL", UNREACHABLE)

    result = invoke([arg.format(tmp=tmp_path) for arg in command])

    assert result.exit_code == 4, result.output
    assert result.stderr.startswith(f"error: cannot reach the database at {UNREACHABLE}: ")
    assert "Connection refused" in result.stderr or "connection failed" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "out.jsonl").exists()


# (database URL, words in the message, words that must not appear)
BAD_STORES = [
    pytest.param(
        "postgresql+psycopg://hall:s3cret@127.0.0.1:1/none",
        ["cannot reach the database at postgresql+psycopg://hall:***@127.0.0.1:1/none"],
        ["s3cret"],
        id="password-hidden",
    ),
    pytest.param("not a url", ["invalid database URL 'not a url'"], [], id="invalid-url"),
    pytest.param(
        "sqlite:////proc/hall-nope/hall.sqlite3",
        ["/proc/hall-nope"],
        [],
        id="sqlite-folder-not-creatable",
    ),
    pytest.param(
        "sqlite:///{tmp}/not-a-database.sqlite3",
        ["not-a-database.sqlite3"],
        [],
        id="sqlite-file-not-a-database",
    ),
]


@pytest.mark.parametrize(("url", "words", "hidden"), BAD_STORES)
def test_bad_store_exits_4(
    database: pytest.MonkeyPatch, tmp_path: Path, url: str, words: list[str], hidden: list[str]
) -> None:
    (tmp_path / "not-a-database.sqlite3").write_text("this is not SQLite\n" * 100, "utf-8")
    database.setenv("HALL_DATABASE_URL", url.format(tmp=tmp_path))

    result = invoke(["matters", "list"])

    assert result.exit_code == 4, result.output
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr
    for word in hidden:
        assert word not in result.output


# --- export -----------------------------------------------------------------------------------


def _exported_codes(path: Path) -> list[str]:
    if path.suffix == ".jsonl":
        return [json.loads(line)["code"] for line in path.read_text("utf-8").splitlines()]
    if path.suffix == ".csv":
        text = path.read_text("utf-8")
        assert text.startswith("\ufeffcode,title,"), "CSV starts with a BOM and the header"
        return [row["code"] for row in csv.DictReader(text.lstrip("\ufeff").splitlines())]
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert rows[0][:2] == ("code", "title")
    return [str(row[0]) for row in rows[1:]]


@pytest.mark.parametrize("name", ["x.jsonl", "x.csv", "x.xlsx", "sub/dir/x.jsonl"])
def test_export(loaded: Settings, tmp_path: Path, name: str) -> None:
    path = tmp_path / "out" / name

    result = invoke(["export", path])

    assert result.exit_code == 0, result.output
    assert result.stdout == f"exported 2 matters to {path}\n"
    assert _exported_codes(path) == CODES


@pytest.mark.parametrize(
    ("active_only", "codes"),
    [pytest.param(False, CODES, id="all"), pytest.param(True, ["HD-0101"], id="active-only")],
)
def test_export_retired(
    loaded: Settings, tmp_path: Path, active_only: bool, codes: list[str]
) -> None:
    invoke(["import", write_jsonl(tmp_path / "one.jsonl", CATALOGUE[:1]), "--retire-missing"])
    path = tmp_path / "x.jsonl"

    result = invoke(["export", path, *(["--active-only"] if active_only else [])])

    assert result.exit_code == 0, result.output
    assert f"exported {len(codes)} matters" in result.stdout
    assert _exported_codes(path) == codes


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "xlsx"])
def test_export_then_import_changes_nothing(loaded: Settings, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"round.{suffix}"
    assert invoke(["export", path]).exit_code == 0

    result = invoke(["import", path])

    assert result.exit_code == 0, result.output
    assert "0 new, 0 updated, 2 unchanged" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["x.pdf"], ["'.pdf'"], id="unknown-suffix"),
        pytest.param(["x.jsonl", "-f", "gdzwfw"], ["cannot export as 'gdzwfw'"], id="import-only"),
        pytest.param(["x.jsonl", "-f", "bogus"], ["unknown format 'bogus'"], id="unknown-name"),
    ],
)
def test_export_refused(
    loaded: Settings, tmp_path: Path, args: list[str], words: list[str]
) -> None:
    result = invoke(["export", tmp_path / args[0], *args[1:]])
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr
    assert not (tmp_path / args[0]).exists()


# --- matters ----------------------------------------------------------------------------------

LISTS = [
    pytest.param([], CODES, id="all"),
    pytest.param(["--query", "生育"], ["HD-0101"], id="title"),
    pytest.param(["-q", "准生证"], ["HD-0101"], id="alias"),
    pytest.param(["-q", "公安"], ["HD-0102"], id="department"),
    pytest.param(["-q", "HD-0102"], ["HD-0102"], id="code"),
    pytest.param(["-q", "HD-01"], CODES, id="code-prefix"),
    pytest.param(["-q", "不存在"], [], id="nothing"),
    pytest.param(["-q", "%"], [], id="percent-is-literal"),
    pytest.param(["--page", "2", "--size", "1"], ["HD-0102"], id="page-2"),
    pytest.param(["--page", "3", "--size", "1"], [], id="past-the-end"),
]


@pytest.mark.parametrize(("args", "codes"), LISTS)
def test_matters_list(loaded: Settings, args: list[str], codes: list[str]) -> None:
    result = invoke(["matters", "list", *args])
    assert result.exit_code == 0, result.output
    listed = [code for code in CODES if code in result.stdout]
    assert listed == codes
    total = len(codes) if "--page" not in args else len(CODES)
    assert f"{total} matter(s)" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--page", "0"], id="page-0"),
        pytest.param(["--size", "0"], id="size-0"),
        pytest.param(["--size", "1001"], id="size-over-1000"),
    ],
)
def test_matters_list_refuses_bad_paging(loaded: Settings, args: list[str]) -> None:
    result = invoke(["matters", "list", *args])
    assert result.exit_code == 2, result.output


def test_matters_show(loaded: Settings) -> None:
    result = invoke(["matters", "show", "HD-0101"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "生育登记  HD-0101"
    for line in [
        "实施部门: 卫生健康局",
        "简称:",
        "  2. 准生证",
        "受理条件: 夫妻双方至少一方户籍在本市",
        "申请材料:",
        "  1. 身份证",
        "  2. 结婚证",
        "办理流程:",
        "  3. 发证",
        "法定时限: 5个工作日",
        "收费标准: 不收费",
        "常见问法:",
        "  - 怎么办生育登记  (imported)",
        "  - 准生证在哪里办  (imported)",
    ]:
        assert line in lines
    assert "办理地点" not in result.stdout, "empty sections are left out"


MARKUP_LIKE = {
    "code": "A-[b]1",
    "title": "证明[b]开具[/b] :100:",
    "department": "[/]",
    "materials": ["[red]身份证[/red]"],
}


@pytest.mark.parametrize(
    ("command", "lines"),
    [
        pytest.param(
            ["matters", "show", "A-[b]1"],
            ["证明[b]开具[/b] :100:  A-[b]1", "实施部门: [/]", "  1. [red]身份证[/red]"],
            id="show",
        ),
        pytest.param(["matters", "list"], ["A-[b]1", "证明[b]开具[/b] :100:", "[/]"], id="list"),
    ],
)
def test_matters_print_data_verbatim(
    env_settings: Settings, tmp_path: Path, command: list[str], lines: list[str]
) -> None:
    """Titles and codes are data: brackets and colons are not console markup or emoji codes."""
    assert invoke(["import", write_jsonl(tmp_path / "m.jsonl", [MARKUP_LIKE])]).exit_code == 0

    result = invoke(command)

    assert result.exit_code == 0, result.output
    for line in lines:
        assert line in result.stdout


# --- demo -------------------------------------------------------------------------------------


def _demo_lines() -> int:
    demo = resources.files("hall.data") / "demo_catalogue.jsonl"
    if not demo.is_file():
        pytest.skip("src/hall/data/demo_catalogue.jsonl is not there yet (being written)")
    lines = [line for line in demo.read_text("utf-8").splitlines() if line.strip()]
    if not lines:
        pytest.skip("src/hall/data/demo_catalogue.jsonl is empty (being written)")
    return len(lines)


def test_demo_loads_once(env_settings: Settings, store: Store) -> None:
    total = _demo_lines()

    first = invoke(["demo"])
    second = invoke(["demo"])

    assert first.exit_code == 0, first.output
    assert f": {total} new, 0 updated, 0 unchanged" in first.stdout
    assert first.stdout.startswith("demo catalogue in ")
    assert second.exit_code == 0, second.output
    assert f": 0 new, 0 updated, {total} unchanged" in second.stdout
    with store.session(commit=False) as session:
        assert count_matters(session) == total


# -- backup, restore, purge ------------------------------------------------------------------


def test_backup_and_restore(env_settings: Settings, tmp_path: Path) -> None:
    assert invoke(["import", write_jsonl(tmp_path / "c.jsonl", CATALOGUE)]).exit_code == 0
    first, second = tmp_path / "one.jsonl.gz", tmp_path / "two.jsonl.gz"
    backed = invoke(["backup", first])
    assert backed.exit_code == 0, backed.output
    assert "backed up" in backed.stdout
    refused = invoke(["restore", first])  # into the same store: not empty
    assert refused.exit_code == 1
    assert "not empty" in refused.stderr
    assert invoke(["restore", first, "--replace"]).exit_code == 0
    assert invoke(["backup", second]).exit_code == 0
    before, after = _tables(first), _tables(second)
    # A replaced store's revisions move, so that every process serving it rebuilds.
    moved = before.pop("store_revisions"), after.pop("store_revisions")
    assert [row[1] + 1_000_000 for row in moved[0]] == [row[1] for row in moved[1]]
    assert before == after


def _tables(path: Path) -> dict[str, list[list[Any]]]:
    """A backup's rows by table (the file is the header, then a table line and its rows)."""
    import gzip

    lines = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    tables: dict[str, list[list[Any]]] = {}
    current = ""
    for line in lines[1:]:
        if isinstance(line, dict) and "table" in line:
            current = line["table"]
            tables[current] = []
        elif isinstance(line, list):
            tables[current].append(line)
    return tables


def test_restore_refuses_a_newer_schema(env_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    assert invoke(["backup", path]).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    path.write_text(
        "\n".join([json.dumps({**header, "schema": "9999"}), *lines[1:]]) + "\n", "utf-8"
    )
    result = invoke(["restore", path, "--replace"])
    assert result.exit_code == 1
    assert "newer hall" in result.stderr


def test_purge(env_settings: Settings) -> None:
    result = invoke(["purge"])
    assert result.exit_code == 0
    assert result.stdout.startswith("purged 0 expired conversations, 0 old questions")
