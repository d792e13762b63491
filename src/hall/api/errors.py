"""The only place where hall's exceptions become HTTP errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hall.guide import (
    ConversationConflict,
    EngineNotReady,
    HallInfoInvalid,
    PersonaInvalid,
    SpeechError,
    SpeechFailed,
    SpeechNotFound,
    SpeechUnavailable,
)
from hall.importers import InterchangeError
from hall.models import ModelError
from hall.store import MatterNotFound, StoreError, StoreUnavailable

log = logging.getLogger("hall.api")


@dataclass(frozen=True)
class _Rule:
    """How one exception family answers: status, error kind, and what the client may read."""

    status: int
    kind: str
    message: str | None = None  # None: the exception's own text (it names no internals)
    log: str | None = None  # "error": log the message; "exception": log the traceback too


#: Starlette picks the rule of the nearest class in an exception's MRO, so SpeechNotFound's rule
#: wins over SpeechError's whatever the order here.
RULES: dict[type[Exception], _Rule] = {
    MatterNotFound: _Rule(404, "matter_not_found"),
    StoreUnavailable: _Rule(
        503, "store_unavailable", "the service's store is unavailable", "error"
    ),
    StoreError: _Rule(500, "store_error", "the store failed", "exception"),
    EngineNotReady: _Rule(
        503, "engine_not_ready", "the guide is still starting; try again shortly"
    ),
    ConversationConflict: _Rule(409, "conversation_busy"),
    SpeechNotFound: _Rule(404, "speech_not_found", "no such clip"),
    SpeechUnavailable: _Rule(503, "speech_unavailable", "speech is unavailable on this server"),
    SpeechFailed: _Rule(503, "speech_failed", "the reply could not be spoken; try again", "error"),
    SpeechError: _Rule(422, "speech_invalid"),
    PersonaInvalid: _Rule(422, "persona_invalid"),
    HallInfoInvalid: _Rule(422, "hall_info_invalid"),
    ModelError: _Rule(503, "model_unavailable", "the guide's model is unavailable", "error"),
    InterchangeError: _Rule(422, "invalid_import"),
}


def _handler(rule: _Rule) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(_: Request, exc: Exception) -> JSONResponse:
        if rule.log == "exception":
            log.error("%s", rule.kind, exc_info=exc)
        elif rule.log == "error":
            log.error("%s: %s", rule.kind, exc)
        content = {"detail": rule.message or str(exc), "error": rule.kind}
        return JSONResponse(status_code=rule.status, content=content)

    return handle


def install_handlers(app: FastAPI) -> None:
    for exception, rule in RULES.items():
        app.add_exception_handler(exception, _handler(rule))
