"""Alembic environment: runs on the connection that ``Store.migrate()`` hands over.

Run by hand with ``alembic -c alembic.ini`` from the repository root for new revisions.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from hall.settings import get_settings
from hall.store.tables import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
