"""Backup and restore: every table of the store in one portable file, on any backend.

The file is JSON lines (gzip-compressed when its name ends in ``.gz``)::

    {"format": "hall-backup", "version": 1, "schema": "0003", "tables": ["matters", …]}
    {"table": "matters", "columns": ["id", "code", …], "rows": 2}
    [1, "HD-0101", …]
    [2, "HD-0102", …]
    {"table": "matter_questions", …}

Every table of ``Base.metadata`` is written, in dependency order, rows by primary key, so a
table added later is backed up without a word here, and the same store gives the same bytes
(nothing in the file says when or where it was made): a SQLite store restored into PostgreSQL
backs up identically. Times are ISO 8601 in UTC; JSON columns stay JSON.

A restore runs in one transaction: it refuses (:class:`BackupInvalid`, nothing changed) a file
of another format, of a schema this hall does not know (a newer one), or into a store that is
not empty unless told to replace it. A file of an older schema is restored into an empty store
at its own schema, which is then migrated.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Connection,
    DateTime,
    LargeBinary,
    MetaData,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from hall.store.db import Store
from hall.store.errors import BackupInvalid
from hall.store.tables import Base

__all__ = ["FORMAT", "backup", "restore", "schema_revision"]

FORMAT = "hall-backup"
VERSION = 1
_BATCH = 1000


@contextmanager
def _open(path: Path, mode: str) -> Iterator[IO[str]]:
    if path.suffix == ".gz":
        # No name, no time: the same store gives the same bytes, compressed or not.
        raw = open(path, mode + "b")  # noqa: SIM115 - closed below, with the gzip layer
        try:
            if mode == "w":
                zipped = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
            else:
                zipped = gzip.GzipFile(fileobj=raw, mode="rb")
            with zipped, io.TextIOWrapper(zipped, encoding="utf-8", newline="\n") as handle:
                yield handle
        finally:
            raw.close()
        return
    with open(path, mode, encoding="utf-8", newline="\n") as handle:
        yield handle


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_encode) + "\n"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):  # sentence vectors, uploads: base64 text
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a {type(value).__name__}")


def schema_revision(connection: Connection) -> str | None:
    """The Alembic revision the database is at."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _scripts() -> Any:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(resources.files("hall.store") / "migrations"))
    return config, ScriptDirectory.from_config(config)


def backup(store: Store, path: Path) -> dict[str, int]:
    """Write every table to ``path``; returns the rows written per table."""
    counts: dict[str, int] = {}
    tables = Base.metadata.sorted_tables
    with store.engine.connect() as connection, _open(path, "w") as out:
        # One snapshot of every table (a repeatable read on PostgreSQL).
        if store.backend == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        header = {
            "format": FORMAT,
            "version": VERSION,
            "schema": schema_revision(connection),
            "tables": [t.name for t in tables],
        }
        out.write(_line(header))
        for table in tables:
            columns = [c.name for c in table.columns]
            total = connection.execute(select(func.count()).select_from(table)).scalar_one()
            out.write(_line({"table": table.name, "columns": columns, "rows": total}))
            query = select(table).order_by(*table.primary_key.columns)
            written = 0
            for row in connection.execution_options(yield_per=_BATCH).execute(query):
                out.write(_line(list(row)))
                written += 1
            if written != total:  # pragma: no cover - the snapshot holds still
                raise BackupInvalid(f"{table.name}: {written} rows read, {total} counted")
            counts[table.name] = written
        connection.rollback()
    return counts


def _read(path: Path) -> Iterator[Any]:
    try:
        with _open(path, "r") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BackupInvalid(f"{path}, line {number}: not JSON: {exc}") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise BackupInvalid(f"{path}: cannot be read: {exc}") from exc


def _header(path: Path, first: Any) -> dict[str, Any]:
    if not isinstance(first, dict) or first.get("format") != FORMAT:
        raise BackupInvalid(f"{path}: not a hall backup")
    if first.get("version") != VERSION:
        raise BackupInvalid(f"{path}: backup format {first.get('version')!r}, not {VERSION}")
    return first


#: Tables the schema itself fills (a migration seeds them): no sign of a store in use.
_SEEDED = frozenset({"store_revisions"})


def _empty(connection: Connection, tables: list[Table]) -> bool:
    return all(
        connection.execute(select(func.count()).select_from(t)).scalar_one() == 0
        for t in tables
        if t.name not in _SEEDED
    )


def _is_time(table: Table, column: str) -> bool:
    kind = table.columns[column].type
    return isinstance(getattr(kind, "impl", kind), DateTime)


def _is_binary(table: Table, column: str) -> bool:
    kind = table.columns[column].type
    return isinstance(getattr(kind, "impl", kind), LargeBinary)


