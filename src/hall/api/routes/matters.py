"""Read-only catalogue routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from hall.api.deps import SessionDep
from hall.api.schemas import ErrorPublic, MatterPublic, MattersPublic, PlainText
from hall.store import get_matter, search_matters

router = APIRouter(prefix="/api/matters", tags=["matters"])


@router.get("", response_model=MattersPublic, summary="List or filter the catalogue")
def list_matters(
    session: SessionDep,
    q: Annotated[
        PlainText | None,
        Query(max_length=200, description="Text found in the code, title, aliases or department."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MattersPublic:
    matters, count = search_matters(session, q, offset=(page - 1) * size, limit=size)
    return MattersPublic(
        data=[MatterPublic.from_domain(m) for m in matters], count=count, page=page, size=size
    )


@router.get(
    "/{code}",
    response_model=MatterPublic,
    summary="One matter with its whole guide",
    responses={404: {"model": ErrorPublic, "description": "No matter has this code."}},
)
def read_matter(
    session: SessionDep, code: Annotated[PlainText, Path(min_length=1, max_length=128)]
) -> MatterPublic:
    return MatterPublic.from_domain(get_matter(session, code))
