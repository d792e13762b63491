"""Errors of the guide engine.

GuideError
├── EngineNotReady   a question before ``Engine.load()`` finished
├── ConversationConflict  two messages of one conversation answered at once (one is refused)
├── PersonaInvalid   an admin's persona (name, looks, phrasings) refused; names the field
└── HallInfoInvalid  an admin's hall introduction refused; names the field
"""

from __future__ import annotations

__all__ = [
    "ConversationConflict",
    "EngineNotReady",
    "GuideError",
    "HallInfoInvalid",
    "PersonaInvalid",
]


class GuideError(Exception):
    """Base of every guide error."""


class EngineNotReady(GuideError):
    pass


class ConversationConflict(GuideError):
    pass


class PersonaInvalid(GuideError):
    pass


class HallInfoInvalid(GuideError):
    pass
