"""The decision: answer, ask "did you mean", or decline, and why.

A pure function of the question's analysis and the ranked hits, so it is pinned by tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hall.models import Hit

__all__ = ["NAMED_CAP", "Decision", "Reason", "Scope", "Thresholds", "decide"]


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
    OUT_OF_SCOPE = "out_of_scope"  # nearer a question the hall does not answer than the catalogue
    EVENT = "event"  # names a life event: its matters are offered


RUDE_CATEGORIES = frozenset({"insult", "profanity"})
#: The most named subjects that count toward the in-scope closeness (:attr:`Scope.named`).
NAMED_CAP = 2


@dataclass(frozen=True)
class Scope:
    """How near a question comes to the catalogue and to the questions the hall does not answer
    (the bank ``out_of_scope``), both on the semantic signal's 0-1 scale."""

    inside: float  # the nearest catalogue text (any matter's title, alias, question …)
    outside: float = 0.0  # the nearest out-of-scope example; 0 without examples
    example: str = ""  # that example
    #: How many subjects our synonyms know the question names (:attr:`Normalized.named`),
    #: counted up to :data:`NAMED_CAP`: "新房子要通自来水" names 商品房 and 用水报装, where
    #: almost no out-of-scope question names two.
    named: int = 0

    def closeness(self, weight: float) -> float:
        """In-scope closeness: the catalogue's nearness, raised or lowered by ``weight`` times
        its lead over the nearest out-of-scope example. "快递丢了找谁" is near titles about
        lost certificates, but nearer "快递丢件了怎么索赔": it reads as out of scope."""
        return self.inside + weight * (self.inside - self.outside)


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.50
    margin: float = 0.05
    #: The best fused score below which nothing fits.
    clarify: float = 0.36
    #: The in-scope closeness (:meth:`Scope.closeness`) below which nothing fits, whatever the
    #: fused score: general questions sharing a word with an odd title ("股票明天涨吗") stay
    #: under it. At 0 only questions far nearer an out-of-scope example than the catalogue are
    #: declined (with weight 1: nearer than twice the catalogue's closeness).
    in_scope: float = 0.0
    #: How much the lead of the catalogue over the out-of-scope examples counts.
    out_of_scope_weight: float = 1.0
    #: How much the best candidate's fused score adds to the in-scope closeness. Meaning alone
    #: reads "今天天气" as near "今天中午吃什么" as near the catalogue's "天气查询"; the fused
    #: score also counts the words and characters a catalogue text shares with the question.
    fit_weight: float = 0.0
    #: What each subject our synonyms know that the question names adds to the in-scope
    #: closeness. "良民证去哪开" means little to the encoder, but 无犯罪记录证明 is the hall's own
    #: word; "汽车异响" names 机动车 too, so it is a nudge, not a pass.
    named_weight: float = 0.0
    #: An out-of-scope example this near, with no catalogue text as near, is the question
    #: itself, an admin's lesson: declined however well its words fit a title (unless the
    #: examples weigh nothing).
    taught: float = 0.95
    max_candidates: int = 5


def decide(
    hits: Sequence[Hit],
    *,
    thresholds: Thresholds,
    empty: bool = False,
    blocked: Sequence[str] = (),
    chitchat: str | None = None,
    topic: bool = False,
    scope: Scope | None = None,
) -> tuple[Decision, Reason, list[Hit]]:
    """Decide from the analysis (blocked categories, chit-chat intent) and the hits.

    ``topic`` says the question names only a subject several candidates share ("驾驶证" beside
    its replacement, renewal and first licence): it asks which, even over a clear lead.
    ``scope`` says how near the question comes to the catalogue and to the out-of-scope
    examples: under ``thresholds.in_scope`` (with ``fit_weight`` times the best fused score
    added, and ``named_weight`` for each subject it names) nothing fits (reason
    ``OUT_OF_SCOPE`` when an example is nearer than the catalogue). Otherwise a plausible
    candidate is offered: a clear winner is answered, anything else above ``clarify`` asks
    which.

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
    if top < thresholds.clarify:
        return Decision.NONE, Reason.NO_MATCH, []
    if (
        scope is not None
        and thresholds.out_of_scope_weight > 0
        and scope.inside < thresholds.taught <= scope.outside
    ):
        return Decision.NONE, Reason.OUT_OF_SCOPE, []
    if (
        scope is not None
        and scope.closeness(thresholds.out_of_scope_weight)
        + thresholds.fit_weight * top
        + thresholds.named_weight * min(scope.named, NAMED_CAP)
        < thresholds.in_scope
    ):
        reason = Reason.OUT_OF_SCOPE if scope.outside > scope.inside else Reason.NO_MATCH
        return Decision.NONE, reason, []
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
