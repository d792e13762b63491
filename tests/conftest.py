"""Shared fixtures: a fresh store per test on SQLite, and on PostgreSQL when one is configured.

Set ``HALL_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run
every ``store`` test on PostgreSQL too; each test then gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from hall.settings import Settings, get_settings
from hall.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PG_URL = os.environ.get("HALL_TEST_DATABASE_URL")

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(),
    reason=f"shared data not found at {SHARED} (only CI and developers have it)",
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="HALL_TEST_DATABASE_URL is not set"),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'hall.sqlite3').as_posix()}"
        return
    assert PG_URL is not None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The hashing encoder: no model to load, so the suite stays fast; the real encoder is
    # exercised by the tests marked ``slow``.
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        database_url=database_url,
        embedding_model="hashing",
        # The gates are calibrated for e5; hashed n-grams have another scale.
        min_in_scope=0.0,
        clarify_threshold=0.36,
        # Speech has its own tests (tests/guide/test_speech.py, tests/api/test_chat_audio.py).
        speech_enabled=False,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = Store.from_settings(settings)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def env_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Settings]:
    """Point ``get_settings()`` (and so the CLI) at the test's store through the environment."""
    monkeypatch.setenv("HALL_ENVIRONMENT", "test")
    monkeypatch.setenv("HALL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HALL_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("HALL_EMBEDDING_MODEL", settings.embedding_model)
    monkeypatch.setenv("HALL_MIN_IN_SCOPE", str(settings.min_in_scope))
    monkeypatch.setenv("HALL_CLARIFY_THRESHOLD", str(settings.clarify_threshold))
    monkeypatch.setenv("HALL_SPEECH_ENABLED", str(settings.speech_enabled).lower())
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
