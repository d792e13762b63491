"""The decision's thresholds as an admin tunes them in the back office's test console.

The settings give the defaults (``HALL_ANSWER_THRESHOLD``, ``HALL_ANSWER_MARGIN``,
``HALL_CLARIFY_THRESHOLD``, ``HALL_MIN_SEMANTIC``); an admin's values are stored under
``"thresholds"`` and win over them in every process (they are part of the snapshot's settings).
A stored value that no longer validates is logged and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from hall.guide.decision import Thresholds
from hall.guide.errors import GuideError
from hall.settings import Settings
from hall.store import Store, get_hall_setting, put_hall_setting

__all__ = [
    "THRESHOLDS_KEY",
    "ThresholdsInvalid",
    "load_thresholds",
    "parse_thresholds",
    "save_thresholds",
    "settings_thresholds",
]

log = logging.getLogger("hall.guide")

THRESHOLDS_KEY = "thresholds"
_FIELDS = ("answer", "margin", "clarify", "semantic")


class ThresholdsInvalid(GuideError, ValueError):
    """Thresholds refused; names the field."""


def settings_thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        answer=settings.answer_threshold,
        margin=settings.answer_margin,
        clarify=settings.clarify_threshold,
        semantic=settings.min_semantic,
    )


def parse_thresholds(data: Any, base: Thresholds) -> Thresholds:
    """``data`` over ``base``: each of answer, margin, clarify, semantic in 0-1, clarify not
    above answer."""
    if not isinstance(data, dict):
        raise ThresholdsInvalid("thresholds: expected an object")
    unknown = [k for k in data if k not in _FIELDS]
    if unknown:
        raise ThresholdsInvalid(
            f"thresholds: unknown field {unknown[0]!r}; valid: {', '.join(_FIELDS)}"
        )
    values: dict[str, float] = {}
    for name in _FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ThresholdsInvalid(f"{name}: a number from 0 to 1")
        values[name] = round(float(value), 4)
    result = replace(
        base,
        answer=values.get("answer", base.answer),
        margin=values.get("margin", base.margin),
        clarify=values.get("clarify", base.clarify),
        semantic=values.get("semantic", base.semantic),
    )
    if result.clarify > result.answer:
        raise ThresholdsInvalid("clarify: must not exceed answer")
    return result


def load_thresholds(store: Store, settings: Settings) -> Thresholds:
    base = settings_thresholds(settings)
    with store.session(commit=False) as session:
        stored = get_hall_setting(session, THRESHOLDS_KEY)
    if stored is None:
        return base
    try:
        return parse_thresholds(stored, base)
    except ThresholdsInvalid as exc:
        log.warning("ignoring the stored thresholds, using the settings': %s", exc)
        return base


def save_thresholds(store: Store, thresholds: Thresholds, *, by: str) -> None:
    data = {name: getattr(thresholds, name) for name in _FIELDS}
    with store.session() as session:
        put_hall_setting(session, THRESHOLDS_KEY, data, by=by)
