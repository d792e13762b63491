"""The guide's persona: its name, how it looks in each state, and what it says.

Admins edit the persona in the back office; the store keeps it as JSON under ``"persona"`` and
the shipped ``hall/data/persona.json`` fills whatever the store lacks, so a site that never
touched it, or one shipped a newer release with new lines, always has a complete guide. A
corrupt stored value is logged and ignored: the guide keeps talking with the shipped persona.

Templates use ``{name}``, the hall's ``{hall}``, ``{address}``, ``{phone}``, ``{hours}`` and
``{transport}`` (:meth:`HallInfo.fills`) and, where :data:`FILLS` allows, ``{matter}`` and
``{element}``. Other braces are text; filling never raises.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from hall.guide.errors import PersonaInvalid
from hall.store import Store, get_hall_setting, put_hall_setting

__all__ = [
    "EXPRESSIONS",
    "FILLS",
    "GESTURES",
    "LINES",
    "PERSONA_KEY",
    "Look",
    "Persona",
    "State",
    "fill_template",
    "load_persona",
    "save_persona",
]

logger = logging.getLogger(__name__)

PERSONA_KEY = "persona"


class State(StrEnum):
    """What the animated guide is doing; each state has a look and its phrasings."""

    IDLE = "idle"
    WELCOME = "welcome"
    LISTENING = "listening"
    THINKING = "thinking"
    ANSWERING = "answering"
    CLARIFYING = "clarifying"
    APOLOGISING = "apologising"
    GOODBYE = "goodbye"


#: The art the front-end ships today. Admins may name new art later, so validation only asks
#: for an identifier (:data:`IDENTIFIER`), not for one of these.
EXPRESSIONS = ("neutral", "smile", "attentive", "thinking", "happy", "puzzled", "sorry")
GESTURES = ("idle", "wave", "nod", "listen", "think", "point", "present", "shrug", "bow", "goodbye")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")

#: Named lines the dialogue says outside the state phrasings.
LINES = (
    "handoff",  # after repeated failures: the hall's phone and hours
    "element_missing",  # the matter has no {element} (fee, time limit ...) on record
    "next_done",  # every part of the guide has been told
    "empty",  # nothing was said
    "rude",  # an insult or profanity
    "blocked",  # a blocked topic
    "chitchat",  # small talk
    "expired",  # the conversation timed out
)

_COMMON = frozenset({"name", "hall", "address", "phone", "hours", "transport"})
#: The placeholders each state and line may use: the dialogue fills exactly these, so an
#: admin's template with any other ``{...}`` is refused rather than shown to citizens raw.
FILLS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **{state.value: _COMMON for state in State},
        **{line: _COMMON for line in LINES},
        State.ANSWERING.value: _COMMON | {"matter"},
        "next_done": _COMMON | {"matter"},
        "element_missing": _COMMON | {"matter", "element"},
    }
)

MAX_NAME = 16
MAX_TEMPLATE = 200
MAX_TEMPLATES = 20
#: The voice's speaking rate in words per minute (``null``: the site's HALL_SPEECH_RATE).
MIN_RATE, MAX_RATE = 80, 400

_FIELDS = ("name", "looks", "phrasings", "lines", "voice")
_LOOK_FIELDS = ("expression", "gesture")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BRACED = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Look:
    """What the front-end animates: an expression and a gesture for a state."""

    state: State
    expression: str
    gesture: str

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state.value, "expression": self.expression, "gesture": self.gesture}


@dataclass(frozen=True)
class Persona:
    """The guide as a value; build it with :meth:`from_dict` to have it validated."""

    name: str
    looks: Mapping[State, tuple[str, str]]
    phrasings: Mapping[State, tuple[str, ...]]
    lines: Mapping[str, tuple[str, ...]]
    voice_rate: int | None = None

    def look(self, state: State) -> Look:
        expression, gesture = self.looks.get(state, ("neutral", "idle"))
        return Look(state, expression, gesture)

    def phrase(self, state: State, rng: random.Random, **fill: str) -> str:
        """A random phrasing of ``state``, filled; ``name`` defaults to the persona's."""
        return self._pick(self.phrasings.get(state, ()), rng, fill)

    def phrase_line(self, line: str, rng: random.Random, **fill: str) -> str:
        """A random template of a named line (one of :data:`LINES`), filled."""
        if line not in self.lines:
            raise KeyError(f"unknown line {line!r}; known: {', '.join(sorted(self.lines))}")
        return self._pick(self.lines[line], rng, fill)

    def _pick(self, templates: tuple[str, ...], rng: random.Random, fill: dict[str, str]) -> str:
        if not templates:
            return ""
        return fill_template(rng.choice(templates), {"name": self.name, **fill})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the store and the API use; :meth:`from_dict` reads it back."""
        return {
            "name": self.name,
            "looks": {
                state.value: {"expression": look[0], "gesture": look[1]}
                for state, look in self.looks.items()
            },
            "phrasings": {state.value: list(t) for state, t in self.phrasings.items()},
            "lines": {line: list(t) for line, t in self.lines.items()},
            "voice": {"rate": self.voice_rate},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, base: Persona | None = None) -> Persona:
        """Validate ``data`` and merge it over ``base`` (default: the shipped persona).

        Any field, state, look part or line missing from ``data`` is taken from ``base``.
        Raises :class:`PersonaInvalid` naming the field (``phrasings.welcome[2]``) otherwise.
        """
        return _parse(data, base if base is not None else cls.shipped())

    @classmethod
    def shipped(cls) -> Persona:
        """The persona shipped in ``hall/data/persona.json`` (read once)."""
        return _shipped()


def fill_template(template: str, values: Mapping[str, str]) -> str:
    """``{name}``-style placeholders filled from ``values``; any other brace stays text."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def load_persona(store: Store, *, name: str | None = None) -> Persona:
    """The store's persona over the shipped one; ``name`` names the guide when the store doesn't.

    A stored value that no longer validates is logged and ignored, never raised: a bad edit must
    not silence the guide.
    """
    base = Persona.shipped()
    if name:
        base = replace(base, name=name)
    with store.session(commit=False) as session:
        stored = get_hall_setting(session, PERSONA_KEY)
    if stored is None:
        return base
    try:
        return _parse(stored, base)
    except PersonaInvalid as exc:
        logger.warning("ignoring the stored persona, using the shipped one: %s", exc)
        return base


