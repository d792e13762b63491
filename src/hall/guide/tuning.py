"""The decision's thresholds as an admin tunes them in the back office's test console.

The settings give the defaults (``HALL_ANSWER_THRESHOLD``, ``HALL_ANSWER_MARGIN``,
``HALL_CLARIFY_THRESHOLD``, ``HALL_MIN_IN_SCOPE``); an admin's values are stored under
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
_FIELDS = ("answer", "margin", "clarify", "in_scope")
#: The most each may be (in-scope closeness adds a weighted lead, a weighted fused score and the
#: named weight, for up to two subjects, to a cosine: up to 4.3 at the default weights, but only
#: a question that spells out a title comes above 3).
_MAX = {"answer": 1.0, "margin": 1.0, "clarify": 1.0, "in_scope": 3.0}


class ThresholdsInvalid(GuideError, ValueError):
    """Thresholds refused; names the field."""


def settings_thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        answer=settings.answer_threshold,
        margin=settings.answer_margin,
        clarify=settings.clarify_threshold,
        in_scope=settings.min_in_scope,
        out_of_scope_weight=settings.out_of_scope_weight,
        fit_weight=settings.in_scope_fit_weight,
        named_weight=settings.in_scope_named_weight,
    )


def parse_thresholds(data: Any, base: Thresholds) -> Thresholds:
    """``data`` over ``base``: answer, margin and clarify in 0-1, in_scope in 0-3, clarify not
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
        top = _MAX[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= top:
            raise ThresholdsInvalid(f"{name}: a number from 0 to {top:g}")
        values[name] = round(float(value), 4)
    result = replace(
        base,
        answer=values.get("answer", base.answer),
        margin=values.get("margin", base.margin),
        clarify=values.get("clarify", base.clarify),
        in_scope=values.get("in_scope", base.in_scope),
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
