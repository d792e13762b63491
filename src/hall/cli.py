"""The ``hall`` command line: import, export, browse the catalogue, load the demo, serve, back up.

Exit codes: 0 done; 1 the input was refused (nothing changed); 2 wrong usage; 3 not found;
4 the store is unreachable.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hall import __version__
from hall.admin import Accounts
from hall.errors import HallError
from hall.guide import (
    Answer,
    Dialogue,
    Engine,
    Speaker,
    Turn,
    evaluate,
    housekeeping,
    read_eval_file,
)
from hall.importers import (
    EXPORT_FORMATS,
    Format,
    UnknownFormat,
    export_file,
    import_file,
    load_demo,
)
from hall.lexicons import (
    Bank,
    FileFormat,
    UnknownBank,
    export_bank,
    import_bank,
    parse_bank,
    seed_defaults,
)
from hall.models import ModelError
from hall.settings import Settings, get_settings
from hall.store import (
    BackupInvalid,
    Conflict,
    Matter,
    MatterNotFound,
    NotFound,
    Store,
    StoreError,
    backup,
    bank_sizes,
    get_matter,
    list_users,
    restore,
    search_matters,
)

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_STORE = 4

app = typer.Typer(
    help="hall: the virtual guide of an online approval hall (网上虚拟审批大厅导办).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
matters_app = typer.Typer(help="Browse the catalogue.", no_args_is_help=True)
app.add_typer(matters_app, name="matters")
lexicon_app = typer.Typer(help="Lexicons (词库): list, import, export.", no_args_is_help=True)
app.add_typer(lexicon_app, name="lexicon")
users_app = typer.Typer(
    help="Accounts of the back office: add, list, disable, tokens.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

# Markup and emoji off by default: titles, codes, paths and messages are data, printed verbatim
# (a "[/]" in a department once crashed `matters list`); styled lines opt in and escape the data.
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)

FORMAT_NAMES = ", ".join(f.value for f in Format)


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", markup=True)
    raise typer.Exit(code)


#: Exit code of each exception family; an exception answers by the nearest class in its MRO, so a
#: family added later still gets one (HallError's).
EXIT_CODES: dict[type[HallError], int] = {
    UnknownFormat: EXIT_USAGE,
    UnknownBank: EXIT_USAGE,
    MatterNotFound: EXIT_NOT_FOUND,
    NotFound: EXIT_NOT_FOUND,
    Conflict: EXIT_INVALID,
    BackupInvalid: EXIT_INVALID,
    StoreError: EXIT_STORE,
    ModelError: EXIT_STORE,
    HallError: EXIT_INVALID,
}


def exit_code(exc: HallError) -> int:
    """The exit code of an exception: its nearest family's."""
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_INVALID  # pragma: no cover - HallError is in the table


@contextmanager
def _opened_store(settings: Settings) -> Iterator[Store]:
    """The store, migrated; hall's errors become messages and exit codes here."""
    store: Store | None = None
    try:
        store = Store.from_settings(settings)
        store.migrate()
        yield store
    except HallError as exc:
        _fail(str(exc), exit_code(exc))
    finally:
        if store is not None:
            store.dispose()


def _progress_bar(label: str) -> tuple[Progress | None, Callable[[int, int], None] | None]:
    """A progress bar on a terminal; nothing when output goes to a file or a pipe."""
    if not err.is_terminal:
        return None, None
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = progress.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="The file to import.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {FORMAT_NAMES}.")
    ] = Format.AUTO.value,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report, change nothing.")
    ] = False,
    retire_missing: Annotated[
        bool,
        typer.Option("--retire-missing", help="Retire active matters that the file lacks."),
    ] = False,
    encoding: Annotated[
        str, typer.Option(help="Text encoding of JSON and CSV files (e.g. gb18030).")
    ] = "utf-8",
) -> None:
    """Import matters from a platform file: an upsert by code, all or nothing."""
    settings = get_settings()
    started = time.perf_counter()
    with _opened_store(settings) as store:
        progress, update = _progress_bar(f"checking {path.name}")
        if progress is not None:
            progress.start()
        try:
            result = import_file(
                store,
                path,
                settings=settings,
                fmt=fmt,
                dry_run=dry_run,
                retire_missing=retire_missing,
                encoding=encoding,
                progress=update,
                by="cli",
            )
        finally:
            if progress is not None:
                progress.stop()
    report = result.report
    verb = "would import" if dry_run else "imported"
    out.print(
        f"{verb} {report.total} matters from {path} ({result.format.value}): "
        f"{report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.retired} retired in {time.perf_counter() - started:.1f} s"
    )
    if result.ignored_fields:
        err.print(f"note: ignored unknown field(s): {', '.join(result.ignored_fields)}")