def save_persona(store: Store, persona: Persona, *, by: str) -> None:
    """Validate and store the whole persona; raises :class:`PersonaInvalid` before writing."""
    data = _parse(persona.to_dict(), None).to_dict()
    with store.session() as session:
        put_hall_setting(session, PERSONA_KEY, data, by=by)


@cache
def _shipped() -> Persona:
    text = (resources.files("hall.data") / "persona.json").read_text(encoding="utf-8-sig")
    try:
        return _parse(json.loads(text), None)
    except (ValueError, PersonaInvalid) as exc:  # a packaging bug, not an admin's edit
        raise PersonaInvalid(f"hall/data/persona.json: {exc}") from exc


def _parse(data: Any, base: Persona | None) -> Persona:
    """Validate and merge; ``base=None`` requires every field, state and line."""
    if not isinstance(data, Mapping):
        raise PersonaInvalid(f"persona: expected an object, got {type(data).__name__}")
    _known_keys("persona", data, _FIELDS)

    if "name" in data:
        name = _text("name", data["name"], MAX_NAME)
    elif base is not None:
        name = base.name
    else:
        raise PersonaInvalid("name: missing")

    looks: dict[State, tuple[str, str]] = dict(base.looks) if base else {}
    raw_looks = _mapping("looks", data.get("looks", {}))
    _known_keys("looks", raw_looks, [s.value for s in State], what="state")
    for state in State:
        if state.value not in raw_looks:
            continue
        where = f"looks.{state.value}"
        raw = _mapping(where, raw_looks[state.value])
        _known_keys(where, raw, _LOOK_FIELDS)
        old = looks.get(state)
        parts = []
        for i, part in enumerate(_LOOK_FIELDS):
            if part in raw:
                parts.append(_identifier(f"{where}.{part}", raw[part]))
            elif old is not None:
                parts.append(old[i])
            else:
                raise PersonaInvalid(f"{where}.{part}: missing")
        looks[state] = (parts[0], parts[1])
    _complete("looks", looks, list(State))

    phrasings: dict[State, tuple[str, ...]] = dict(base.phrasings) if base else {}
    raw_phrasings = _mapping("phrasings", data.get("phrasings", {}))
    _known_keys("phrasings", raw_phrasings, [s.value for s in State], what="state")
    for state in State:
        if state.value in raw_phrasings:
            phrasings[state] = _templates(
                f"phrasings.{state.value}", raw_phrasings[state.value], FILLS[state.value]
            )
    _complete("phrasings", phrasings, list(State))

    lines: dict[str, tuple[str, ...]] = dict(base.lines) if base else {}
    raw_lines = _mapping("lines", data.get("lines", {}))
    _known_keys("lines", raw_lines, LINES, what="line")
    for line in LINES:
        if line in raw_lines:
            lines[line] = _templates(f"lines.{line}", raw_lines[line], FILLS[line])
    _complete("lines", lines, LINES)

    voice_rate = base.voice_rate if base else None
    if "voice" in data:
        raw_voice = _mapping("voice", data["voice"])
        _known_keys("voice", raw_voice, ("rate",))
        if "rate" in raw_voice:
            voice_rate = _rate("voice.rate", raw_voice["rate"])

    return Persona(
        name=name,
        looks=MappingProxyType({s: looks[s] for s in State}),
        phrasings=MappingProxyType({s: phrasings[s] for s in State}),
        lines=MappingProxyType({line: lines[line] for line in LINES}),
        voice_rate=voice_rate,
    )


