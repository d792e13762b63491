"""Spoken replies over HTTP, with a fake engine: audio is made only when it will be heard, and a
full queue answers 503 with Retry-After."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.guide import speech
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store
from tests.guide.fakes import FakeEngine


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    engine = FakeEngine()
    monkeypatch.setattr(speech, "_engine_thread", lambda *_: (engine, None))
    return engine


def test_a_full_queue_is_503_with_retry_after(
    monkeypatch: pytest.MonkeyPatch, store: Store, settings: Settings
) -> None:
    held = threading.Event()
    engine = FakeEngine(queue_size=1)
    monkeypatch.setattr(speech, "_engine_thread", lambda *_: (engine, None))
    load_demo(store, settings=settings)
    spoken = settings.model_copy(update={"speech_enabled": True, "rate_limits_enabled": False})
    with TestClient(create_app(spoken)) as client:
        engine.block = held
        urls = [
            client.post("/api/chat", json={"message": m}).json()["reply"]["speech_url"]
            for m in ("生育登记", "护照办理")
        ]
        assert all(urls)
        speaker = client.app.state.speaker  # type: ignore[attr-defined]
        speaker.prefetch(urls[0].rsplit("/", 1)[1].split(".")[0])  # the queue's one place
        response = client.get(urls[1])
        held.set()
        engine.release()
        assert client.get(urls[1]).status_code == 200
    assert response.status_code == 503
    assert response.json()["error"] == "speech_busy"
    assert response.headers["retry-after"] == "2"


def test_a_reply_is_synthesised_only_when_it_will_be_heard(
    fake: FakeEngine, store: Store, settings: Settings
) -> None:
    """Without auto-read nothing is made until the audio is fetched (every reply queued a
    synthesis, listened to or not)."""
    load_demo(store, settings=settings)
    spoken = settings.model_copy(update={"speech_enabled": True, "rate_limits_enabled": False})
    with TestClient(create_app(spoken)) as client:
        speaker = client.app.state.speaker  # type: ignore[attr-defined]
        made = speaker.syntheses
        quiet = client.post("/api/chat", json={"message": "生育登记"}).json()
        assert speaker.syntheses == made
        client.post("/api/chat", json={"message": "护照办理", "speak": True})
        assert speaker.syntheses == made + 1
        assert client.get(quiet["reply"]["speech_url"]).status_code == 200
        assert speaker.syntheses == made + 2


def test_listeners_waiting_for_audio_never_hold_the_threads_that_answer(
    monkeypatch: pytest.MonkeyPatch, store: Store, settings: Settings
) -> None:
    """A fetch waits for its synthesis on speech's own threads: with one request thread and
    three clips being made, a question is still answered at once."""
    held = threading.Event()
    engine = FakeEngine()
    monkeypatch.setattr(speech, "_engine_thread", lambda *_: (engine, None))
    load_demo(store, settings=settings)
    spoken = settings.model_copy(
        update={"speech_enabled": True, "rate_limits_enabled": False, "request_threads": 1}
    )
    with TestClient(create_app(spoken)) as client, ThreadPoolExecutor(max_workers=4) as pool:
        engine.block = held
        urls = [
            client.post("/api/chat", json={"message": m}).json()["reply"]["speech_url"]
            for m in ("生育登记", "护照办理", "驾照丢了")
        ]
        fetches = [pool.submit(client.get, url) for url in urls]
        deadline = time.monotonic() + 5
        while engine.waiting < len(urls) and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            assert engine.waiting == len(urls)  # every listener is waiting for its audio
            answered = pool.submit(client.post, "/api/chat", json={"message": "护照办理"})
            assert answered.result(timeout=5).status_code == 200
        finally:
            held.set()
            engine.release()
        assert [f.result(timeout=10).status_code for f in fetches] == [200, 200, 200]
