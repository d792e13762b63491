"""Keeping a process's snapshot in step with the store, whichever process changed it.

Every write of the store bumps the revision of its part (catalogue, lexicons, settings) in the
same transaction. A :class:`Refresher` thread per process reads those few counters every
``interval_s`` (polling works alike on SQLite and PostgreSQL, and costs one indexed query) and,
when they moved, has the engine build its next snapshot off the request path; requests go on
being answered from the old one until the swap. ``poke()`` checks at once: the process that made
a change sees it without waiting for the next tick.

A failed rebuild (the database away for a moment, a bad value) is logged and retried with a
growing pause; the old snapshot keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from hall.background import in_background
from hall.guide.engine import Engine, Snapshot

__all__ = ["Refresher"]

log = logging.getLogger("hall.guide")

_MAX_BACKOFF_S = 30.0


class Refresher:
    """A daemon thread that swaps in a new snapshot when the store's revisions move."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval_s: float = 1.0,
        on_swap: Callable[[Snapshot], None] | None = None,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"refresh interval {interval_s} must be positive")
        self.engine = engine
        self.interval_s = interval_s
        self.on_swap = on_swap
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.swaps = 0
        self.failures = 0
        self.last_error: str | None = None

    def start(self) -> Refresher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hall-refresher", daemon=True)
            self._thread.start()
        return self

    def poke(self) -> None:
        """Check the store now rather than at the next tick."""
        self._wake.set()

    def close(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def check(self) -> bool:
        """One check (the thread's body, also for tests): True when a new snapshot went in."""
        if not self.engine.stale():
            return False
        before = self.engine.snapshot if self.engine.ready else None
        started = time.perf_counter()
        with in_background():  # its long loops let the questions in flight go first
            self.engine.refresh()
        after = self.engine.snapshot
        if after is before:
            return False
        self.swaps += 1
        log.info(
            "snapshot %d swapped in after %.2f s (%d matters)",
            after.revision,
            time.perf_counter() - started,
            len(after.matters),
        )
        if self.on_swap is not None:
            self.on_swap(after)
        return True

    def _run(self) -> None:
        pause = self.interval_s
        while not self._stop.is_set():
            self._wake.wait(pause)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.check()
            except Exception as exc:  # the old snapshot keeps serving; try again later
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                pause = min(max(pause * 2, self.interval_s), _MAX_BACKOFF_S)
                log.warning("cannot refresh the snapshot (next try in %.0f s): %s", pause, exc)
            else:
                pause = self.interval_s
                self.last_error = None
