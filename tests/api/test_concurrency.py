"""Each process works on ``HALL_REQUEST_THREADS`` requests at once; the rest wait their turn.
Long admin jobs run on ``HALL_BULK_THREADS`` threads of their own."""

from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.api.routes import admin as admin_routes
from hall.api.routes import admin_pages
from hall.importers import load_demo
from hall.lexicons import Bank, Entry, add_entries
from hall.settings import Settings
from hall.store import Store
from tests.api.admin_helpers import demo_hall, eventually


@pytest.mark.parametrize("threads", [1, 3])
def test_requests_beyond_the_threads_wait_their_turn(
    store: Store, settings: Settings, threads: int
) -> None:
    app = create_app(settings.model_copy(update={"request_threads": threads}))
    lock = threading.Lock()
    running, most = 0, 0

    def slow() -> dict[str, int]:  # a sync route, like chat and search
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return {"ok": 1}

    app.add_api_route("/test-slow", slow)
    with TestClient(app) as client, ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda _: client.get("/test-slow").status_code, range(8)))
    assert codes == [200] * 8
    assert most == threads


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/admin/export"), ("GET", "/admin/export")],
    ids=["api", "page"],
)
def test_a_long_admin_job_never_holds_the_threads_that_answer(
    monkeypatch: pytest.MonkeyPatch, store: Store, settings: Settings, method: str, path: str
) -> None:
    """With one request thread and two exports running (one bulk thread: the second queues),
    a citizen's question is still answered at once; the exports finish in turn."""
    held, entered = threading.Event(), threading.Semaphore(0)
    running, most, lock = 0, 0, threading.Lock()
    real = admin_routes.export_catalogue

    def blocked(*args: object, **kwargs: object) -> tuple[bytes, str, str]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        entered.release()
        held.wait(10)
        with lock:
            running -= 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(admin_routes, "export_catalogue", blocked)
    monkeypatch.setattr(admin_pages, "export_catalogue", blocked)
    tuned = settings.model_copy(
        update={"request_threads": 1, "bulk_threads": 1, "rate_limits_enabled": False}
    )
    with demo_hall(store, tuned) as hall, ThreadPoolExecutor(max_workers=4) as pool:
        if path.startswith("/admin/"):
            hall.sign_in("vi")
            headers = {}
        else:
            headers = hall.auth("vi")
        exports = [
            pool.submit(hall.client.request, method, path, headers=headers) for _ in range(2)
        ]
        try:
            assert entered.acquire(timeout=5)  # the first export is running
            answered = pool.submit(hall.client.get, "/api/search", params={"q": "护照办理"})
            assert answered.result(timeout=5).status_code == 200
            assert not entered.acquire(timeout=0.2)  # the second waits for a bulk thread
        finally:
            held.set()
        assert [f.result(timeout=10).status_code for f in exports] == [200, 200]
    assert most == 1


def _tracked(thing: object) -> bool:
    return any(o is thing for o in gc.get_objects())


def test_what_lives_as_long_as_a_snapshot_is_kept_from_the_collector(
    store: Store, settings: Settings
) -> None:
    """After start-up and after each swap the live objects are frozen: a full collection over
    the model and the snapshot (some 700,000 objects) held the GIL for 300 ms, a stall for every
    question in flight while an edit went live (bench/bench_swaps.py). Shutting down thaws."""
    load_demo(store, settings=settings)
    with TestClient(create_app(settings, store=store)) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        old = engine.snapshot
        assert gc.get_freeze_count() > 0
        assert not _tracked(old)
        add_entries(store, Bank.SYNONYMS, [Entry("测验词", "测验词=考查词")], by="test")
        client.app.state.refresher.poke()  # type: ignore[attr-defined]
        eventually(lambda: engine.snapshot is not old and not _tracked(engine.snapshot))
        assert client.get("/api/search", params={"q": "护照办理"}).status_code == 200
    assert gc.get_freeze_count() == 0
