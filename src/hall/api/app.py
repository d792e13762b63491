"""The FastAPI application factory; the store opens in ``lifespan``, never at import.

``hall serve --workers N`` runs one app per process (uvicorn calls :func:`create_app` in each):
everything a process holds is built here or in its lifespan, and what processes share lives in
the store (conversations, history), the data folder (index and speech caches) and the rate-limit
store.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from anyio import to_thread
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from hall import __version__
from hall.admin import Accounts
from hall.api.deps import Threads
from hall.api.errors import install_handlers
from hall.api.middleware import (
    PublicCORS,
    RequestLimits,
    SecurityHeaders,
    is_admin_path,
    security_headers,
)
from hall.api.ratelimit import RateLimiter
from hall.api.routes import (
    admin,
    admin_insight,
    admin_insight_pages,
    admin_pages,
    chat,
    docs,
    hall,
    health,
    matters,
    search,
    speech,
    web,
)
from hall.api.schemas import ErrorPublic
from hall.guide import (
    Dialogue,
    Engine,
    HistoryWriter,
    Refresher,
    Snapshot,
    Speaker,
    housekeeping,
)
from hall.settings import Settings, get_settings
from hall.store import Store

__all__ = ["create_app"]

log = logging.getLogger("hall.api")

DESCRIPTION = """
hall, the virtual guide of an online approval hall (网上虚拟审批大厅导办): the catalogue of
matters (事项) with their guides, for the chat widget, the portal and the back office.

Every error has one shape, `{"detail": …, "error": …}`; a refused request (422) also lists
`errors` with each field and its problem. The public routes are rate-limited per client: over a
limit they answer 429 with `Retry-After`.
"""

#: Answers any route may give, in the one error shape.
COMMON_RESPONSES: dict[int | str, dict[str, object]] = {
    413: {"model": ErrorPublic, "description": "The request body is too large."},
    422: {"model": ErrorPublic, "description": "The request was refused: see `errors`."},
    431: {"model": ErrorPublic, "description": "The request's headers are too large."},
    500: {"model": ErrorPublic, "description": "The service failed (the cause is logged)."},
    503: {"model": ErrorPublic, "description": "Not ready or unavailable; see `Retry-After`."},
}


#: What a run of the lifespan puts on ``app.state``.
_STATE = (
    "speech_threads",
    "bulk",
    "store",
    "accounts",
    "engine",
    "history",
    "dialogue",
    "speaker",
    "refresher",
)


async def _maintain(store: Store, settings: Settings) -> None:
    """Purge expired conversations and old history, now and then, in every process (the deletes
    are idempotent: processes doing them at once only repeat each other)."""
    interval = settings.maintenance_minutes * 60
    while True:
        try:
            purged = await run_in_threadpool(housekeeping, store, settings)
            if purged.sessions or purged.questions:
                log.info(
                    "purged %d expired conversations and %d old questions",
                    purged.sessions,
                    purged.questions,
                )
        except Exception:
            log.exception("housekeeping failed; it runs again in %.0f s", interval)
        await asyncio.sleep(interval)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app; ``store`` lets tests and the CLI share an already opened store."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What a run of the lifespan starts, it closes: its own objects, not whatever
        # ``app.state`` holds at shutdown. A second run on one app (a test entering a second
        # client) would otherwise orphan the first run's refresher thread; and on leaving, the
        # state an outer run set up is put back, so it goes on serving.
        before = {name: getattr(app.state, name) for name in _STATE if hasattr(app.state, name)}
        own = store is None
        # Sync routes run in anyio's thread pool: bound it, so a burst queues in order.
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        # A fetch of audio waits for its synthesis (seconds): on threads of its own.
        app.state.speech_threads = Threads(settings.speech_queue)
        # Imports, exports and bank saves (seconds to minutes): on threads of their own too.
        app.state.bulk = Threads(settings.bulk_threads)
        opened = store or Store.from_settings(settings)
        app.state.store = opened
        opened.migrate()
        app.state.accounts = Accounts(opened, settings)
        engine = app.state.engine = Engine(opened, settings).load()
        history = app.state.history = HistoryWriter(opened).start()
        app.state.dialogue = Dialogue(
            engine,
            ttl=timedelta(minutes=settings.session_ttl_minutes),
            popular_days=settings.popular_days,
        )
        speaker: Speaker | None = None
        if settings.speech_enabled:
            speaker = Speaker.from_settings(settings).start()
            if not speaker.available:
                log.warning("speech is unavailable, replies go without audio: %s", speaker.reason)
        app.state.speaker = speaker

        def swapped(snapshot: Snapshot) -> None:
            if speaker is not None:
                speaker.rate = snapshot.persona.voice_rate or settings.speech_rate
            # The model, the libraries and the snapshot (some 700,000 objects) live as long as
            # the process or the snapshot: out of the collector's sight. A full collection over
            # them held the GIL for 300 ms, a stall for every question in flight while an edit
            # went live (bench/bench_swaps.py). Reference counting still frees an old snapshot.
            gc.freeze()

        swapped(engine.snapshot)
        # Edits made by any process reach this one within the interval (hall.guide.live).
        refresher = app.state.refresher = Refresher(
            engine, interval_s=settings.refresh_interval_s, on_swap=swapped
        ).start()
        if settings.workers > 1 and not app.state.rate_limiter.shared:
            log.warning(
                "each of the %d workers counts rate limits alone (HALL_RATE_LIMIT_STORAGE=%s): a "
                "client may make %d times as many requests",
                settings.workers,
                settings.rate_limit_storage,
                settings.workers,
            )
        maintenance = asyncio.create_task(_maintain(opened, settings))
        try:
            yield
        finally:
            refresher.close()
            gc.unfreeze()  # what this app kept is the collector's again
            maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await maintenance
            await run_in_threadpool(history.close)  # what is waiting is written
            if speaker is not None:
                speaker.close()
            if own:
                opened.dispose()
            for name, value in before.items():
                setattr(app.state, name, value)

    app = FastAPI(
        title="hall",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package (routes.docs), not from a CDN
        redoc_url=None,
        responses=COMMON_RESPONSES,
    )
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings)

    def headers_for(request: Request) -> dict[str, str]:
        return security_headers(settings, admin=is_admin_path(request.url.path))

    install_handlers(app, headers=headers_for)
    # Innermost first: CORS, then the limits, then the headers every answer carries.
    app.add_middleware(PublicCORS, origins=settings.cors_origins)
    app.add_middleware(
        RequestLimits,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
        max_header=settings.max_header_bytes,
        max_admin_body=settings.max_admin_body_bytes,
    )
    app.add_middleware(SecurityHeaders, settings=settings)
    app.include_router(health.router)
    app.include_router(matters.router)
    app.include_router(search.router)
    app.include_router(chat.router)
    app.include_router(speech.router)
    app.include_router(hall.router)
    app.include_router(web.router)
    app.include_router(admin.router)
    app.include_router(admin_insight.router)
    admin_pages.install(app)
    app.include_router(admin_insight_pages.router)
    app.include_router(docs.router)
    return app
