"""The test console: what the engine makes of one question, step by step, and what a change of
the decision's thresholds would have done to the questions of the last days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hall.guide import Decision, Engine, Thresholds
from hall.lexicons import Bank
from hall.store import HistoryFilter, iter_history
from hall.store.tables import utcnow

__all__ = ["Preview", "inspect", "preview_thresholds"]

#: How many distinct recent questions a preview replays at most (newest first).
PREVIEW_LIMIT = 500


def inspect(engine: Engine, question: str) -> dict[str, Any]:
    """Normalised form, the rewrites that fired (synonyms, colloquial, pinyin, homophones), the
    keywords found, each candidate's signals and fused score, the decision and the thresholds
    it was taken with: the same engine call as ``hall ask`` and ``/api/search``."""
    with engine.pinned() as snap:
        answer = engine.ask(question, k=5)
        norm = snap.normalizer.normalize(question[:500])
        keywords = {e.term for e in snap.lexicons.bank(Bank.KEYWORDS)}
        thresholds = snap.thresholds
    fired: dict[str, list[str]] = {}
    for rewrite in norm.fired:
        fired.setdefault(rewrite.kind, []).append(f"{rewrite.source}→{rewrite.target}")
    return {
        "question": answer.query,
        "normalized": answer.normalized,
        "tokens": list(norm.tokens),
        "fired": fired,
        "keywords": sorted({t for t in norm.terms if t in keywords}),
        "decision": answer.decision.value,
        "reason": answer.reason.value,
        "reply": answer.reply,
        "thresholds": {
            "answer": thresholds.answer,
            "margin": thresholds.margin,
            "clarify": thresholds.clarify,
            "in_scope": thresholds.in_scope,
        },
        "candidates": [
            {
                "code": r.code,
                "title": r.title,
                "score": r.score,
                "signals": r.signals,
                "why": r.why,
                "shown": r.code in {s.code for s in answer.results},
            }
            for r in answer.candidates
        ],
        "event": None if answer.event is None else answer.event.name,
        "latency_ms": answer.latency_ms,
    }


@dataclass(frozen=True)
class Preview:
    questions: int
    current: dict[str, int]
    proposed: dict[str, int]
    changed: list[tuple[str, str, str]]  # question, now, then


def preview_thresholds(
    engine: Engine, proposed: Thresholds, *, days: int = 7, limit: int = PREVIEW_LIMIT
) -> Preview:
    """The last ``days``' distinct questions (searched ones: not chit-chat or follow-ups)
    decided with today's thresholds and with ``proposed``."""
    since = utcnow() - timedelta(days=days)
    seen: dict[str, None] = {}
    with engine.store.session(commit=False) as session:
        for row in iter_history(session, HistoryFilter(since=since)):
            if row.reason in (None, "chitchat", "rude", "blocked", "empty"):
                continue
            seen.pop(row.query, None)
            seen[row.query] = None  # newest last
    questions = list(seen)[-limit:]
    current = engine.thresholds
    counts = {"current": _zero(), "proposed": _zero()}
    changed = []
    for question in questions:
        now, then = engine.decisions(question, [current, proposed])
        counts["current"][now.value] += 1
        counts["proposed"][then.value] += 1
        if now is not then:
            changed.append((question, now.value, then.value))
    return Preview(len(questions), counts["current"], counts["proposed"], changed)


def _zero() -> dict[str, int]:
    return {d.value: 0 for d in Decision}
