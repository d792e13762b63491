"""Errors of the guide engine.

GuideError
└── EngineNotReady   a question before ``Engine.load()`` finished
"""

from __future__ import annotations

__all__ = ["EngineNotReady", "GuideError"]


class GuideError(Exception):
    """Base of every guide error."""


class EngineNotReady(GuideError):
    pass
