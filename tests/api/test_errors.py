"""Every exception family becomes its HTTP error, and internals stay out of the body."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hall.admin import AdminInvalid, CsrfRefused, Forbidden, NotAuthenticated
from hall.api.errors import install_handlers
from hall.errors import HallError
from hall.guide import (
    ConversationConflict,
    EngineNotReady,
    HallInfoInvalid,
    PersonaInvalid,
    SpeechBusy,
    SpeechError,
    SpeechFailed,
    SpeechFormatInvalid,
    SpeechNotFound,
    SpeechUnavailable,
)
from hall.importers import InterchangeError
from hall.lexicons import UnknownBank
from hall.models import EncoderUnavailable
from hall.store import (
    BackupInvalid,
    InvalidValue,
    MatterExists,
    MatterNotFound,
    StoreError,
    StoreUnavailable,
    UserNotFound,
)

SECRET = "postgresql://admin:hunter2@db/hall"


class _Unlisted(HallError):
    """A family the API's table does not name: HallError's rule answers."""


# exception -> (status, error kind, the client reads the exception's own text?)
TABLE = [
    (MatterNotFound("<script>"), 404, "matter_not_found", False),  # what was asked stays out
    (StoreUnavailable(SECRET), 503, "store_unavailable", False),
    (StoreError(SECRET), 500, "store_error", False),
    (EngineNotReady(SECRET), 503, "engine_not_ready", False),
    (ConversationConflict("answered at the same time"), 409, "conversation_busy", True),
    (SpeechNotFound(SECRET), 404, "speech_not_found", False),
    (SpeechUnavailable(SECRET), 503, "speech_unavailable", False),
    (SpeechFailed(SECRET), 503, "speech_failed", False),
    (SpeechFormatInvalid("speed must be 0.75, 1, 1.25 or 1.5"), 422, "speech_invalid", True),
    (SpeechBusy(SECRET), 503, "speech_busy", False),
    (SpeechError(SECRET), 500, "speech_error", False),  # ours, not the client's: logged
    (PersonaInvalid("name: empty"), 422, "persona_invalid", True),
    (HallInfoInvalid("phone: too long"), 422, "hall_info_invalid", True),
    (EncoderUnavailable(SECRET), 503, "model_unavailable", False),
    (InterchangeError("x.jsonl, line 3"), 422, "invalid_import", True),
    (UnknownBank("no bank 'x'"), 404, "unknown_bank", True),
    # The back office's families (its routes answer accounts only).
    (UserNotFound("li.na"), 404, "not_found", True),
    (MatterExists("HD-0101"), 409, "conflict", True),
    (InvalidValue("question: empty"), 422, "invalid_value", True),
    (NotAuthenticated("sign in first"), 401, "not_authenticated", True),
    (Forbidden("this needs the role editor"), 403, "forbidden", True),
    (CsrfRefused("the form has expired"), 403, "csrf_refused", True),
    (AdminInvalid("name: reserved"), 422, "invalid_value", True),
    (BackupInvalid("made by a newer hall"), 422, "backup_invalid", True),
    (_Unlisted(SECRET), 500, "internal_error", False),  # a family nobody listed
    (RuntimeError(SECRET), 500, "internal_error", False),  # not even ours
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
    assert set(body) == {"detail", "error"}
    assert body["error"] == kind
    assert (body["detail"] == str(exc)) is own_text
    assert SECRET not in response.text


@pytest.mark.parametrize(
    ("exc", "retry_after"),
    [(SpeechBusy("queue full"), "2"), (EngineNotReady("loading"), "5")],
)
def test_passing_unavailability_says_when_to_retry(exc: Exception, retry_after: str) -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise exc

    response = TestClient(app).get("/boom")
    assert response.status_code == 503
    assert response.headers["retry-after"] == retry_after


def test_every_hall_family_has_a_root() -> None:
    """One root: the CLI and the API map families under HallError, not lists."""
    for family in (StoreError, InterchangeError, UnknownBank, EncoderUnavailable, SpeechError):
        assert issubclass(family, HallError)
