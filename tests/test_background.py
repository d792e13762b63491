"""Background work gives way to the questions being answered: a rebuild's loops wait while a
question is answered, never beyond their bound, and nothing waits outside a background block."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hall import background
from hall.background import answering, give_way, in_background


@contextmanager
def a_question_in_flight() -> Iterator[threading.Event]:
    """A question being answered in another thread until the yielded event is set."""
    release, inside, done = threading.Event(), threading.Event(), threading.Event()

    def answer() -> None:
        with answering():
            inside.set()
            release.wait(10)
        done.set()

    thread = threading.Thread(target=answer)
    thread.start()
    assert inside.wait(5)
    try:
        yield release
    finally:
        release.set()
        thread.join(5)
        assert done.is_set()


def test_outside_a_background_block_nothing_waits() -> None:
    with a_question_in_flight():
        started = time.perf_counter()
        for _ in range(1000):
            give_way()
        assert time.perf_counter() - started < 0.5


def test_a_spent_slice_waits_until_the_question_is_answered() -> None:
    answered_at: list[float] = []
    with a_question_in_flight() as release, in_background(slice_s=0.0, wait_s=5.0):

        def answer() -> None:
            answered_at.append(time.perf_counter())
            release.set()

        timer = threading.Timer(0.1, answer)
        timer.start()
        give_way()
        returned = time.perf_counter()
        timer.join()
    assert answered_at
    assert returned >= answered_at[0]


def test_the_wait_is_bounded_so_a_rebuild_finishes_under_load() -> None:
    with a_question_in_flight(), in_background(slice_s=0.0, wait_s=0.05):
        started = time.perf_counter()
        give_way()
        waited = time.perf_counter() - started
    assert 0.04 <= waited < 2.0


def test_with_no_question_in_flight_background_work_goes_on() -> None:
    with in_background(slice_s=0.0, wait_s=5.0):
        started = time.perf_counter()
        for _ in range(100):
            give_way()
        assert time.perf_counter() - started < 0.5
    assert background._answering == 0