@app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="Where to write; the extension picks the format.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help=f"One of: {', '.join(f.value for f in EXPORT_FORMATS)}."
        ),
    ] = Format.AUTO.value,
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Leave retired matters out.")
    ] = False,
) -> None:
    """Export the catalogue with its questions in a format the platform reads back."""
    settings = get_settings()
    with _opened_store(settings) as store:
        count = export_file(store, path, fmt=fmt, include_retired=not active_only)
    out.print(f"exported {count} matters to {path}")


@matters_app.command("list")
def matters_list(
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Text in code, title, aliases, department.")
    ] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List active matters, optionally filtered."""
    with _opened_store(get_settings()) as store, store.session(commit=False) as session:
        matters, count = search_matters(session, query, offset=(page - 1) * size, limit=size)
    table = Table("code", "title", "department", title=f"{count} matter(s)")
    for matter in matters:
        table.add_row(matter.code, matter.record.title, matter.record.department or "")
    out.print(table)


_SECTIONS = (
    ("department", "实施部门"),
    ("type", "事项类型"),
    ("parent", "主项"),
    ("aliases", "简称"),
    ("conditions", "受理条件"),
    ("materials", "申请材料"),
    ("process", "办理流程"),
    ("time_limit", "法定时限"),
    ("promised_time_limit", "承诺时限"),
    ("fee", "收费标准"),
    ("legal_basis", "法律依据"),
    ("location", "办理地点"),
    ("hours", "办公时间"),
    ("phone", "咨询电话"),
    ("url", "办事指南"),
    ("online_url", "在线办理"),
    ("answer", "答案"),
)


def _print_matter(matter: Matter) -> None:
    record = matter.record
    status = "" if record.status == "active" else escape(f"  [{record.status}]")
    out.print(f"[bold]{escape(record.title)}[/]  {escape(record.code)}{status}", markup=True)
    for name, label in _SECTIONS:
        value = getattr(record, name)
        if not value:
            continue
        if isinstance(value, tuple):
            out.print(f"{label}:")
            for number, item in enumerate(value, start=1):
                out.print(f"  {number}. {item}", markup=False)
        else:
            out.print(f"{label}: ", end="")
            out.print(value, markup=False)
    if matter.question_items:
        out.print("常见问法:")
        for question in matter.question_items:
            out.print(f"  - {question.text}  ({question.source})", markup=False)


@matters_app.command("show")
def matters_show(code: Annotated[str, typer.Argument(help="The matter's code.")]) -> None:
    """Show one matter's whole guide."""
    with _opened_store(get_settings()) as store, store.session(commit=False) as session:
        matter = get_matter(session, code)
    _print_matter(matter)


@app.command("demo")
def demo_command() -> None:
    """Create the store and load the shipped demo catalogue (safe to run again)."""
    settings = get_settings()
    with _opened_store(settings) as store:
        result = load_demo(store, settings=settings)
        where = store.safe_url
    report = result.report
    out.print(
        f"demo catalogue in {where}: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Processes on this port (default HALL_WORKERS); several need PostgreSQL.",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs), in one process or several."""
    import os

    import uvicorn

    from hall.api.logs import log_config

    settings = get_settings()
    workers = workers or settings.workers
    if workers != settings.workers:
        # Each worker reads its settings from the environment: its share of the cores too.
        os.environ["HALL_WORKERS"] = str(workers)
        get_settings.cache_clear()
        settings = get_settings()
    with _opened_store(settings) as store:  # migrated once here, with a clear message if down
        backend = store.backend
    if workers > 1 and backend == "sqlite":
        err.print(
            f"note: {workers} workers share one SQLite file, whose writes take turns; "
            "PostgreSQL (HALL_DATABASE_URL) serves several processes better"
        )
    uvicorn.run(
        "hall.api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=log_config(),
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )


@app.command("backup")
def backup_command(
    path: Annotated[Path, typer.Argument(help="The file to write (.gz: compressed).")],
) -> None:
    """Write the whole store (catalogue, questions, lexicons, history, settings…) to one file."""
    with _opened_store(get_settings()) as store:
        counts = backup(store, path)
    out.print(f"backed up {sum(counts.values())} rows of {len(counts)} tables to {path}")


@app.command("restore")
def restore_command(
    path: Annotated[Path, typer.Argument(help="A file written by `hall backup`.")],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace what the store holds (else it must be empty)."),
    ] = False,
) -> None:
    """Load a backup into the store, all or nothing; a newer hall's file is refused."""
    with _opened_store(get_settings()) as store:
        counts = restore(store, path, replace=replace)
    out.print(f"restored {sum(counts.values())} rows of {len(counts)} tables from {path}")


