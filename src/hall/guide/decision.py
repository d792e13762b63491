"""The decision: answer, ask "did you mean", or decline, and why.

A pure function of the question's analysis and the ranked hits, so it is pinned by tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hall.models import Hit

__all__ = ["Decision", "Reason", "Thresholds", "decide"]


class Decision(StrEnum):
    ANSWER = "answer"  # one clear winner
    CLARIFY = "clarify"  # close candidates: "您是想办理以下哪一项？"
    NONE = "none"  # nothing fits


class Reason(StrEnum):
    MATCH = "match"
    CLOSE = "close"
    EMPTY = "empty"
    RUDE = "rude"
    BLOCKED = "blocked"
    CHITCHAT = "chitchat"
    NO_MATCH = "no_match"
    EVENT = "event"  # names a life event: its matters are offered


RUDE_CATEGORIES = frozenset({"insult", "profanity"})


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.50
    margin: float = 0.05
    clarify: float = 0.36
    #: The best hit's semantic signal below which nothing fits, whatever the fused score: general
    #: questions sharing one word with an odd title ("股票明天涨吗") stay under it.
    semantic: float = 0.0
    max_candidates: int = 5


def decide(
    hits: Sequence[Hit],
    *,
    thresholds: Thresholds,
    empty: bool = False,
    blocked: Sequence[str] = (),
    chitchat: str | None = None,
    topic: bool = False,
) -> tuple[Decision, Reason, list[Hit]]:
    """Decide from the analysis (blocked categories, chit-chat intent) and the hits.

    ``topic`` says the question names only a subject several candidates share ("驾驶证" beside
    its replacement, renewal and first licence): it asks which, even over a clear lead.

    Returns the decision, its reason, and the hits to show: one for an answer, up to
    ``max_candidates`` close ones for a clarification, none when declining.
    """
    if any(category in RUDE_CATEGORIES for category in blocked):
        return Decision.NONE, Reason.RUDE, []
    if blocked:
        return Decision.NONE, Reason.BLOCKED, []
    if chitchat is not None:
        return Decision.NONE, Reason.CHITCHAT, []
    if empty or not hits:
        return Decision.NONE, Reason.EMPTY if empty else Reason.NO_MATCH, []
    top = hits[0].score
    if top < thresholds.clarify or hits[0].signals.get("semantic", 1.0) < thresholds.semantic:
        return Decision.NONE, Reason.NO_MATCH, []
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    if top >= thresholds.answer and top - runner_up >= thresholds.margin and not topic:
        return Decision.ANSWER, Reason.MATCH, [hits[0]]
    floor = max(thresholds.clarify, top - 2 * max(thresholds.margin, 0.02) - 0.06)
    close = [hit for hit in hits if hit.score >= floor][: thresholds.max_candidates]
    if topic and len(close) < 2:  # a subject: offer its matters, not one
        close = [hit for hit in hits if hit.score >= thresholds.clarify][
            : thresholds.max_candidates
        ]
    return Decision.CLARIFY, Reason.CLOSE, close
