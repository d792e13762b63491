"""The store: one engine and session factory per process, created from settings.

``Store.migrate()`` brings the schema to the newest Alembic revision; every command that opens
the store calls it, so a new SQLite file or an empty PostgreSQL database just works.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hall.settings import Settings
from hall.store.errors import StoreUnavailable

__all__ = ["Store"]

_LOCAL_LOCKS: dict[str, threading.Lock] = {}


class Store:
    """Owns the engine; hands out sessions that commit on success and roll back on error."""

    def __init__(self, url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None):
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreUnavailable(f"invalid database URL {url!r}: {exc}") from exc
        self.url = parsed
        args: dict[str, Any] = dict(connect_args or {})
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                try:
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreUnavailable(
                        f"cannot create the folder of the SQLite file {database!r}: {exc.strerror}"
                    ) from exc
            args.setdefault("timeout", 30)
        self.engine: Engine = create_engine(
            parsed,
            echo=echo,
            connect_args=args,
            json_serializer=_json_dumps,
            pool_pre_ping=True,
            # A failed statement's error would carry its parameters: citizens' questions.
            hide_parameters=not echo,
        )
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.resolved_database_url, echo=settings.database_echo)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @contextmanager
    def session(self, *, commit: bool = True) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises.

        ``commit=False`` always rolls back: a dry run sees exactly what a real run would do.
        """
        with self._sessions() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            if commit:
                session.commit()
            else:
                session.rollback()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold a lock named ``name`` across every process of this store while the block runs:
        an advisory lock on PostgreSQL (per database and schema), a file lock beside a SQLite
        file. Start-up steps that write (migrations, seeding) run under it, so processes started
        together take turns instead of colliding."""
        if self.backend == "postgresql":
            with self.engine.connect() as connection:
                key = connection.execute(
                    text(
                        "SELECT hashtextextended(current_database() || '.' || "
                        "current_schema() || '.' || :name, 0)"
                    ),
                    {"name": name},
                ).scalar_one()
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
            return
        database = self.url.database if self.backend == "sqlite" else None
        if not database or database == ":memory:":
            with _LOCAL_LOCKS.setdefault(name, threading.Lock()):
                yield
            return
        import fcntl

        with open(f"{database}.{name}.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def migrate(self) -> None:
        """Upgrade the schema to the newest revision (idempotent; one process at a time)."""
        from alembic import command
        from alembic.config import Config

        script_location = str(resources.files("hall.store") / "migrations")
        config = Config()
        config.set_main_option("script_location", script_location)
        try:
            with self.exclusive("migrate"), self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise StoreUnavailable(
                f"cannot reach the database at {self.safe_url}: {exc.orig}"
            ) from exc
        except DatabaseError as exc:
            raise StoreUnavailable(
                f"the database at {self.safe_url} cannot be migrated: {exc.orig}"
            ) from exc

    def ping(self) -> bool:
        """Whether the database answers now (for health checks; never raises)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def _json_dumps(value: Any) -> str:
    # Readable Chinese in the database, and LIKE on aliases matches what people type.
    return json.dumps(value, ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
