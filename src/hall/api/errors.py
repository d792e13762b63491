"""The only place where hall's exceptions become HTTP errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hall.admin import (
    AccountLocked,
    AdminInvalid,
    BadCredentials,
    CsrfRefused,
    Forbidden,
    NotAuthenticated,
)
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
from hall.lexicons import LexiconError, UnknownBank
from hall.models import ModelError
from hall.store import (
    Conflict,
    InvalidValue,
    MatterNotFound,
    NotFound,
    StoreError,
    StoreUnavailable,
)

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
    NotFound: _Rule(404, "not_found"),
    Conflict: _Rule(409, "conflict"),
    InvalidValue: _Rule(422, "invalid_value"),
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
    UnknownBank: _Rule(404, "unknown_bank"),
    LexiconError: _Rule(422, "invalid_lexicon"),
    NotAuthenticated: _Rule(401, "not_authenticated"),
    BadCredentials: _Rule(401, "bad_credentials"),
    AccountLocked: _Rule(429, "account_locked"),
    Forbidden: _Rule(403, "forbidden"),
    CsrfRefused: _Rule(403, "csrf_refused"),
    AdminInvalid: _Rule(422, "invalid_value"),
}

#: The back office's pages: an error there is a page (or, signed out, the way to sign in).
PAGES_PREFIX = "/admin"
PageRenderer = Callable[[Request, int, str], Response]


def _on_page(request: Request) -> bool:
    path = request.url.path
    return path == PAGES_PREFIX or path.startswith(PAGES_PREFIX + "/")


def _handler(rule: _Rule) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        if rule.log == "exception":
            log.error("%s", rule.kind, exc_info=exc)
        elif rule.log == "error":
            log.error("%s: %s", rule.kind, exc)
        message = rule.message or str(exc)
        headers: dict[str, str] = {}
        if isinstance(exc, NotAuthenticated):
            if _on_page(request):
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/admin/login?{urlencode({'next': target})}", 303)
            headers["WWW-Authenticate"] = 'Bearer realm="hall-admin"'
        if isinstance(exc, AccountLocked):
            wait = (exc.until - datetime.now(UTC)).total_seconds()
            headers["Retry-After"] = str(max(1, int(wait)))
        renderer: PageRenderer | None = getattr(request.app.state, "error_page", None)
        if renderer is not None and _on_page(request):
            return renderer(request, rule.status, message)
        content = {"detail": message, "error": rule.kind}
        return JSONResponse(status_code=rule.status, content=content, headers=headers)

    return handle


def install_handlers(app: FastAPI) -> None:
    for exception, rule in RULES.items():
        app.add_exception_handler(exception, _handler(rule))
