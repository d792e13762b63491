"""The question-answering search: what the engine makes of a citizen's question."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hall.api.deps import EngineDep, HistoryDep
from hall.api.ratelimit import rate_limit
from hall.api.schemas import ErrorPublic, PlainText, SearchPublic

router = APIRouter(
    prefix="/api",
    tags=["search"],
    dependencies=[rate_limit("search")],
    responses={429: {"model": ErrorPublic, "description": "Too many requests: see Retry-After."}},
)


@router.get(
    "/search",
    response_model=SearchPublic,
    response_model_exclude_none=True,
    summary="Find the matter a question is about",
    description="Normalises the question (synonyms, pinyin, typos), retrieves by keyword, "
    "character, fuzzy and semantic matching, and decides: answer, clarify or none. Every "
    "question is written to the question history, personal numbers and blocked words masked.",
)
def search(
    engine: EngineDep,
    history: HistoryDep,
    q: Annotated[
        PlainText, Query(max_length=500, description="The question as the citizen typed it.")
    ],
    k: Annotated[int, Query(ge=1, le=20, description="How many results at most.")] = 5,
) -> SearchPublic:
    answer = engine.ask(q, k=k)
    # Written in bulk by the history's own thread: the citizen does not wait for it.
    history.add(answer, channel="search")
    return SearchPublic.from_domain(answer)
