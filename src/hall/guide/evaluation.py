"""Measuring the engine: top-1, top-3, MRR, the share of no-match questions declined, latency.

Rows are ``{"query": …, "expected": [codes]}``; ``expected: []`` means the guide should decline.
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

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def read_eval_file(path: Path) -> list[EvalRow]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            rows.append(EvalRow(str(data["query"]), tuple(str(c) for c in data["expected"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GuideError(f"{path}, line {number}: not an evaluation row ({exc})") from None
    return rows


def evaluate(engine: Engine, rows: Iterable[EvalRow], *, k: int = 10) -> EvalReport:
    """Ask every row (without writing history) and score the ranking and the decision."""
    report = EvalReport()
    latencies: list[float] = []
    hits1 = hits3 = reciprocal = answered = declined = 0.0
    decisions: dict[str, int] = {}
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
    if report.matched_rows:
        report.top1 = hits1 / report.matched_rows
        report.top3 = hits3 / report.matched_rows
        report.mrr = reciprocal / report.matched_rows
        report.answered_correct = answered / report.matched_rows
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
