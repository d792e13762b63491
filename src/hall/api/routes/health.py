"""Liveness and readiness for load balancers and operators."""

from __future__ import annotations

from fastapi import APIRouter

from hall import __version__
from hall.api.deps import EngineDep, SessionDep, SpeakerDep, StoreDep
from hall.api.schemas import HealthPublic, SnapshotPublic
from hall.store import MatterStatus, count_matters

router = APIRouter(tags=["health"])


@router.get(
    "/healthz", response_model=HealthPublic, summary="Is the service up and its store reachable"
)
def healthz(
    store: StoreDep, session: SessionDep, engine: EngineDep, speaker: SpeakerDep
) -> HealthPublic:
    if speaker is None:
        speech = "off"
    elif speaker.available:
        speech = "ready"
    else:
        speech = f"unavailable: {speaker.reason}"
    snapshot = None
    if engine.ready:
        snap = engine.snapshot
        snapshot = SnapshotPublic(
            revision=snap.revision,
            revisions=dict(snap.revisions),
            matters=len(snap.matters),
            questions=snap.questions,
            age_s=round(snap.age_s(), 1),
        )
    return HealthPublic(
        status="ok",
        snapshot=snapshot,
        version=__version__,
        database=store.backend,
        matters=count_matters(session, status=MatterStatus.ACTIVE),
        engine="ready" if engine.ready else "loading",
        encoder=engine.encoder.name,
        speech=speech,
    )
