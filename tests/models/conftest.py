"""Fixtures of the model tests: the demo catalogue as matters and one shared normaliser.

The normaliser (about a second to build) is built once per session and never changed; indexes
over the demo catalogue with the hashing encoder take a fraction of a second, so each module
builds its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pytest

from hall.importers import demo_catalogue
from hall.lexicons import LexiconSet, Normalizer
from hall.store import Matter, MatterRecord

NOW = datetime(2024, 1, 1, tzinfo=UTC)


class Matters(tuple[Matter, ...]):
    """A tuple of matters whose repr stays short in hypothesis' failure reports."""

    def __repr__(self) -> str:
        return f"<{len(self)} matters>"


def make_matter(code: str, title: str, **fields: Any) -> Matter:
    """A stored matter built from a table row, as the store would hand it to the index."""
    record = MatterRecord.model_validate({"code": code, "title": title, **fields})
    return Matter(record=record, created_at=NOW, updated_at=NOW)


def vocabulary(matters: Iterable[Matter]) -> list[str]:
    """The words the engine adds to the normaliser's dictionary: aliases and keywords."""
    return [word for m in matters for word in (*m.record.aliases, *m.record.keywords)]


@pytest.fixture(scope="session")
def demo_matters() -> Matters:
    """The 83 matters of the shipped demo catalogue, ordered by code."""
    with demo_catalogue() as path:
        lines = path.read_text(encoding="utf-8").splitlines()
    records = [MatterRecord.model_validate(json.loads(line)) for line in lines if line.strip()]
    matters = [Matter(record=r, created_at=NOW, updated_at=NOW) for r in records]
    return Matters(sorted(matters, key=lambda m: m.code))


@pytest.fixture(scope="session")
def lexicons() -> LexiconSet:
    return LexiconSet.shipped()


@pytest.fixture(scope="session")
def normalizer(lexicons: LexiconSet, demo_matters: tuple[Matter, ...]) -> Normalizer:
    """The shipped lexicons with the demo vocabulary, as the engine builds it."""
    return Normalizer(lexicons, vocabulary=vocabulary(demo_matters)).load()
