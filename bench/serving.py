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

__all__ = ["served"]


@contextmanager
def served(
    folder: Path, port: int, **env: str
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """A client of a server on ``folder``'s store (``env``: more ``HALL_*`` settings)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port)],
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
                time.sleep(0.2)
            else:
                raise SystemExit("the server did not start")
            yield client, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
