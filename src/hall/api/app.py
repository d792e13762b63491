"""The FastAPI application factory; the store opens in ``lifespan``, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from hall import __version__
from hall.api.errors import install_handlers
from hall.api.routes import health, matters, search
from hall.guide import Engine
from hall.settings import Settings, get_settings
from hall.store import Store

__all__ = ["create_app"]

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
        app.state.engine = Engine(app.state.store, settings).load()
        try:
            yield
        finally:
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
    app.include_router(health.router)
    app.include_router(matters.router)
    app.include_router(search.router)
    return app
