"""The question-answering search: what the engine makes of a citizen's question."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hall.api.deps import EngineDep
from hall.api.schemas import SearchPublic

router = APIRouter(prefix="/api", tags=["search"])


@router.get(
    "/search",
    response_model=SearchPublic,
    response_model_exclude_none=True,
    summary="Find the matter a question is about",
    description="Normalises the question (synonyms, pinyin, typos), retrieves by keyword, "
    "character, fuzzy and semantic matching, and decides: answer, clarify or none. Every "
    "question is written to the question history.",
)
def search(
    engine: EngineDep,
    q: Annotated[str, Query(max_length=500, description="The question as the citizen typed it.")],
    k: Annotated[int, Query(ge=1, le=20, description="How many results at most.")] = 5,
) -> SearchPublic:
    return SearchPublic.from_domain(engine.ask(q, k=k, record=True, channel="search"))
