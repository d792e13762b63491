"""Each process works on ``HALL_REQUEST_THREADS`` requests at once; the rest wait their turn."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.settings import Settings
from hall.store import Store


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
