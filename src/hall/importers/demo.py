"""The demo catalogue shipped inside the package, written by the hall team for new users."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from hall.importers.formats import Format
from hall.importers.service import ImportResult, import_file
from hall.settings import Settings
from hall.store import Store

__all__ = ["demo_catalogue", "load_demo"]


@contextmanager
def demo_catalogue() -> Iterator[Path]:
    """A filesystem path of the shipped demo catalogue (JSONL interchange)."""
    with resources.as_file(resources.files("hall.data") / "demo_catalogue.jsonl") as path:
        yield path


def load_demo(store: Store, *, settings: Settings) -> ImportResult:
    """Load the demo catalogue; running it again changes nothing."""
    with demo_catalogue() as path:
        return import_file(store, path, settings=settings, fmt=Format.JSONL)