@app.command("purge")
def purge_command() -> None:
    """Delete expired conversations and questions past HALL_HISTORY_RETENTION_DAYS (what
    `hall serve` does every HALL_MAINTENANCE_MINUTES; for a cron job)."""
    settings = get_settings()
    with _opened_store(settings) as store:
        purged = housekeeping(store, settings)
    out.print(f"purged {purged.sessions} expired conversations, {purged.questions} old questions")


def _print_answer(answer: Answer) -> None:
    out.print(f"问题: {answer.query}")
    out.print(f"规范化: {answer.normalized or '(空)'}")
    out.print(f"决定: {answer.decision.value} ({answer.reason.value}), {answer.latency_ms:.0f} ms")
    if answer.reply:
        out.print(f"回复: {answer.reply}")
    for number, result in enumerate(answer.results, start=1):
        department = f"  [{result.department}]" if result.department else ""
        out.print(f"{number}. {result.title}  {result.code}  {result.score:.3f}{department}")
        for reason in result.why:
            out.print(f"     · {reason}")


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question, as a citizen would type it.")],
    k: Annotated[int, typer.Option(min=1, max=20, help="How many results at most.")] = 5,
) -> None:
    """Ask the guide engine a question and show its decision and why."""
    settings = get_settings()
    with _opened_store(settings) as store:
        answer = Engine(store, settings).load().ask(question, k=k)
    _print_answer(answer)


def _print_turn(turn: Turn, name: str) -> None:
    reply = turn.reply
    look = reply.look
    out.print(f"{name}（{look.expression}/{look.gesture}）：{reply.text}")
    for number, suggestion in enumerate(reply.suggestions, start=1):
        out.print(f"  [{number}] {suggestion.label}")
    if reply.similar:
        out.print("  相关事项：" + "、".join(title for _, title in reply.similar))


@app.command("chat")
def chat_command(
    speak: Annotated[
        Path | None,
        typer.Option("--speak", help="Save each reply's audio (WAV) into this folder."),
    ] = None,
) -> None:
    """Talk with the guide in the terminal (a number picks a button; empty line or Ctrl-D ends)."""
    settings = get_settings()
    with _opened_store(settings) as store:
        engine = Engine(store, settings).load()
        dialogue = Dialogue(engine, ttl=timedelta(minutes=settings.session_ttl_minutes))
        speaker = None
        if speak is not None:
            speaker = Speaker.from_settings(settings).start()
            if not speaker.available:
                err.print(f"speech unavailable, no audio: {speaker.reason}")
            speak.mkdir(parents=True, exist_ok=True)
        session_id: str | None = None
        message = ""
        try:
            while True:
                turn = dialogue.turn(message, session_id=session_id, channel="cli")
                session_id = turn.session_id
                _print_turn(turn, dialogue.persona.name)
                if speaker is not None and speak is not None and speaker.available:
                    clip = speaker.prepare(turn.reply.text)
                    if clip is not None:
                        target = speak / f"{turn.turn:03d}.wav"
                        shutil.copyfile(speaker.audio(clip.id, "wav"), target)
                        out.print(f"  (语音: {target})")
                try:
                    line = input("您：").strip()
                except (EOFError, KeyboardInterrupt):
                    break
                if not line:
                    break
                buttons = turn.reply.suggestions
                if line.isdigit() and 1 <= int(line) <= len(buttons):
                    line = buttons[int(line) - 1].message
                message = line
        finally:
            if speaker is not None:
                speaker.close()


@app.command("eval")
def eval_command(
    path: Annotated[Path, typer.Argument(help='JSON lines: {"query": …, "expected": [codes]}.')],
    k: Annotated[int, typer.Option(min=1, max=50, help="Ranks considered.")] = 10,
) -> None:
    """Measure the engine: top-1, top-3, MRR, no-match questions declined, latency."""
    settings = get_settings()
    with _opened_store(settings) as store:
        rows = read_eval_file(path)
        started = time.perf_counter()
        engine = Engine(store, settings).load()
        loaded = time.perf_counter() - started
        report = evaluate(engine, rows, k=k)
    out.print(f"engine loaded in {loaded:.1f} s ({engine.encoder.name})")
    if report.matched_rows:
        out.print(
            f"{report.matched_rows} questions with an expected matter: "
            f"top-1 {report.top1:.1%}, top-3 {report.top3:.1%}, MRR {report.mrr:.3f}, "
            f"answered correctly {report.answered_correct:.1%}"
        )
    if report.nomatch_rows:
        out.print(f"{report.nomatch_rows} no-match questions: declined {report.declined:.1%}")
    latency = report.latency_ms
    out.print(f"latency: p50 {latency.get('p50', 0)} ms, p95 {latency.get('p95', 0)} ms")
    out.print(f"decisions: {report.decisions}")


