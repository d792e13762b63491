"""The only place where hall's exceptions become HTTP errors, all in one shape.

Every error body is ``{"detail": <what went wrong>, "error": <kind>}``; a refused request adds
``"errors": [{"field": "body.turn", "problem": "…"}]``. Families map, not lists: an exception of
a family added later answers by its nearest rule, and any other HallError is a logged 500. Nothing
a client sent comes back in an error (a lone surrogate once made the echo itself fail, and an
echo repeats blocked words, ``<script>`` and all 10 MB of a 10 MB body).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hall.admin import (
    AccountLocked,
    AdminInvalid,
    BadCredentials,
    CsrfRefused,
    Forbidden,
    NotAuthenticated,
)
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
from hall.lexicons import LexiconError, UnknownBank
from hall.models import ModelError
from hall.store import (
    BackupInvalid,
    Conflict,
    InvalidValue,
    MatterNotFound,
    NotFound,
    StoreError,
    StoreUnavailable,
)

__all__ = ["RULES", "error_body", "install_handlers"]

log = logging.getLogger("hall.api")


@dataclass(frozen=True)
class _Rule:
    """How one exception family answers: status, error kind, and what the client may read."""

    status: int
    kind: str
    message: str | None = None  # None: the exception's own text (it names no internals)
    log: str | None = None  # "error": log the message; "exception": log the traceback too
    retry_after: int | None = None  # seconds, for a 503 that passes


#: Starlette picks the rule of the nearest class in an exception's MRO, so SpeechNotFound's rule
#: wins over SpeechError's, and HallError's catches a family nobody listed.
RULES: dict[type[Exception], _Rule] = {
    MatterNotFound: _Rule(404, "matter_not_found", "no matter has this code"),
    NotFound: _Rule(404, "not_found"),
    Conflict: _Rule(409, "conflict"),
    InvalidValue: _Rule(422, "invalid_value"),
    StoreUnavailable: _Rule(
        503, "store_unavailable", "the service's store is unavailable", "error", 5
    ),
    BackupInvalid: _Rule(422, "backup_invalid"),
    StoreError: _Rule(500, "store_error", "the store failed", "exception"),
    EngineNotReady: _Rule(
        503, "engine_not_ready", "the guide is still starting; try again shortly", None, 5
    ),
    ConversationConflict: _Rule(409, "conversation_busy"),
    SpeechNotFound: _Rule(404, "speech_not_found", "no such clip"),
    SpeechUnavailable: _Rule(503, "speech_unavailable", "speech is unavailable on this server"),
    SpeechBusy: _Rule(503, "speech_busy", "the speech engine is busy; try again shortly", None, 2),
    SpeechFailed: _Rule(503, "speech_failed", "the reply could not be spoken; try again", "error"),
    SpeechFormatInvalid: _Rule(422, "speech_invalid"),
    # Any other speech error is ours, not the client's: a logged 500.
    SpeechError: _Rule(500, "speech_error", "speech failed", "exception"),
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
    HallError: _Rule(500, "internal_error", "the service failed", "exception"),
}

#: The back office's pages: an error there is a page (or, signed out, the way to sign in).
PAGES_PREFIX = "/admin"
PageRenderer = Callable[[Request, int, str], Response]


def _on_page(request: Request) -> bool:
    path = request.url.path
    return path == PAGES_PREFIX or path.startswith(PAGES_PREFIX + "/")


#: A location part we may show: a field name or an index, never a key a client made up.
_SAFE_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def error_body(
    detail: str, kind: str, errors: Sequence[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The API's one error shape."""
    body: dict[str, Any] = {"detail": detail, "error": kind}
    if errors is not None:
        body["errors"] = list(errors)
    return body


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(p) if isinstance(p, int) or _SAFE_PART.match(p) else "…" for p in loc]
    return ".".join(parts) or "body"


def _problems(exc: RequestValidationError) -> list[dict[str, str]]:
    """Field and problem of each refusal: pydantic's message, never its ``input`` or ``ctx``
    (which hold what was sent)."""
    problems = []
    for error in exc.errors()[:20]:
        message = str(error.get("msg", "invalid value"))
        if error.get("type") == "json_invalid":
            message = "the body is not valid JSON"
        problems.append({"field": _field(error.get("loc", ())), "problem": message[:200]})
    return problems


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = _problems(exc)
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:3])
    return JSONResponse(
        status_code=422,
        content=error_body(f"invalid request: {summary}", "invalid_request", problems),
    )


def _kind(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _kind(exc.status_code)
    kind = getattr(exc, "kind", None) or _kind(exc.status_code)
    return JSONResponse(
        status_code=exc.status_code,
        content=error_body(detail, kind),
        headers=dict(exc.headers or {}),
    )


def _handler(rule: _Rule) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        if rule.log == "exception":
            log.error("%s", rule.kind, exc_info=exc)
        elif rule.log == "error":
            log.error("%s: %s", rule.kind, exc)
        message = rule.message or str(exc)
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after else {}
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
        return JSONResponse(
            status_code=rule.status,
            content=error_body(message, rule.kind),
            headers=headers or None,
        )

    return handle


def install_handlers(
    app: FastAPI, *, headers: Callable[[Request], dict[str, str]] | None = None
) -> None:
    """Handlers for hall's families, refused requests, HTTP errors, and anything else (a logged
    500; ``headers`` adds the security headers its response would otherwise lack, since
    Starlette answers it outside every middleware)."""
    for exception, rule in RULES.items():
        app.add_exception_handler(exception, _handler(rule))
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            status_code=500,
            content=error_body("the service failed", "internal_error"),
            headers=headers(request) if headers else None,
        )

    app.add_exception_handler(Exception, unexpected)
