"""Dependencies as ``Annotated`` aliases: routes declare what they need, tests override it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request

from hall.admin import Accounts, CsrfRefused, NotAuthenticated, Role, SignedIn
from hall.guide import Dialogue, Engine, HistoryWriter, Refresher, Speaker
from hall.settings import Settings
from hall.store import Session, Store

__all__ = [
    "ADMIN_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "AccountsDep",
    "AdminDep",
    "BulkDep",
    "DialogueDep",
    "EditorDep",
    "EngineDep",
    "HistoryDep",
    "RefresherDep",
    "SessionDep",
    "SettingsDep",
    "SpeakerDep",
    "SpeechThreadsDep",
    "StoreDep",
    "Threads",
    "ViewerDep",
    "require",
    "signed_in",
]

#: The back office's session cookie, and where an unsafe request carries its CSRF token.
ADMIN_COOKIE = "hall_admin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


def get_accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


T = TypeVar("T")


class Threads:
    """Threads of their own for work that takes seconds: so many at a time, the rest queued, and
    never one of the ``HALL_REQUEST_THREADS`` citizens' questions wait on. Two pools: long admin
    jobs (``HALL_BULK_THREADS``: a catalogue import or export, a lexicon file, a whole bank
    saved) and fetches of audio waiting for their synthesis (``HALL_SPEECH_QUEUE``)."""

    def __init__(self, threads: int) -> None:
        self.limiter = CapacityLimiter(threads)

    async def run(self, work: Callable[[], T]) -> T:
        return await to_thread.run_sync(work, limiter=self.limiter)


def get_bulk(request: Request) -> Threads:
    bulk: Threads = request.app.state.bulk
    return bulk


def get_speech_threads(request: Request) -> Threads:
    threads: Threads = request.app.state.speech_threads
    return threads


BulkDep = Annotated[Threads, Depends(get_bulk)]
SpeechThreadsDep = Annotated[Threads, Depends(get_speech_threads)]


def get_refresher(request: Request) -> Refresher | None:
    refresher: Refresher | None = getattr(request.app.state, "refresher", None)
    return refresher


AccountsDep = Annotated[Accounts, Depends(get_accounts)]
RefresherDep = Annotated[Refresher | None, Depends(get_refresher)]


def signed_in(request: Request) -> SignedIn | None:
    """Who makes the request: a bearer token first, then the session cookie; None if nobody.

    A bearer token that is wrong is refused outright rather than falling back to the cookie.
    """
    accounts = get_accounts(request)
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("use 'Authorization: Bearer TOKEN'")
        found = accounts.from_token(token.strip())
        if found is None:
            raise NotAuthenticated("the token is unknown, revoked, or its account is disabled")
        return found
    cookie = request.cookies.get(ADMIN_COOKIE)
    return accounts.from_cookie(cookie) if cookie else None


def require(role: Role) -> Callable[[Request], Awaitable[SignedIn]]:
    """A dependency admitting accounts of ``role`` or above; for a browser's unsafe request,
    also its CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``)."""

    async def dependency(request: Request) -> SignedIn:
        who = signed_in(request)
        if who is None:
            raise NotAuthenticated("sign in first")
        who.require(role)
        if request.method not in _SAFE_METHODS:
            token = request.headers.get(CSRF_HEADER)
            if token is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                form = await request.form()
                value = form.get(CSRF_FIELD)
                token = value if isinstance(value, str) else None
            if not who.check_csrf(token):
                raise CsrfRefused("the form has expired or did not come from this site; reload it")
        request.state.signed_in = who
        return who

    dependency.__name__ = f"require_{role.value}"
    dependency.role = role  # type: ignore[attr-defined]  # read by the route table test
    return dependency


ViewerDep = Annotated[SignedIn, Depends(require(Role.VIEWER))]
EditorDep = Annotated[SignedIn, Depends(require(Role.EDITOR))]
AdminDep = Annotated[SignedIn, Depends(require(Role.ADMIN))]
