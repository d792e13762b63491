"""The only place where hall's exceptions become HTTP errors."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hall.guide import EngineNotReady
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

    @app.exception_handler(ModelError)
    async def model_error(_: Request, exc: ModelError) -> JSONResponse:
        log.error("model error: %s", exc)
        return _error(503, "model_unavailable", "the guide's model is unavailable")

    @app.exception_handler(InterchangeError)
    async def interchange(_: Request, exc: InterchangeError) -> JSONResponse:
        return _error(422, "invalid_import", str(exc))
