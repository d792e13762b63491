"""Every exception family becomes its HTTP error, and internals stay out of the body."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hall.api.errors import install_handlers
from hall.guide import (
    ConversationConflict,
    EngineNotReady,
    HallInfoInvalid,
    PersonaInvalid,
    SpeechError,
    SpeechFailed,
    SpeechFormatInvalid,
    SpeechNotFound,
    SpeechUnavailable,
)
from hall.importers import InterchangeError
from hall.models import EncoderUnavailable
from hall.store import MatterNotFound, StoreError, StoreUnavailable

SECRET = "postgresql://admin:hunter2@db/hall"

# exception -> (status, error kind, the client reads the exception's own text?)
TABLE = [
    (MatterNotFound("no matter HD-9"), 404, "matter_not_found", True),
    (StoreUnavailable(SECRET), 503, "store_unavailable", False),
    (StoreError(SECRET), 500, "store_error", False),
    (EngineNotReady(SECRET), 503, "engine_not_ready", False),
    (ConversationConflict("answered at the same time"), 409, "conversation_busy", True),
    (SpeechNotFound(SECRET), 404, "speech_not_found", False),
    (SpeechUnavailable(SECRET), 503, "speech_unavailable", False),
    (SpeechFailed(SECRET), 503, "speech_failed", False),
    (SpeechFormatInvalid("speed must be 0.5 to 2"), 422, "speech_invalid", True),
    (SpeechError("bad clip"), 422, "speech_invalid", True),
    (PersonaInvalid("name: empty"), 422, "persona_invalid", True),
    (HallInfoInvalid("phone: too long"), 422, "hall_info_invalid", True),
    (EncoderUnavailable(SECRET), 503, "model_unavailable", False),
    (InterchangeError("x.jsonl, line 3"), 422, "invalid_import", True),
]


@pytest.mark.parametrize(
    ("exc", "status", "kind", "own_text"), TABLE, ids=[type(row[0]).__name__ for row in TABLE]
)
def test_exception_to_http(exc: Exception, status: int, kind: str, own_text: bool) -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == status
    body = response.json()
    assert body["error"] == kind
    assert (body["detail"] == str(exc)) is own_text
    assert SECRET not in response.text
