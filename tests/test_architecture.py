"""The import graph follows the data flow: importers -> store -> lexicons/models -> guide -> api.

``settings``, ``errors`` (the root of every exception family) and ``background`` (background work
that gives way to questions) sit below everything.

Admin sits beside api. Each package may import only the packages listed for it (itself always).
``hall.cli`` sits on top and may import anything; nothing imports ``hall.cli``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hall"

#: What every layer above them may import.
BASE = {"settings", "errors", "background"}
ALLOWED: dict[str, set[str]] = {
    "settings": set(),
    "errors": set(),
    "background": set(),
    "store": BASE,
    "importers": BASE | {"store"},
    "lexicons": BASE | {"store"},
    "models": BASE | {"store", "lexicons"},
    "guide": BASE | {"store", "lexicons", "models"},
    "admin": BASE | {"store", "importers", "lexicons", "models", "guide"},
    "api": BASE | {"store", "importers", "lexicons", "models", "guide", "admin"},
    "data": set(),
    "cli": BASE | {"store", "importers", "lexicons", "models", "guide", "admin", "api"},
    "__main__": {"cli"},
}
# Heavy or web libraries a lower layer must never pull in at import time.
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    "store": {"fastapi", "torch", "sentence_transformers"},
    "importers": {"fastapi", "torch", "sentence_transformers"},
    "guide": {"fastapi", "starlette", "sqlalchemy"},
    "api": {"sqlalchemy"},
}


def _layer(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[0] if parts else "__init__"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if _layer(p) != "__init__")


def test_every_layer_is_known() -> None:
    layers = {_layer(p) for p in MODULES}
    assert layers <= set(ALLOWED), f"unknown layer(s): {layers - set(ALLOWED)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_flow(path: Path) -> None:
    layer = _layer(path)
    bad = []
    for line, module in _imports(path):
        parts = module.split(".")
        if parts[0] == "hall" and len(parts) > 1:
            target = parts[1]
            if target != layer and target not in ALLOWED[layer]:
                bad.append(f"line {line}: {layer} imports hall.{target}")
        elif parts[0] in FORBIDDEN_THIRD_PARTY.get(layer, set()):
            bad.append(f"line {line}: {layer} imports {parts[0]}")
    assert not bad, f"{path.relative_to(SRC)} imports against the flow:\n" + "\n".join(bad)


def test_the_check_catches_a_backward_arrow(tmp_path: Path) -> None:
    """The walker itself works: a store module importing the API is found."""
    module = tmp_path / "bad.py"
    module.write_text("from hall.api import create_app\n", encoding="utf-8")
    assert _imports(module) == [(1, "hall.api")]
    assert "api" not in ALLOWED["store"]
