"""Mappings from the approval platforms' own exports to interchange rows.

Each mapper takes one raw platform row and returns an interchange dict; validation happens later
like for every other format. Platforms write "无" (none) for empty fields: that becomes missing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

__all__ = ["PLATFORM_MAPPERS", "map_gdzwfw", "map_sczwfw"]

_NONE_WORDS = frozenset({"无", "暂无", "无。", "/", "-", "null", "None", "NULL"})


def _text(value: Any) -> Any:
    if isinstance(value, str):
        stripped = value.strip()
        return None if stripped in _NONE_WORDS else stripped
    return value


def _names(*values: Any) -> list[str]:
    """Short and everyday names: "a，b、c" lists; "无" ignored."""
    names: list[str] = []
    for value in values:
        value = _text(value)
        if not isinstance(value, str):
            continue
        for part in re.split(r"[，,、；;/]", value):
            part = part.strip()
            if part and part not in _NONE_WORDS and part not in names:
                names.append(part)
    return names


def _strip_label(value: Any, label: str) -> Any:
    value = _text(value)
    if isinstance(value, str) and value.startswith(label):
        value = _text(value[len(label) :])
    return value


def map_gdzwfw(raw: dict[str, Any]) -> dict[str, Any]:
    """Guangdong service platform (gdzwfw) guide export, MongoDB JSON lines."""
    title = _text(raw.get("TASK_NAME")) or _text(raw.get("matter_name"))
    materials = raw.get("material_intro")
    if isinstance(materials, list):
        materials = [m for m in (_text(item) for item in materials) if m]
    else:
        materials = _text(materials)
    parent = _text(raw.get("parentCatalogName"))
    return {
        "code": _text(raw.get("TASK_CODE")),
        "title": title,
        "kind": "matter",
        "department": _text(raw.get("DEPT_NAME")),
        "region": _text(raw.get("AREA_CODE_TEXT")),
        "type": _text(raw.get("TASK_TYPE_TEXT")) or _text(raw.get("matter_type")),
        "parent": parent,
        "aliases": [
            n for n in _names(raw.get("matter_short"), raw.get("matter_daily")) if n != title
        ],
        "conditions": _text(raw.get("accept_standard")),
        "materials": materials,
        "time_limit": _text(raw.get("handle_time")),
        "promised_time_limit": _text(raw.get("handle_time_limit")),
        "location": _strip_label(raw.get("handle_location"), "办理地点："),
        "phone": _text(raw.get("consult_phone")),
        "url": _text(raw.get("URL")),
        "source": "gdzwfw",
    }


def map_sczwfw(raw: dict[str, Any]) -> dict[str, Any]:
    """Sichuan service platform (sczwfw) matter list: department, main item, name, link.

    The list has no code column; the platform's ``itemCode`` in the link is the matter's code.
    """
    link = _text(raw.get("link"))
    name = _text(raw.get("name"))
    department = _text(raw.get("department"))
    code = None
    if isinstance(link, str):
        item_codes = parse_qs(urlparse(link).query).get("itemCode")
        if item_codes:
            code = f"GA-{item_codes[0]}"
    if code is None and isinstance(name, str):
        digest = hashlib.sha1(f"{department}|{name}".encode()).hexdigest()[:16]
        code = f"GA-{digest}"
    parent = _text(raw.get("main_item"))
    return {
        "code": code,
        "title": name,
        "kind": "matter",
        "department": department,
        "parent": None if parent in {"未分类", name} else parent,
        "url": link,
        "source": "sczwfw",
    }


PLATFORM_MAPPERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "gdzwfw": map_gdzwfw,
    "sczwfw": map_sczwfw,
}
