"""Errors of the guide engine.

GuideError
├── EngineNotReady   a question before ``Engine.load()`` finished
├── ConversationConflict  two messages of one conversation answered at once (one is refused)
├── PersonaInvalid   an admin's persona (name, looks, phrasings) refused; names the field
├── HallInfoInvalid  an admin's hall introduction refused; names the field
└── SpeechError      spoken replies (``guide.speech``)
    ├── SpeechUnavailable    no engine: no pyttsx3, no espeak-ng library or no Mandarin voice
    ├── SpeechNotFound       a malformed clip id, or one no process has prepared
    ├── SpeechFailed         timeout, silent or broken audio, after a retry
    ├── SpeechBusy           the bounded queue of clips to make is full (try again shortly)
    └── SpeechFormatInvalid  an audio format other than wav/mp3, a speed not among
                             ``SPEECH_SPEEDS`` (also a ValueError)
"""

from __future__ import annotations

from hall.errors import HallError

__all__ = [
    "ConversationConflict",
    "EngineNotReady",
    "GuideError",
    "HallInfoInvalid",
    "PersonaInvalid",
    "SpeechBusy",
    "SpeechError",
    "SpeechFailed",
    "SpeechFormatInvalid",
    "SpeechNotFound",
    "SpeechUnavailable",
]


class GuideError(HallError):
    """Base of every guide error."""


class EngineNotReady(GuideError):
    pass


class ConversationConflict(GuideError):
    pass


class PersonaInvalid(GuideError):
    pass


class HallInfoInvalid(GuideError):
    pass


class SpeechError(GuideError):
    pass


class SpeechUnavailable(SpeechError):
    pass


class SpeechNotFound(SpeechError):
    pass


class SpeechFailed(SpeechError):
    pass


class SpeechBusy(SpeechError):
    pass


class SpeechFormatInvalid(SpeechError, ValueError):
    pass
