"""Benchmark: import the bench catalogue into an empty store, re-import it, export every format.

    .venv/bin/python bench/bench_import.py [--database-url URL] [--catalogue PATH]

Prints seconds per step and the process's peak memory. Reads ../shared/data (never copied).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from hall.importers import Format, export_file, import_file
from hall.settings import Settings
from hall.store import Store

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "bench" / "catalogue.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", type=Path, default=DEFAULT)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temp folder")
    args = parser.parse_args()
    if not args.catalogue.is_file():
        print(f"no catalogue at {args.catalogue}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder, database_url=args.database_url)
        store = Store.from_settings(settings)
        started = time.perf_counter()
        store.migrate()
        steps = [("migrate", time.perf_counter() - started)]

        started = time.perf_counter()
        first = import_file(store, args.catalogue, settings=settings)
        steps.append((f"import ({first.report.created} new)", time.perf_counter() - started))

        started = time.perf_counter()
        again = import_file(store, args.catalogue, settings=settings)
        steps.append(
            (f"re-import ({again.report.unchanged} unchanged)", time.perf_counter() - started)
        )
        for fmt in (Format.JSONL, Format.CSV, Format.XLSX):
            target = folder / f"export.{fmt.value}"
            started = time.perf_counter()
            count = export_file(store, target, fmt=fmt)
            size = target.stat().st_size / 1e6
            steps.append(
                (
                    f"export {fmt.value} ({count} matters, {size:.1f} MB)",
                    time.perf_counter() - started,
                )
            )
        store.dispose()

    print(f"store: {store.backend}; catalogue: {args.catalogue}")
    for label, seconds in steps:
        print(f"  {label:<42} {seconds:7.2f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'peak RSS':<42} {peak_mb:7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
