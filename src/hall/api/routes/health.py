"""Liveness and readiness for load balancers and operators."""

from __future__ import annotations

from fastapi import APIRouter

from hall import __version__
from hall.api.deps import EngineDep, SessionDep, SpeakerDep, StoreDep
from hall.api.schemas import HealthPublic
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
    return HealthPublic(
        status="ok",
        version=__version__,
        database=store.backend,
        matters=count_matters(session, status=MatterStatus.ACTIVE),
        engine="ready" if engine.ready else "loading",
        encoder=engine.encoder.name,
        speech=speech,
    )
