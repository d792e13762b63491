"""Migrations: idempotent, reversible, and in agreement with the SQLAlchemy models."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, DateTime, MetaData, Text, column, inspect, table

from hall.store import (
    MatterRecord,
    Store,
    StoreUnavailable,
    count_matters,
    get_matter,
    search_matters,
    upsert_matters,
)
from hall.store.tables import Base, utcnow

APP_TABLES = {"matters", "matter_questions"}


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("hall.store") / "migrations"))
    return config


def schema_of(store: Store) -> dict[str, Any]:
    inspector = inspect(store.engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted(i["name"] or "" for i in inspector.get_indexes(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def differences(store: Store, metadata: MetaData) -> list[Any]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "target_metadata": metadata}
        )
        return list(compare_metadata(context, metadata))


@pytest.fixture
def bare_store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    yield store
    store.dispose()


def test_migrate_creates_the_schema_at_head(bare_store: Store) -> None:
    assert not inspect(bare_store.engine).has_table("matters")
    assert current_revision(bare_store) is None

    bare_store.migrate()

    assert set(inspect(bare_store.engine).get_table_names()) >= APP_TABLES
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [current_revision(bare_store)]


def test_migrating_twice_is_a_no_op(store: Store) -> None:
    with store.session() as session:
        upsert_matters(session, [MatterRecord(code="A1", title="出生登记", questions=("上户口",))])
    schema = schema_of(store)
    revision = current_revision(store)

    store.migrate()
    store.migrate()

    assert schema_of(store) == schema
    assert current_revision(store) == revision
    with store.session(commit=False) as session:
        assert count_matters(session) == 1


def test_models_and_migrations_agree(store: Store) -> None:
    assert differences(store, Base.metadata) == []


def test_the_agreement_check_sees_a_model_change(store: Store) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for model_table in Base.metadata.tables.values():
        model_table.to_metadata(changed)
    changed.tables["matters"].append_column(Column("extra", Text))

    found = differences(store, changed)

    assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "matters", "extra")]


def test_downgrade_to_base_and_upgrade_again(store: Store) -> None:
    schema = schema_of(store)
    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not APP_TABLES & set(inspect(store.engine).get_table_names())

    store.migrate()

    assert schema_of(store) == schema


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("not a database url", "invalid database URL 'not a database url'", id="bad"),
        pytest.param(
            "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
            "cannot reach the database at postgresql+psycopg://nobody:***@127.0.0.1:1/none",
            id="unreachable-password-hidden",
        ),
    ],
)
def test_an_unusable_database_is_store_unavailable(url: str, message: str) -> None:
    def open_and_migrate() -> None:
        store = Store(url)
        try:
            store.migrate()
        finally:
            store.dispose()

    with pytest.raises(StoreUnavailable) as caught:
        open_and_migrate()
    assert message in str(caught.value)
    assert "secret" not in str(caught.value)


def test_upgrading_a_populated_first_revision_fills_the_search_text(bare_store: Store) -> None:
    config = alembic_config()
    with bare_store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    now = utcnow()
    matters = table(
        "matters",
        *(column(name) for name in ("code", "title", "kind", "status", "department")),
        *(column(name, JSON) for name in ("aliases", "keywords", "materials", "process")),
        column("revision"),
        *(column(name, DateTime(timezone=True)) for name in ("created_at", "updated_at")),
    )
    with bare_store.engine.begin() as connection:
        connection.execute(
            matters.insert(),
            [
                {
                    "code": "GD-0001",
                    "title": "生育登记",
                    "kind": "matter",
                    "status": "active",
                    "department": "Health Commission",
                    "aliases": ["准生证", "二胎登记"],
                    "keywords": [],
                    "materials": [],
                    "process": [],
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )

    bare_store.migrate()

    assert differences(bare_store, Base.metadata) == []
    with bare_store.session(commit=False) as session:
        for query in ("准生", "gd-0001", "health", "生育"):
            page, total = search_matters(session, query)
            assert ([m.code for m in page], total) == (["GD-0001"], 1), query
        matter = get_matter(session, "GD-0001")
    assert matter.record.aliases == ("准生证", "二胎登记")
    # The next import of the same matter finds nothing to change.
    with bare_store.session() as session:
        report = upsert_matters(session, [matter.record])
    assert (report.unchanged, report.updated) == (1, 0)
