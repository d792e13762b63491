"""The FastAPI application factory; the store opens in ``lifespan``, never at import."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from hall import __version__
from hall.admin import Accounts
from hall.api.errors import install_handlers
from hall.api.routes import (
    admin,
    admin_insight,
    admin_insight_pages,
    admin_pages,
    chat,
    hall,
    health,
    matters,
    search,
    speech,
    web,
)
from hall.guide import Dialogue, Engine, Refresher, Snapshot, Speaker
from hall.settings import Settings, get_settings
from hall.store import Store

__all__ = ["create_app"]

log = logging.getLogger("hall.api")

DESCRIPTION = """
hall, the virtual guide of an online approval hall (网上虚拟审批大厅导办): the catalogue of
matters (事项) with their guides, for the chat widget, the portal and the back office.
"""


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app; ``store`` lets tests and the CLI share an already opened store."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.store = store or Store.from_settings(settings)
        app.state.store.migrate()
        app.state.accounts = Accounts(app.state.store, settings)
        app.state.engine = Engine(app.state.store, settings).load()
        app.state.dialogue = Dialogue(
            app.state.engine, ttl=timedelta(minutes=settings.session_ttl_minutes)
        )
        app.state.speaker = None
        if settings.speech_enabled:
            app.state.speaker = Speaker.from_settings(settings).start()
            if not app.state.speaker.available:
                log.warning(
                    "speech is unavailable, replies go without audio: %s", app.state.speaker.reason
                )

        def swapped(snapshot: Snapshot) -> None:
            speaker = app.state.speaker
            if speaker is not None:
                speaker.rate = snapshot.persona.voice_rate or settings.speech_rate

        swapped(app.state.engine.snapshot)
        # Edits made by any process reach this one within the interval (hall.guide.live).
        app.state.refresher = Refresher(
            app.state.engine, interval_s=settings.refresh_interval_s, on_swap=swapped
        ).start()
        try:
            yield
        finally:
            app.state.refresher.close()
            if app.state.speaker is not None:
                app.state.speaker.close()
            if own:
                app.state.store.dispose()

    app = FastAPI(
        title="hall",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_handlers(app)
    # The widget is embedded in portals on other origins; it calls the public API without
    # cookies, so credentials stay off whatever the origins.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Range"],
        expose_headers=["Content-Range", "Accept-Ranges", "Content-Length"],
        allow_credentials=False,
    )
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
    return app
