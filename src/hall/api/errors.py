"""The only place where hall's exceptions become HTTP errors."""

from __future__ import annotations

import logging

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


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": message, "error": kind})


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(MatterNotFound)
    async def not_found(_: Request, exc: MatterNotFound) -> JSONResponse:
        return _error(404, "matter_not_found", str(exc))

    @app.exception_handler(StoreUnavailable)
    async def unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        log.error("store unavailable: %s", exc)
        return _error(503, "store_unavailable", "the service's store is unavailable")

    @app.exception_handler(StoreError)
    async def store_error(_: Request, exc: StoreError) -> JSONResponse:
        log.exception("store error")
        return _error(500, "store_error", "the store failed")

    @app.exception_handler(EngineNotReady)
    async def not_ready(_: Request, exc: EngineNotReady) -> JSONResponse:
        return _error(503, "engine_not_ready", "the guide is still starting; try again shortly")

    @app.exception_handler(ConversationConflict)
    async def conflict(_: Request, exc: ConversationConflict) -> JSONResponse:
        return _error(409, "conversation_busy", str(exc))

    @app.exception_handler(SpeechNotFound)
    async def no_clip(_: Request, exc: SpeechNotFound) -> JSONResponse:
        return _error(404, "speech_not_found", "no such clip")

    @app.exception_handler(SpeechUnavailable)
    async def no_speech(_: Request, exc: SpeechUnavailable) -> JSONResponse:
        return _error(503, "speech_unavailable", "speech is unavailable on this server")

    @app.exception_handler(SpeechFailed)
    async def speech_failed(_: Request, exc: SpeechFailed) -> JSONResponse:
        log.error("speech failed: %s", exc)
        return _error(503, "speech_failed", "the reply could not be spoken; try again")

    @app.exception_handler(SpeechError)
    async def speech_error(_: Request, exc: SpeechError) -> JSONResponse:
        return _error(422, "speech_invalid", str(exc))

    @app.exception_handler(PersonaInvalid)
    async def persona_invalid(_: Request, exc: PersonaInvalid) -> JSONResponse:
        return _error(422, "persona_invalid", str(exc))

    @app.exception_handler(HallInfoInvalid)
    async def hall_invalid(_: Request, exc: HallInfoInvalid) -> JSONResponse:
        return _error(422, "hall_info_invalid", str(exc))

    @app.exception_handler(ModelError)
    async def model_error(_: Request, exc: ModelError) -> JSONResponse:
        log.error("model error: %s", exc)
        return _error(503, "model_unavailable", "the guide's model is unavailable")

    @app.exception_handler(InterchangeError)
    async def interchange(_: Request, exc: InterchangeError) -> JSONResponse:
        return _error(422, "invalid_import", str(exc))
