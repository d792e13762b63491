"""The hall's introduction for the portal: address, hours, phone, transport, announcements."""

from __future__ import annotations

from fastapi import APIRouter

from hall.api.deps import EngineDep
from hall.guide import HallInfo

router = APIRouter(prefix="/api", tags=["hall"])


@router.get(
    "/hall",
    response_model=HallInfo,
    summary="The hall's introduction",
    description="Name, introduction, address, opening hours, phone, how to get there (bus lines "
    "included) and announcements; shipped demo content until an admin edits it.",
)
def hall(engine: EngineDep) -> HallInfo:
    # From the snapshot: an admin's edit is live in every process, no query per request.
    return engine.snapshot.hall
