"""Long stories read clause by clause: which clause, and how much should it weigh?

    .venv/bin/python bench/long_stories.py [--keep FOLDER]

Issue 13 asked for questions over 25 characters to be read clause by clause, the clause that
carries the request (办/换/领/申请/要带/能不能 …) weighing more, the whole and the clause both
retrieved and fused. This measures that on our development set's questions over 25 characters
(bench/dev_queries.jsonl, bench catalogue): ranked top-1 and top-3 of the whole question beside
each way of picking the clause and each way of fusing it with the whole, per matter:

- ``request``: the engine's own pick (``ClauseReader.request_clause``, bank ``request_cues``):
  the clause with the most request cues, with the clauses before it until it names a topic;
- ``cues``: the clauses with any request cue, the story without one left out;
- ``last two``: the last two clauses;
- fused by ``mix a`` (a * clause + (1 - a) * whole), ``max-mix a`` (the better of the whole and
  the mix) and ``max``.

The engine fuses the request clause at ``HALL_CLAUSE_WEIGHT`` 0.3: the heavier mixes and the
other picks lose questions (figures in CHANGELOG.md). Prints figures, sets nothing; reads
../shared/data (never copied).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hall.guide import Engine, EvalRow, read_eval_file
from hall.guide.clauses import LONG_QUESTION
from hall.importers import import_file
from hall.settings import Settings
from hall.store import Store

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[1] / "shared" / "data" / "bench" / "catalogue.jsonl"
LONG = LONG_QUESTION
CLAUSE = re.compile(r"[，,。；;！!？?、]+")
#: Request cues (the bench's own variants): any of these marks a clause that asks.
CUES = ["办", "申请", "领", "挂失", "注销", "登记", "备案", "报销", "开具", "要带", "上户口"]
CUES += ["落户"]
CUES += ["换", "补", "报", "迁", "转", "交", "缴", "取", "查", "怎么", "如何", "怎样", "咋", "去哪"]
CUES += ["在哪", "哪里", "需要", "材料", "能不能", "能否", "可以", "吗", "想", "打算", "准备"]


def clauses(question: str) -> list[str]:
    return [c for c in CLAUSE.split(question) if c]


def weight(clause: str) -> int:
    return sum(cue in clause for cue in CUES)


def cues(question: str) -> str | None:
    parts = clauses(question)
    kept = [c for c in parts if weight(c) > 0]
    return "".join(kept) if kept and len(kept) < len(parts) else None


def last_two(question: str) -> str | None:
    parts = clauses(question)
    return "".join(parts[-2:]) if len(parts) > 2 else None


PICKS: dict[str, Callable[[str], str | None]] = {
    "cues": cues,
    "last two": last_two,
}
FUSIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    **{f"mix {a}": (lambda w, c, a=a: a * c + (1 - a) * w) for a in (0.3, 0.5, 0.7)},
    **{f"max-mix {a}": (lambda w, c, a=a: np.maximum(w, a * c + (1 - a) * w)) for a in (0.3, 0.5)},
    "max": np.maximum,
}


def measure(engine: Engine, rows: list[EvalRow]) -> None:
    index, normalizer = engine.index, engine.normalizer
    assert index is not None
    assert normalizer is not None
    codes = [code for code, _ in index.codes_and_titles()]

    def fused(text: str) -> np.ndarray:
        norm = normalizer.normalize(text)
        per_matter, _ = index.signals(norm)
        return index.fuse(per_matter, index.adjustment(norm.text))

    def ranks(scores: list[np.ndarray]) -> tuple[float, float]:
        top1 = top3 = 0
        for row, score in zip(rows, scores, strict=True):
            order = [codes[p] for p in np.argsort(-score, kind="stable")[:3]]
            top1 += order[0] in row.expected
            top3 += any(code in row.expected for code in order)
        return top1 / len(rows), top3 / len(rows)

    wholes = [fused(row.query) for row in rows]
    print(f"{len(rows)} questions over {LONG} characters; ranked top-1 / top-3")
    top1, top3 = ranks(wholes)
    print(f"  {'whole question':26s} {100 * top1:.1f}% / {100 * top3:.1f}%")
    # the engine's own pick, from its bank request_cues
    picks = {"request": engine.understanding.clauses.request_clause, **PICKS}
    for name, pick in picks.items():
        picked = [pick(row.query) for row in rows]
        parts = [fused(p) if p else None for p in picked]
        for label, fuse in {"alone": lambda w, c: c, **FUSIONS}.items():
            scores = [w if c is None else fuse(w, c) for w, c in zip(wholes, parts, strict=True)]
            top1, top3 = ranks(scores)
            print(f"  {name + ', ' + label:26s} {100 * top1:.1f}% / {100 * top3:.1f}%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the store and index here")
    args = parser.parse_args()
    if not BENCH.is_file():
        print(f"no bench catalogue at {BENCH}", file=sys.stderr)
        return 2
    folder = args.keep or Path(tempfile.mkdtemp(prefix="hall-long-"))
    try:
        settings = Settings(data_dir=folder)
        store = Store.from_settings(settings)
        fresh = not (folder / "hall.sqlite3").exists()
        store.migrate()
        if fresh:
            import_file(store, BENCH, settings=settings)
        engine = Engine(store, settings).load()
        rows = [r for r in read_eval_file(HERE / "dev_queries.jsonl") if len(r.query) > LONG]
        measure(engine, rows)
        store.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
