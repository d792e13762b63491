"""Dependencies as ``Annotated`` aliases: routes declare what they need, tests override it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from hall.guide import Engine
from hall.settings import Settings
from hall.store import Session, Store

__all__ = ["EngineDep", "SessionDep", "SettingsDep", "StoreDep"]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


StoreDep = Annotated[Store, Depends(get_store)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(store: StoreDep) -> Iterator[Session]:
    with store.session(commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