def _rate(where: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise PersonaInvalid(f"{where}: expected a whole number of words per minute")
    if not MIN_RATE <= value <= MAX_RATE:
        raise PersonaInvalid(f"{where}: {value} is not within {MIN_RATE}-{MAX_RATE}")
    return value


def _mapping(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PersonaInvalid(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _known_keys(
    where: str, data: Mapping[Any, Any], known: Iterable[str], *, what: str = "field"
) -> None:
    known = list(known)
    unknown = [repr(k) for k in data if k not in known]
    if unknown:
        raise PersonaInvalid(
            f"{where}: unknown {what} {', '.join(unknown)}; valid: {', '.join(known)}"
        )


def _complete(where: str, found: Mapping[Any, Any], needed: Iterable[str]) -> None:
    missing = [str(k) for k in needed if k not in found]
    if missing:
        raise PersonaInvalid(f"{where}: missing {', '.join(missing)}")


def _text(where: str, value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise PersonaInvalid(f"{where}: expected text, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise PersonaInvalid(f"{where}: empty")
    if len(text) > limit:
        raise PersonaInvalid(f"{where}: {len(text)} characters, at most {limit}")
    return text


def _identifier(where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise PersonaInvalid(f"{where}: expected text, got {type(value).__name__}")
    if not IDENTIFIER.match(value):
        raise PersonaInvalid(f"{where}: {value!r} does not match {IDENTIFIER.pattern}")
    return value


def _templates(where: str, value: Any, fills: frozenset[str]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise PersonaInvalid(f"{where}: expected a list of text, got {type(value).__name__}")
    if not value:
        raise PersonaInvalid(f"{where}: needs at least one phrasing")
    if len(value) > MAX_TEMPLATES:
        raise PersonaInvalid(f"{where}: {len(value)} phrasings, at most {MAX_TEMPLATES}")
    templates = []
    for i, item in enumerate(value):
        template = _text(f"{where}[{i}]", item, MAX_TEMPLATE)
        for placeholder in _BRACED.findall(template):
            if placeholder not in fills:
                raise PersonaInvalid(
                    f"{where}[{i}]: unknown placeholder {{{placeholder}}}; "
                    f"may use {', '.join('{' + f + '}' for f in sorted(fills))}"
                )
        templates.append(template)
    return tuple(templates)
