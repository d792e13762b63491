"""What every request and response goes through: size limits, CORS for the public API only,
and the security headers. Plain ASGI middleware, so routes added later (the back office) are
covered without knowing of it.

Order, outermost first: security headers (so that refusals carry them too), request limits,
CORS. A route never sees a request over the limits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hall.settings import Settings

__all__ = [
    "ADMIN_PREFIXES",
    "PublicCORS",
    "RequestLimits",
    "SecurityHeaders",
    "is_admin_path",
    "security_headers",
]

#: The back office: never granted to another origin, and its pages may not style inline.
ADMIN_PREFIXES = ("/api/admin", "/admin")
_UPLOAD_TYPES = (b"multipart/form-data", b"application/octet-stream")


def is_admin_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in ADMIN_PREFIXES)


def _policy(settings: Settings, *, admin: bool) -> str:
    """The Content-Security-Policy: scripts only from hall itself, never inline.

    Styles may be inline outside the back office: the widget's Shadow DOM pins its host with a
    ``<style>`` before its sheet loads, the guide's SVG art carries its own, and Swagger UI sets
    some; CSS runs no code. The back office serves every style from files.
    """
    style = "'self'" if admin else "'self' 'unsafe-inline'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style}",
            "img-src 'self' data:",
            "media-src 'self'",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {' '.join(settings.frame_ancestors)}",
        ]
    )


def security_headers(settings: Settings, *, admin: bool = False) -> dict[str, str]:
    """The headers every response carries (X-Frame-Options only where CSP's frame-ancestors
    can be said in it: old browsers read nothing else)."""
    headers = {
        "Content-Security-Policy": _policy(settings, admin=admin),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if settings.frame_ancestors == ["'none'"]:
        headers["X-Frame-Options"] = "DENY"
    elif settings.frame_ancestors == ["'self'"]:
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self._public = [
            (k.lower().encode(), v.encode()) for k, v in security_headers(settings).items()
        ]
        self._admin = [
            (k.lower().encode(), v.encode())
            for k, v in security_headers(settings, admin=True).items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._admin if is_admin_path(scope["path"]) else self._public
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                if https and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(HTTPException):
    """Raised while a body is read: FastAPI passes HTTP errors from reading on to the handlers."""

    kind = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


async def _refuse(send: Send, status: int, detail: str, kind: str) -> None:
    body = json.dumps({"detail": detail, "error": kind}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """Refuses a request line and headers over ``max_header_bytes`` (431) and a body over its
    limit (413): the JSON limit, the upload limit for multipart and octet-stream bodies, or
    the back office's limit for its forms and texts (a lexicon bank's whole text, a matter's
    guide: more than a citizen's question, and only for accounts).

    A declared Content-Length over the limit is refused before anything is read; a chunked body
    is counted as it arrives.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload: int,
        max_header: int,
        max_admin_body: int | None = None,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_admin_body = max_admin_body or max_body
        self.max_upload = max_upload
        self.max_header = max_header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: Sequence[tuple[bytes, bytes]] = scope.get("headers", [])
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(name) + len(value) + 4 for name, value in headers)
        if size > self.max_header:
            await _refuse(
                send,
                431,
                f"the request line and headers exceed {self.max_header} bytes",
                "headers_too_large",
            )
            return
        limit, declared = self.max_body, None
        if is_admin_path(scope.get("path", "")):
            limit = self.max_admin_body
        for name, value in headers:
            if name == b"content-type" and value.lower().startswith(_UPLOAD_TYPES):
                limit = self.max_upload
            elif name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _refuse(send, 400, "invalid Content-Length", "bad_request")
                    return
        if declared is not None and declared > limit:
            await _refuse(send, 413, f"the request body exceeds {limit} bytes", "body_too_large")
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


class PublicCORS:
    """CORS for the public API and the widget; admin routes answer as if it were off, so a
    browser on another origin can never read them, whatever the origins configured."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str]) -> None:
        self.app = app
        # The widget calls the public API without cookies: credentials stay off.
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Range"],
            expose_headers=["Content-Range", "Accept-Ranges", "Content-Length", "Retry-After"],
            allow_credentials=False,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_admin_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        await self.cors(scope, receive, send)
