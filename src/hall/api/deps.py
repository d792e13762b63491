"""Dependencies as ``Annotated`` aliases: routes declare what they need, tests override it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from hall.guide import Dialogue, Engine, HistoryWriter, Speaker
from hall.settings import Settings
from hall.store import Session, Store

__all__ = [
    "DialogueDep",
    "EngineDep",
    "HistoryDep",
    "SessionDep",
    "SettingsDep",
    "SpeakerDep",
    "StoreDep",
]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_dialogue(request: Request) -> Dialogue:
    dialogue: Dialogue = request.app.state.dialogue
    return dialogue


def get_speaker(request: Request) -> Speaker | None:
    """The speech engine, or None when speech is turned off in the settings."""
    speaker: Speaker | None = request.app.state.speaker
    return speaker


def get_history(request: Request) -> HistoryWriter:
    """The search's question history, written in bulk by a thread of this process."""
    history: HistoryWriter = request.app.state.history
    return history


StoreDep = Annotated[Store, Depends(get_store)]
HistoryDep = Annotated[HistoryWriter, Depends(get_history)]
DialogueDep = Annotated[Dialogue, Depends(get_dialogue)]
SpeakerDep = Annotated[Speaker | None, Depends(get_speaker)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(store: StoreDep) -> Iterator[Session]:
    with store.session(commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
