"""Start ``hall serve`` on a store for a benchmark, wait until it answers, stop it after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["cpu_seconds", "rss_mb", "served"]


@contextmanager
def served(
    folder: Path, port: int, *, workers: int = 1, **env: str
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """A client of a server on ``folder``'s store (``env``: more ``HALL_*`` settings).

    Rate limits are off unless ``env`` says otherwise: a benchmark is one client asking many
    times, which the limits exist to refuse (they have their own tests).
    """
    env = {"HALL_RATE_LIMITS_ENABLED": "false", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, "HALL_DATA_DIR": str(folder), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            # A fresh index over the bench catalogue takes minutes on a busy machine.
            for _ in range(3000):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise SystemExit(f"the server exited with {process.returncode}")
                time.sleep(0.2)
            else:
                raise SystemExit("the server did not start")
            if workers > 1:
                _wait_for_workers(client, process.pid, workers)
            yield client, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_workers(client: httpx.Client, pid: int, workers: int) -> None:
    """Until every worker answers: each loads its engine on its own."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(_children(pid)) < workers:
        time.sleep(0.2)
    # A worker answers /healthz with 503 while it loads; ask until a run of answers is all 200.
    streak = 0
    while time.monotonic() < deadline and streak < 4 * workers:
        streak = streak + 1 if client.get("/healthz").status_code == 200 else 0
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total = 0.0
    for process in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def _descendants(pid: int) -> list[int]:
    out = []
    for child in _children(pid):
        out += [child, *_descendants(child)]
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and all its descendants so far, in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for process in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total