@lexicon_app.command("list")
def lexicon_list() -> None:
    """How many entries each bank holds (shipped defaults are seeded into empty banks)."""
    with _opened_store(get_settings()) as store:
        seed_defaults(store)
        with store.session(commit=False) as session:
            sizes = bank_sizes(session)
    table = Table("bank", "entries")
    for bank in Bank:
        table.add_row(bank.value, str(sizes.get(bank.value, 0)))
    out.print(table)


@lexicon_app.command("import")
def lexicon_import(
    bank: Annotated[str, typer.Argument(help=f"One of: {', '.join(b.value for b in Bank)}.")],
    path: Annotated[Path, typer.Argument(help="The lexicon file.")],
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help=f"One of: {', '.join(f.value for f in FileFormat)}."),
    ] = FileFormat.NATIVE.value,
    replace: Annotated[
        bool, typer.Option("--replace", help="Make the bank hold exactly the file's entries.")
    ] = False,
    by: Annotated[str, typer.Option(help="Who makes the change (for the audit trail).")] = "cli",
) -> None:
    """Import a lexicon file into a bank; the whole file is checked first."""
    with _opened_store(get_settings()) as store:
        try:
            file_format = FileFormat(fmt)
        except ValueError:
            _fail(f"unknown format {fmt!r}; choose one of: {', '.join(FileFormat)}", EXIT_USAGE)
        seed_defaults(store)
        added, removed = import_bank(
            store, parse_bank(bank), path, fmt=file_format, replace=replace, by=by
        )
    out.print(f"{bank}: {added} added, {removed} removed from {path}")


@lexicon_app.command("export")
def lexicon_export(
    bank: Annotated[str, typer.Argument(help=f"One of: {', '.join(b.value for b in Bank)}.")],
    path: Annotated[Path, typer.Argument(help="Where to write the bank's text file.")],
) -> None:
    """Write a bank as a text file a person can edit (and import back)."""
    with _opened_store(get_settings()) as store:
        seed_defaults(store)
        count = export_bank(store, parse_bank(bank), path)
    out.print(f"exported {count} {bank} entries to {path}")


def _read_password(prompt: bool) -> str:
    """The password from standard input (one line), never from the command line or the log."""
    if prompt and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            _fail("the two passwords differ", EXIT_INVALID)
        return first
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user name (sign-in name).")],
    role: Annotated[str, typer.Option(help="viewer, editor or admin.")] = "viewer",
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
    ] = False,
) -> None:
    """Add an account (the first admin of a new hall is made this way: no default exists)."""
    if not password_stdin:
        _fail("give the password on standard input with --password-stdin", EXIT_USAGE)
    password = _read_password(prompt=True)
    settings = get_settings()
    with _opened_store(settings) as store:
        user = Accounts(store, settings).add(name, role, password, by="cli")
    out.print(f"added {user.name} ({user.role})")


@users_app.command("list")
def users_list() -> None:
    """The accounts, their roles and whether they may sign in."""
    with _opened_store(get_settings()) as store, store.session(commit=False) as session:
        users = list_users(session)
    table = Table("name", "role", "state", "last sign-in", title=f"{len(users)} user(s)")
    now = datetime.now(UTC)
    for user in users:
        state = "disabled" if user.disabled else "locked" if user.locked(now) else "active"
        last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
        table.add_row(user.name, user.role, state, last)
    out.print(table)


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="The user name.")]) -> None:
    """Disable an account: it cannot sign in, its sessions end and its tokens are revoked."""
    settings = get_settings()
    with _opened_store(settings) as store:
        Accounts(store, settings).change(name, by="cli", disabled=True)
    out.print(f"disabled {name}")


@users_app.command("enable")
def users_enable(name: Annotated[str, typer.Argument(help="The user name.")]) -> None:
    """Enable a disabled account again (its old tokens stay revoked)."""
    settings = get_settings()
    with _opened_store(settings) as store:
        Accounts(store, settings).change(name, by="cli", disabled=False)
    out.print(f"enabled {name}")


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Argument(help="The user name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from standard input.")
    ] = False,
) -> None:
    """Set an account's password (also lifts a lock and signs its browsers out)."""
    if not password_stdin:
        _fail("give the password on standard input with --password-stdin", EXIT_USAGE)
    password = _read_password(prompt=True)
    settings = get_settings()
    with _opened_store(settings) as store:
        Accounts(store, settings).change(name, by="cli", password=password)
    out.print(f"password of {name} changed")


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="The user name.")]) -> None:
    """Print a new API token for scripts (shown once; only its hash is stored)."""
    settings = get_settings()
    with _opened_store(settings) as store:
        token, _info = Accounts(store, settings).issue_token(name, by="cli")
    out.print(token)


def _version(value: bool) -> None:
    if value:
        out.print(f"hall {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """hall: the virtual guide of an online approval hall (网上虚拟审批大厅导办)."""


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
