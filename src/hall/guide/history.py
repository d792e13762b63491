"""The search's question history, written in bulk off the request path.

Writing one question in its own transaction took 5 ms of a search's 7 (more than answering it):
a busy search writes what it was asked every half second in one statement instead. The buffer
is bounded: while the store is down, the oldest questions beyond it are dropped (and counted),
never the service. A stop flushes what is left; a killed process loses at most the last half
second of search history (conversations write theirs with each turn, in the turn's
transaction).
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from hall.guide.engine import Answer, history_row
from hall.store import Store, record_questions

__all__ = ["HistoryWriter"]

log = logging.getLogger("hall.guide")


class HistoryWriter:
    """A thread that writes queued questions in batches; :meth:`add` never blocks."""

    def __init__(
        self, store: Store, *, interval_s: float = 0.5, batch: int = 500, limit: int = 20_000
    ) -> None:
        self.store = store
        self.interval_s = interval_s
        self.batch = batch
        self._rows: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=limit)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0

    def start(self) -> HistoryWriter:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hall-history", daemon=True)
            self._thread.start()
        return self

    def add(self, answer: Answer, *, channel: str, session_id: str | None = None) -> None:
        """Queue a question for the history; the oldest waiting one goes when the queue is full."""
        row = history_row(answer, channel=channel, session_id=session_id)
        while True:
            try:
                self._rows.put_nowait(row)
                return
            except queue.Full:
                try:
                    self._rows.get_nowait()
                    self.dropped += 1
                except queue.Empty:  # pragma: no cover - emptied meanwhile
                    pass

    @property
    def waiting(self) -> int:
        return self._rows.qsize()

    def flush(self) -> int:
        """Write everything waiting now (blocking); returns how many were written."""
        total = 0
        while True:
            rows = self._take()
            if not rows:
                return total
            if not self._write(rows):
                return total
            total += len(rows)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self.flush()

    def _take(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while len(rows) < self.batch:
            try:
                rows.append(self._rows.get_nowait())
            except queue.Empty:
                break
        return rows

    def _write(self, rows: list[dict[str, Any]]) -> bool:
        try:
            with self.store.session() as session:
                record_questions(session, rows)
        except Exception as exc:
            if self.store.ping():  # the store is up: some row is bad, not the store
                self._one_by_one(rows)
                return True
            log.warning("the question history waits, the store failed: %s", type(exc).__name__)
            for row in rows:  # kept for the next try
                try:
                    self._rows.put_nowait(row)
                except queue.Full:
                    self.dropped += 1
            return False
        self.written += len(rows)
        return True

    def _one_by_one(self, rows: list[dict[str, Any]]) -> None:
        """Write the rows of a refused batch apart: one bad row must not hold back the rest."""
        for row in rows:
            try:
                with self.store.session() as session:
                    record_questions(session, [row])
                self.written += 1
            except Exception as exc:
                self.dropped += 1
                log.error("a question was left out of the history: %s", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except Exception:  # pragma: no cover - a writer that dies would lose everything
                log.exception("the question history writer failed")
