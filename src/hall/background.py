"""Background work that gives way to the questions being answered.

A snapshot is rebuilt in the process that serves (``hall.guide.live``), and Python runs one
thread at a time: a rebuild of a few seconds made every question asked meanwhile wait for the
interpreter at each turn, ten times its usual time and more. So the rebuild's long loops call
:func:`give_way` between items: inside :func:`in_background`, once its slice is spent, it sleeps
while a question is being answered (:func:`answering`), up to a bound, so that a rebuild still
finishes under a steady stream of questions. Outside a background block it returns at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["answering", "give_way", "in_background"]

_lock = threading.Lock()
_answering = 0
_local = threading.local()
#: How long a background thread sleeps at a time while questions are answered.
_NAP_S = 0.0005


@contextmanager
def answering() -> Iterator[None]:
    """Mark a question being answered: background work gives way until it is done."""
    global _answering
    with _lock:
        _answering += 1
    try:
        yield
    finally:
        with _lock:
            _answering -= 1


@contextmanager
def in_background(*, slice_s: float = 0.004, wait_s: float = 0.01) -> Iterator[None]:
    """Run this thread's block as background work: after each ``slice_s`` of work, a call of
    :func:`give_way` waits while questions are answered, at most ``wait_s`` each time."""
    _local.slice_s, _local.wait_s = slice_s, wait_s
    _local.until = time.perf_counter() + slice_s
    try:
        yield
    finally:
        _local.until = None


def give_way() -> None:
    """Between two items of a long loop: in background work whose slice is spent, wait while a
    question is being answered (bounded); anywhere else, nothing."""
    until = getattr(_local, "until", None)
    if until is None:
        return
    now = time.perf_counter()
    if now < until:
        return
    deadline = now + _local.wait_s
    while _answering and time.perf_counter() < deadline:
        time.sleep(_NAP_S)
    _local.until = time.perf_counter() + _local.slice_s
