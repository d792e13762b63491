"""Benchmark the insight at scale: 10,000 unanswered questions clustered, the page rendered.

    .venv/bin/python bench/bench_insight.py [--rows 10000] [--model hashing]

1. builds a fresh SQLite store with the demo catalogue, an editor, and ``--rows`` declined
   questions in the history, all distinct, written from our own templates over the demo
   catalogue's titles (with 384-dimension unit vectors, as e5's, seeded: the clustering's cost
   does not depend on what the vectors mean);
2. times the clustering (``compute_clusters``: reading, topics, TF-IDF, blocks, agglomerative);
3. times ``GET /admin/insight`` (a signed-in admin's page over those clusters) and
   ``GET /api/admin/insight/clusters`` (which clusters again), in process.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from hall.admin import Accounts
from hall.admin.insight import compute_clusters, default_since
from hall.api import create_app
from hall.guide import Engine
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store, iter_matters, record_questions
from hall.store.tables import utcnow

TEMPLATES = [
    "{t}怎么办",
    "{t}在哪里办",
    "{t}要带什么材料",
    "想问下{t}",
    "{t}多久能好",
    "我要办{t}",
    "{t}收费吗",
    "{t}网上能办吗",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--model", default="hashing")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hall-bench-insight-"))
    try:
        settings = Settings(
            environment="test",
            data_dir=folder,
            embedding_model=args.model,
            min_in_scope=0.0 if args.model == "hashing" else Settings().min_in_scope,
            speech_enabled=False,
        )
        store = Store.from_settings(settings)
        store.migrate()
        load_demo(store, settings=settings)
        with store.session(commit=False) as session:
            titles = [m.record.title for m in iter_matters(session)]
        topics = [re.sub(r"[（(].*?[）)]", "", t) for t in titles]
        rng = random.Random(7)
        vectors = np.random.default_rng(7).normal(size=(args.rows, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        now = utcnow()
        rows = []
        for n in range(args.rows):
            text = rng.choice(TEMPLATES).format(t=rng.choice(topics)) + f"（{n}）"
            rows.append(
                {
                    "query": text,
                    "normalized": text,
                    "decision": "none",
                    "reason": "no_match",
                    "matter_code": None,
                    "score": 0.2,
                    "channel": "chat",
                    "asked_at": now - timedelta(minutes=n % 20_000),
                    "candidates": [],
                    "vector": vectors[n].astype(np.float16).tobytes(),
                }
            )
        with store.session() as session:
            record_questions(session, rows)
        accounts = Accounts(store, settings)
        accounts.add("admin", "admin", "the admin's long password", by="cli")
        token, _ = accounts.issue_token("admin", by="cli")

        engine = Engine(store, settings).load()
        started = time.perf_counter()
        clusters = compute_clusters(engine, since=default_since())
        seconds = time.perf_counter() - started
        sizes = sorted((c.size for c in clusters), reverse=True)
        print(
            f"clustering {args.rows} questions: {seconds:.1f} s, {len(clusters)} clusters "
            f"(largest {sizes[:5]})"
        )
        with TestClient(create_app(settings, store=store)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            client.get("/admin/insight", headers=headers)  # warm
            times = []
            for _ in range(5):
                started = time.perf_counter()
                page = client.get("/admin/insight", headers=headers)
                times.append(time.perf_counter() - started)
                assert page.status_code == 200, page.text[:300]
            print(
                f"GET /admin/insight over {len(clusters)} clusters: median "
                f"{sorted(times)[2] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
                f"({len(page.content) // 1024} KB)"
            )
            started = time.perf_counter()
            api = client.get("/api/admin/insight/clusters", headers=headers)
            print(
                f"GET /api/admin/insight/clusters (clusters again): "
                f"{time.perf_counter() - started:.1f} s, {len(api.json()['clusters'])} clusters"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
