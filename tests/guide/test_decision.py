"""The decision is a pure function of the analysis and the ranked hits: pinned by a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall.guide import Decision, Reason, Scope, Thresholds, decide
from hall.models import Hit

T = Thresholds()  # answer 0.50, margin 0.05, clarify 0.36, at most 5 candidates


def hits(*scores: float) -> list[Hit]:
    """Ranked hits with these scores, coded H0, H1, ..."""
    return [
        Hit(f"H{i}", f"事项{i}", None, "matter", score, {"semantic": score}, {})
        for i, score in enumerate(scores)
    ]


def codes(shown: Sequence[Hit]) -> list[str]:
    return [hit.code for hit in shown]


A, C, N = Decision.ANSWER, Decision.CLARIFY, Decision.NONE

# (scores of the ranked hits, analysis) -> (decision, reason, codes shown)
TABLE = [
    # A clear winner: above the answer threshold, ahead of the runner-up by the margin.
    pytest.param((0.80, 0.40), {}, (A, Reason.MATCH, ["H0"]), id="clear-winner"),
    pytest.param((0.80,), {}, (A, Reason.MATCH, ["H0"]), id="only-hit"),
    pytest.param((0.50, 0.30), {}, (A, Reason.MATCH, ["H0"]), id="exactly-at-answer"),
    pytest.param((0.90, 0.80, 0.70), {}, (A, Reason.MATCH, ["H0"]), id="lead-of-0.10"),
    # A close runner-up: "did you mean", with the candidates near the top.
    pytest.param((0.80, 0.78, 0.30), {}, (C, Reason.CLOSE, ["H0", "H1"]), id="close-runner-up"),
    pytest.param(
        (0.70, 0.68, 0.60, 0.55, 0.53),
        {},
        (C, Reason.CLOSE, ["H0", "H1", "H2", "H3"]),
        id="candidates-within-0.16-of-top",
    ),
    pytest.param(
        (0.70, 0.69, 0.68, 0.67, 0.66, 0.65, 0.64),
        {},
        (C, Reason.CLOSE, ["H0", "H1", "H2", "H3", "H4"]),
        id="at-most-5",
    ),
    pytest.param((0.45, 0.20), {}, (C, Reason.CLOSE, ["H0"]), id="unsure-single"),
    pytest.param((0.45, 0.40, 0.37, 0.30), {}, (C, Reason.CLOSE, ["H0", "H1", "H2"]), id="unsure"),
    pytest.param((0.36,), {}, (C, Reason.CLOSE, ["H0"]), id="exactly-at-clarify"),
    # A subject several candidates share ("驾驶证"): which one, even over a clear lead.
    pytest.param(
        (0.71, 0.64, 0.63, 0.30), {"topic": True}, (C, Reason.CLOSE, ["H0", "H1", "H2"]), id="topic"
    ),
    pytest.param(
        (0.80, 0.40, 0.30), {"topic": True}, (C, Reason.CLOSE, ["H0", "H1"]), id="topic-far-lead"
    ),
    pytest.param((0.30, 0.20), {"topic": True}, (N, Reason.NO_MATCH, []), id="topic-below-clarify"),
    pytest.param(
        (0.90,),
        {"topic": True, "chitchat": "thanks"},
        (N, Reason.CHITCHAT, []),
        id="topic-chitchat",
    ),
    # Nothing fits.
    pytest.param((0.359, 0.35), {}, (N, Reason.NO_MATCH, []), id="below-clarify"),
    pytest.param((0.10,), {}, (N, Reason.NO_MATCH, []), id="low"),
    pytest.param((), {}, (N, Reason.NO_MATCH, []), id="no-hits"),
    pytest.param((), {"empty": True}, (N, Reason.EMPTY, []), id="empty"),
    # The analysis comes first, whatever the hits: rude > blocked > chit-chat > empty.
    pytest.param((0.90,), {"blocked": ("insult",)}, (N, Reason.RUDE, []), id="insult"),
    pytest.param((0.90,), {"blocked": ("profanity",)}, (N, Reason.RUDE, []), id="profanity"),
    pytest.param((0.90,), {"blocked": ("politics",)}, (N, Reason.BLOCKED, []), id="politics"),
    pytest.param((0.90,), {"blocked": ("fraud",)}, (N, Reason.BLOCKED, []), id="fraud"),
    pytest.param(
        (0.90,), {"blocked": ("politics", "insult")}, (N, Reason.RUDE, []), id="rude-first"
    ),
    pytest.param(
        (0.90,),
        {"blocked": ("fraud",), "chitchat": "greeting"},
        (N, Reason.BLOCKED, []),
        id="blocked-before-chitchat",
    ),
    pytest.param(
        (0.90,),
        {"blocked": ("insult",), "chitchat": "greeting", "empty": True},
        (N, Reason.RUDE, []),
        id="rude-before-all",
    ),
    pytest.param((0.90,), {"chitchat": "greeting"}, (N, Reason.CHITCHAT, []), id="chitchat"),
    pytest.param(
        (), {"chitchat": "thanks", "empty": True}, (N, Reason.CHITCHAT, []), id="chitchat-first"
    ),
    pytest.param((), {"blocked": ("porn",), "empty": True}, (N, Reason.BLOCKED, []), id="blocked"),
]


@pytest.mark.parametrize(("scores", "analysis", "expected"), TABLE)
def test_decision_table(
    scores: tuple[float, ...],
    analysis: dict[str, Any],
    expected: tuple[Decision, Reason, list[str]],
) -> None:
    decision, reason, shown = decide(hits(*scores), thresholds=T, **analysis)
    assert (decision, reason, codes(shown)) == expected


# (thresholds, scores) -> decision: the thresholds are the site's settings
THRESHOLDS_TABLE = [
    pytest.param(Thresholds(answer=0.9), (0.80, 0.10), C, id="higher-answer-bar"),
    pytest.param(Thresholds(margin=0.0), (0.80, 0.80), A, id="no-margin"),
    pytest.param(Thresholds(margin=0.5), (0.80, 0.40), C, id="wide-margin"),
    pytest.param(Thresholds(clarify=0.0), (0.01,), C, id="never-decline"),
    pytest.param(Thresholds(max_candidates=2), (0.70, 0.69, 0.68), C, id="two-candidates"),
]


@pytest.mark.parametrize(("thresholds", "scores", "expected"), THRESHOLDS_TABLE)
def test_thresholds_move_the_decision(
    thresholds: Thresholds, scores: tuple[float, ...], expected: Decision
) -> None:
    decision, _, shown = decide(hits(*scores), thresholds=thresholds)
    assert decision is expected
    assert len(shown) <= thresholds.max_candidates


SCORES = st.lists(st.floats(0.0, 1.0), max_size=12).map(lambda s: sorted(s, reverse=True))


@given(scores=SCORES, empty=st.booleans(), topic=st.booleans())
def test_decision_invariants(scores: list[float], empty: bool, topic: bool) -> None:
    ranked = hits(*scores)
    decision, reason, shown = decide(ranked, thresholds=T, empty=empty and not scores, topic=topic)
    if topic:
        assert decision is not Decision.ANSWER
    if decision is Decision.ANSWER:
        assert reason is Reason.MATCH
        assert shown == ranked[:1]
        assert shown[0].score >= T.answer
    elif decision is Decision.CLARIFY:
        assert reason is Reason.CLOSE
        assert 1 <= len(shown) <= T.max_candidates
        assert shown == ranked[: len(shown)]  # the best candidates, in order
        assert all(hit.score >= T.clarify for hit in shown)
    else:
        assert shown == []
        assert reason in {Reason.NO_MATCH, Reason.EMPTY}
        assert not scores or scores[0] < T.clarify


def _hit(score: float) -> Hit:
    return Hit("X1", "事项", None, "matter", score, {"semantic": 0.5}, {})


GATE = Thresholds(answer=0.5, margin=0.05, clarify=0.36, in_scope=0.64, out_of_scope_weight=1.0)

# (nearest catalogue text, nearest out-of-scope example) -> decision and reason, for a hit whose
# fused score alone would answer: the in-scope closeness is inside + (inside - outside).
SCOPE_TABLE = [
    pytest.param(0.90, 0.0, Decision.ANSWER, Reason.MATCH, id="no-examples-near"),
    pytest.param(0.70, 0.75, Decision.ANSWER, Reason.MATCH, id="just-above-the-gate"),
    pytest.param(0.70, 0.77, Decision.NONE, Reason.OUT_OF_SCOPE, id="example-nearer"),
    pytest.param(0.60, 0.58, Decision.NONE, Reason.NO_MATCH, id="catalogue-nearer-but-far"),
    pytest.param(0.62, 0.30, Decision.ANSWER, Reason.MATCH, id="far-but-clear-of-examples"),
    pytest.param(0.95, 1.00, Decision.ANSWER, Reason.MATCH, id="a-matter-as-close-as-an-example"),
    pytest.param(0.50, 1.00, Decision.NONE, Reason.OUT_OF_SCOPE, id="an-example-itself"),
]


@pytest.mark.parametrize(("inside", "outside", "decision", "reason"), SCOPE_TABLE)
def test_scope_gate(inside: float, outside: float, decision: Decision, reason: Reason) -> None:
    """A high fused score on words alone is not enough when the meaning is far off, or nearer a
    question the hall does not answer."""
    got, why, _ = decide([_hit(0.8)], thresholds=GATE, scope=Scope(inside, outside, "例子"))
    assert (got, why) == (decision, reason)


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        pytest.param(0.0, Decision.ANSWER, id="examples-ignored"),
        pytest.param(1.0, Decision.NONE, id="examples-count"),
    ],
)
def test_the_weight_of_the_examples(weight: float, expected: Decision) -> None:
    thresholds = Thresholds(in_scope=0.64, out_of_scope_weight=weight)
    decision, _, _ = decide([_hit(0.8)], thresholds=thresholds, scope=Scope(0.70, 0.80))
    assert decision is expected


def test_without_a_scope_the_fused_score_decides() -> None:
    decision, _, _ = decide([_hit(0.8)], thresholds=GATE)
    assert decision is Decision.ANSWER


def test_at_zero_only_a_question_far_nearer_an_example_is_declined() -> None:
    zero = Thresholds(in_scope=0.0)
    assert decide([_hit(0.8)], thresholds=zero, scope=Scope(0.2, 0.3))[0] is Decision.ANSWER
    assert decide([_hit(0.8)], thresholds=zero, scope=Scope(0.2, 0.5))[0] is Decision.NONE


# (best fused score, fit weight) -> decision, for a question whose meaning alone stays under
# the gate: closeness 0.60 + (0.60 - 0.55) = 0.65 < 0.80, plus fit weight times the fused score.
FIT_TABLE = [
    pytest.param(0.60, 0.0, Decision.NONE, id="meaning-alone-declines"),
    pytest.param(0.60, 0.5, Decision.CLARIFY, id="a-catalogue-text-shares-its-words"),
    pytest.param(0.60, 0.2, Decision.NONE, id="a-small-fit-weight-still-declines"),
    pytest.param(0.70, 0.5, Decision.ANSWER, id="a-strong-fit-answers"),
]


@pytest.mark.parametrize(("score", "fit", "expected"), FIT_TABLE)
def test_the_fit_weight_counts_the_fused_score(
    score: float, fit: float, expected: Decision
) -> None:
    """ "今天天气" means as much "今天中午吃什么" (out of scope) as the catalogue's "天气查询",
    but shares its words with the latter only: the fused score says so."""
    thresholds = Thresholds(
        answer=0.5,
        margin=0.05,
        clarify=0.36,
        in_scope=0.80,
        out_of_scope_weight=1.0,
        fit_weight=fit,
    )
    hits = [_hit(score), Hit("X2", "别的", None, "matter", score - 0.03, {}, {})]
    if expected is Decision.ANSWER:
        hits = hits[:1]
    decision, _, _ = decide(hits, thresholds=thresholds, scope=Scope(0.60, 0.55, "例子"))
    assert decision is expected


@pytest.mark.parametrize(
    ("inside", "outside", "expected"),
    [
        pytest.param(0.85, 1.00, Decision.NONE, id="the-question-itself-was-taught"),
        pytest.param(0.85, 0.94, Decision.ANSWER, id="a-near-example-weighs-against-the-fit"),
        pytest.param(1.00, 1.00, Decision.ANSWER, id="a-catalogue-text-as-near"),
    ],
)
def test_a_taught_example_declines_whatever_the_fit(
    inside: float, outside: float, expected: Decision
) -> None:
    """An admin's "out of scope" lesson holds even where the words fit a title well."""
    thresholds = Thresholds(in_scope=1.26, out_of_scope_weight=1.0, fit_weight=1.0)
    decision, _, _ = decide([_hit(0.8)], thresholds=thresholds, scope=Scope(inside, outside))
    assert decision is expected