def _value(value: Any, is_time: bool, is_binary: bool = False) -> Any:
    if is_time and isinstance(value, str):
        return datetime.fromisoformat(value)
    if is_binary and isinstance(value, str):
        return base64.b64decode(value)
    return value


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """PostgreSQL's id sequences continue after the restored rows."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:table, :column), "
                        f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                        f'FROM "{table.name}"'
                    ),
                    {"table": table.name, "column": column.name},
                )


def restore(store: Store, path: Path, *, replace: bool = False) -> dict[str, int]:
    """Load a backup into the store (migrated to this hall's newest schema); returns the rows
    restored per table. All or nothing: BackupInvalid leaves the store as it was."""
    lines = _read(path)
    header = _header(path, next(lines, None))
    config, scripts = _scripts()
    known = [s.revision for s in scripts.walk_revisions()]  # newest first
    revision = header.get("schema")
    if revision not in known:
        raise BackupInvalid(
            f"{path}: made by a newer hall (schema {revision!r}); this hall knows up to "
            f"{known[0]!r}: restore it with that version, nothing was changed"
        )
    head = scripts.get_current_head()
    current = Base.metadata.sorted_tables
    counts: dict[str, int] = {}
    with store.exclusive("migrate"), store.engine.connect() as connection:
        transaction = connection.begin()
        try:
            replacing = not _empty(connection, current)
            if replacing:
                if not replace:
                    raise BackupInvalid(
                        "the store is not empty: restore into an empty store, or replace its "
                        "contents (--replace); nothing was changed"
                    )
                if revision != head:
                    raise BackupInvalid(
                        f"{path}: schema {revision!r} is older than this hall's {head!r}: "
                        "restore it into an empty store; nothing was changed"
                    )
            if revision != head:
                from alembic import command

                config.attributes["connection"] = connection
                command.downgrade(config, str(revision))
                reflected = MetaData()
                reflected.reflect(bind=connection)
                tables = {t.name: t for t in reflected.sorted_tables if t.name != "alembic_version"}
            else:
                tables = {t.name: t for t in current}
                for table in reversed(current):
                    connection.execute(delete(table))
            if set(header.get("tables") or ()) != set(tables):
                raise BackupInvalid(
                    f"{path}: its tables {sorted(header.get('tables') or ())} are not those of "
                    f"schema {revision!r}: {sorted(tables)}"
                )
            counts = _load(connection, path, lines, tables)
            if revision != head:
                command.upgrade(config, "head")
            if store.backend == "postgresql":
                _reset_sequences(connection, current)
            if replacing:
                # Processes serving this store compare revisions: make sure every part moved.
                connection.execute(text("UPDATE store_revisions SET revision = revision + 1000000"))
            transaction.commit()
        except BackupInvalid:
            transaction.rollback()
            raise
        except (SQLAlchemyError, ValueError, TypeError, KeyError) as exc:
            transaction.rollback()
            raise BackupInvalid(
                f"{path}: cannot be restored ({type(exc).__name__}): {exc}"
            ) from exc
    return counts


def _load(
    connection: Connection, path: Path, lines: Iterator[Any], tables: dict[str, Table]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    item = next(lines, None)
    while item is not None:
        if not isinstance(item, dict) or item.get("table") not in tables:
            raise BackupInvalid(f"{path}: expected a table, found {str(item)[:80]!r}")
        table = tables[item["table"]]
        columns = item.get("columns")
        if not isinstance(columns, list) or set(columns) != {c.name for c in table.columns}:
            raise BackupInvalid(f"{path}: the columns of {table.name} differ from the store's")
        expected = item.get("rows")
        times = [_is_time(table, c) for c in columns]
        binary = [_is_binary(table, c) for c in columns]
        batch: list[dict[str, Any]] = []
        count = 0
        item = next(lines, None)
        while isinstance(item, list):
            if len(item) != len(columns):
                raise BackupInvalid(f"{path}: a row of {table.name} has {len(item)} values")
            batch.append(
                {
                    c: _value(v, t, b)
                    for c, v, t, b in zip(columns, item, times, binary, strict=True)
                }
            )
            count += 1
            if len(batch) >= _BATCH:
                connection.execute(insert(table), batch)
                batch = []
            item = next(lines, None)
        if batch:
            connection.execute(insert(table), batch)
        if count != expected:
            raise BackupInvalid(
                f"{path}: {table.name} has {count} rows, its header says {expected}"
            )
        counts[table.name] = count
    missing = set(tables) - set(counts)
    if missing:
        raise BackupInvalid(f"{path}: no rows section for {', '.join(sorted(missing))}")
    return counts
