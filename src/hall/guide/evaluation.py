"""Measuring the engine: top-1, top-3, MRR, the share of no-match questions declined, latency.

Rows are ``{"query": …, "expected": [codes], "style"?: …}``; ``expected: []`` means the guide
should decline. Two readings of a real question: the ranked candidates (``top1``, ``top3``,
``mrr``), and what the citizen is shown (``shown_top1``, ``shown_top3``, ``declined_real``): an
answer shows one matter, a clarification its options, a decline nothing, so a declined real
question is a miss whatever the ranking held. ``by_style`` repeats the shown figures per style.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hall.guide.decision import Decision
from hall.guide.engine import Engine
from hall.guide.errors import GuideError

__all__ = ["EvalReport", "EvalRow", "evaluate", "read_eval_file"]


@dataclass(frozen=True)
class EvalRow:
    query: str
    expected: tuple[str, ...]
    style: str = ""


@dataclass
class EvalReport:
    matched_rows: int = 0  # rows with expected codes
    top1: float = 0.0
    top3: float = 0.0
    mrr: float = 0.0
    answered_correct: float = 0.0  # share of matched rows answered with an expected code
    nomatch_rows: int = 0
    declined: float = 0.0  # share of expected-[] rows decided "none"
    latency_ms: dict[str, float] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)
    shown_top1: float = 0.0  # the first matter shown is right
    shown_top3: float = 0.0  # a right matter is among the first three shown
    declined_real: float = 0.0  # share of real questions declined
    #: style -> {"rows", "shown_top1", "shown_top3", "declined"}
    by_style: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def read_eval_file(path: Path) -> list[EvalRow]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            rows.append(
                EvalRow(
                    str(data["query"]),
                    tuple(str(c) for c in data["expected"]),
                    str(data.get("style") or ""),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GuideError(f"{path}, line {number}: not an evaluation row ({exc})") from None
    return rows


def evaluate(engine: Engine, rows: Iterable[EvalRow], *, k: int = 10) -> EvalReport:
    """Ask every row (without writing history) and score the ranking and the decision."""
    report = EvalReport()
    latencies: list[float] = []
    hits1 = hits3 = reciprocal = answered = declined = 0.0
    decisions: dict[str, int] = {}
    styles: dict[str, list[tuple[bool, bool, bool]]] = {}
    for row in rows:
        answer = engine.ask(row.query, k=k)
        latencies.append(answer.latency_ms)
        decisions[answer.decision.value] = decisions.get(answer.decision.value, 0) + 1
        if not row.expected:
            report.nomatch_rows += 1
            declined += answer.decision is Decision.NONE
            continue
        report.matched_rows += 1
        codes: Sequence[str] = [c.code for c in answer.candidates]
        expected = set(row.expected)
        rank = next((i for i, code in enumerate(codes) if code in expected), None)
        if rank is not None:
            reciprocal += 1.0 / (rank + 1)
            hits1 += rank == 0
            hits3 += rank < 3
        if answer.decision is Decision.ANSWER and answer.results[0].code in expected:
            answered += 1
        shown = [r.code for r in answer.results]
        seen = (
            bool(shown) and shown[0] in expected,
            any(code in expected for code in shown[:3]),
            answer.decision is Decision.NONE,
        )
        styles.setdefault(row.style or "all", []).append(seen)
    if report.matched_rows:
        report.top1 = hits1 / report.matched_rows
        report.top3 = hits3 / report.matched_rows
        report.mrr = reciprocal / report.matched_rows
        report.answered_correct = answered / report.matched_rows
        every = [seen for marks in styles.values() for seen in marks]
        report.shown_top1, report.shown_top3, report.declined_real = (
            sum(seen[i] for seen in every) / len(every) for i in range(3)
        )
        report.by_style = {
            style: {
                "rows": len(marks),
                "shown_top1": sum(m[0] for m in marks) / len(marks),
                "shown_top3": sum(m[1] for m in marks) / len(marks),
                "declined": sum(m[2] for m in marks) / len(marks),
            }
            for style, marks in sorted(styles.items())
        }
    if report.nomatch_rows:
        report.declined = declined / report.nomatch_rows
    if latencies:
        values = np.array(latencies)
        report.latency_ms = {
            "p50": round(float(np.percentile(values, 50)), 1),
            "p95": round(float(np.percentile(values, 95)), 1),
            "max": round(float(values.max()), 1),
        }
    report.decisions = decisions
    return report