# (named, named weight) -> decision, for a question just under the gate: closeness 0.60 +
# (0.60 - 0.55) + 1.0 x 0.55 = 1.20 < 1.26.
NAMED_TABLE = [
    pytest.param(0, 0.1, Decision.NONE, id="no-subject-named"),
    pytest.param(1, 0.1, Decision.CLARIFY, id="a-subject-named-lifts-it"),
    pytest.param(1, 0.0, Decision.NONE, id="at-weight-0-naming-counts-for-nothing"),
    pytest.param(1, 0.05, Decision.NONE, id="a-nudge-not-a-pass"),
    pytest.param(2, 0.05, Decision.CLARIFY, id="two-subjects-count-twice"),
    # counted up to NAMED_CAP (2): four subjects lift no more than two
    pytest.param(4, 0.02, Decision.NONE, id="counted-up-to-two"),
]


@pytest.mark.parametrize(("named", "weight", "expected"), NAMED_TABLE)
def test_naming_a_subject_counts_toward_the_gate(
    named: int, weight: float, expected: Decision
) -> None:
    """ "良民证去哪开" means little to the encoder, but names the hall's 无犯罪记录证明."""
    thresholds = Thresholds(
        answer=0.5,
        margin=0.05,
        clarify=0.36,
        in_scope=1.26,
        out_of_scope_weight=1.0,
        fit_weight=1.0,
        named_weight=weight,
    )
    hits = [_hit(0.55), Hit("X2", "别的", None, "matter", 0.53, {}, {})]
    decision, _, _ = decide(hits, thresholds=thresholds, scope=Scope(0.60, 0.55, named=named))
    assert decision is expected
