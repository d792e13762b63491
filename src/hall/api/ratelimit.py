"""Per-client rate limits on the public routes, with the ``limits`` library.

A moving window per client and route (``HALL_RATE_LIMIT_CHAT`` and the like, e.g.
``30/minute;600/day``), counted in memory (one process) or in a store every process shares
(``HALL_RATE_LIMIT_STORAGE=redis://…``). Over a limit: 429 with ``Retry-After``. The client is
the address uvicorn reports, which is the X-Forwarded-For of a trusted proxy
(``HALL_FORWARDED_ALLOW_IPS``) behind a load balancer.

When the shared store is unreachable the limits let requests through and say so in the log:
citizens are not refused because a counter is down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.exceptions import HTTPException

from hall.settings import Settings

__all__ = ["LIMITED", "RateLimited", "RateLimiter", "client_key", "rate_limit"]

log = logging.getLogger("hall.api")

#: The limited routes, by the name of their setting (``rate_limit_<name>``).
LIMITED = ("chat", "search", "feedback", "feedback_turn", "speech")
_WARN_EVERY_S = 60.0


class RateLimited(HTTPException):
    kind = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            f"too many requests; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def _storage_uri(uri: str) -> tuple[str, dict[str, Any]]:
    """The asynchronous flavour of a ``limits`` storage URI, and its options."""
    scheme = uri.split("://", 1)[0]
    if not scheme.startswith("async+"):
        uri = f"async+{uri}"
    options: dict[str, Any] = {}
    if "redis" in scheme:
        options["implementation"] = "redispy"  # redis-py, the client most installs have
    return uri, options


class RateLimiter:
    """The limits of every limited route; one per process."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        uri, options = _storage_uri(settings.rate_limit_storage)
        self.storage_name = settings.rate_limit_storage.split("://", 1)[0]
        self.storage = storage_from_string(uri, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.rules: dict[str, list[RateLimitItem]] = {
            name: parse_many(getattr(settings, f"rate_limit_{name}")) for name in LIMITED
        }
        self._warned = 0.0

    @property
    def shared(self) -> bool:
        """Whether every process counts in the same place."""
        return self.storage_name != "memory"

    async def check(self, name: str, *key: str) -> None:
        """Count one request of ``key`` on ``name``; RateLimited when over any of its limits."""
        if not self.enabled:
            return
        try:
            for item in self.rules[name]:
                if not await self.strategy.hit(item, "hall", name, *key):
                    stats = await self.strategy.get_window_stats(item, "hall", name, *key)
                    raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))
        except RateLimited:
            raise
        except Exception as exc:  # a counter that is down must not refuse citizens
            now = time.monotonic()
            if now - self._warned > _WARN_EVERY_S:
                self._warned = now
                log.warning("rate limits are not enforced, their store failed: %s", exc)


def client_key(request: Request) -> str:
    """Who is asking: the peer's address (the proxy's client, once uvicorn trusts the proxy)."""
    return request.client.host if request.client else "unknown"


def rate_limit(name: str) -> Any:
    """A dependency that counts the request on ``name``'s limits, per client."""
    if name not in LIMITED:
        raise ValueError(f"no rate limit named {name!r}; choose one of: {', '.join(LIMITED)}")

    async def limited(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        await limiter.check(name, client_key(request))

    dependency: Callable[[Request], Coroutine[Any, Any, None]] = limited
    return Depends(dependency)
