"""Spoken replies over HTTP with the real espeak-ng: every chat reply's speech_url serves audio.

50 concurrent conversations in one server process, over 5 fresh server starts: no crash, no
hang, no empty or silent file (pyttsx3 is not thread safe; the speaker's own thread must
serialise it). The clips wait in a bounded queue: a client told 503 comes back after
``Retry-After``, as the widget's audio would. Marked slow; skipped only when espeak-ng is
missing and HALL_REQUIRE_SPEECH is not set (CI sets it).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from hall.guide import Speaker
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store

pytestmark = pytest.mark.slow

MESSAGES = ["你好", "生育登记", "驾照丢了", "护照", "结婚登记", "今天天气怎么样", "身份证", "低保"]


def _speech_ready(tmp: Path) -> bool:
    speaker = Speaker(tmp / "probe").start()
    try:
        return speaker.available
    finally:
        speaker.close()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("chat-audio")
    if not _speech_ready(folder) and not os.environ.get("HALL_REQUIRE_SPEECH"):
        pytest.skip("espeak-ng is not installed (CI sets HALL_REQUIRE_SPEECH and installs it)")
    settings = Settings(environment="test", data_dir=folder, embedding_model="hashing")
    store = Store.from_settings(settings)
    store.migrate()
    load_demo(store, settings=settings)
    store.dispose()
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(demo_dir: Path) -> Iterator[str]:
    # A fresh start with an empty audio cache: every start synthesises again.
    shutil.rmtree(demo_dir / "speech", ignore_errors=True)
    port = _free_port()
    env = {
        **os.environ,
        "HALL_DATA_DIR": str(demo_dir),
        "HALL_EMBEDDING_MODEL": "hashing",
        "HALL_MIN_IN_SCOPE": "0",
        "HALL_CLARIFY_THRESHOLD": "0.36",
        "HALL_SPEECH_ENABLED": "true",
        "HALL_RATE_LIMITS_ENABLED": "false",  # fifty citizens behind one address
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a hang on shutdown is a failure too
            process.kill()
            pytest.fail("the server hung on shutdown")
        assert process.returncode in (0, -signal.SIGINT), (
            process.stderr.read() if process.stderr else ""
        )


def check_wav(data: bytes) -> float:
    """Seconds of audio; fails on a broken, empty or silent file."""
    with wave.open(io.BytesIO(data)) as wav:
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
        width = wav.getsampwidth()
    assert width == 2
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64)
    seconds = len(samples) / rate
    assert seconds > 0.5
    assert np.sqrt(np.mean(samples**2)) > 100  # not silence
    return seconds


def fetch_audio(client: httpx.Client, url: str, **params: float) -> httpx.Response:
    """The audio, coming back after ``Retry-After`` while the speech queue is full."""
    for _ in range(60):
        response = client.get(url, params=params)
        if response.status_code != 503:
            return response.raise_for_status()
        assert response.json()["error"] == "speech_busy"
        time.sleep(float(response.headers["retry-after"]))
    pytest.fail(f"{url}: the speech queue stayed full")


def one_conversation(base: str, number: int) -> list[float]:
    with httpx.Client(base_url=base, timeout=120) as client:
        first = MESSAGES[number % len(MESSAGES)]
        body = client.post("/api/chat", json={"message": first}).raise_for_status().json()
        second = (
            client.post(
                "/api/chat", json={"session_id": body["session_id"], "message": "要带什么材料"}
            )
            .raise_for_status()
            .json()
        )
        durations = []
        for reply in (body["reply"], second["reply"]):
            url = reply["speech_url"]
            assert url, reply
            audio = fetch_audio(client, url)
            assert audio.headers["content-type"] == "audio/wav"
            durations.append(check_wav(audio.content))
        return durations


@pytest.mark.parametrize("start", range(5))
def test_fifty_concurrent_conversations_get_audio(server: str, start: int) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda n: one_conversation(server, n + start), range(50)))
    assert len(results) == 50
    assert all(len(r) == 2 for r in results)


def test_audio_is_cached_served_in_ranges_and_as_mp3(server: str) -> None:
    with httpx.Client(base_url=server, timeout=120) as client:
        reply = client.post("/api/chat", json={"message": "生育登记"}).json()["reply"]
        url = reply["speech_url"]
        first = fetch_audio(client, url)
        started = time.perf_counter()
        again = client.get(url)
        cached = time.perf_counter() - started
        assert again.content == first.content
        assert cached < 1.0
        part = client.get(url, headers={"Range": "bytes=0-99"})
        assert part.status_code == 206
        assert part.content == first.content[:100]
        assert part.headers["content-range"].startswith("bytes 0-99/")
        mp3 = fetch_audio(client, url.replace(".wav", ".mp3"))
        assert mp3.headers["content-type"] == "audio/mpeg"
        assert mp3.content[:3] == b"ID3" or (
            mp3.content[0] == 0xFF and mp3.content[1] & 0xE0 == 0xE0
        )
        slow = fetch_audio(client, url, speed=0.75)
        assert check_wav(slow.content) > check_wav(first.content)
        assert client.get(url, params={"speed": 3}).status_code == 422
        assert client.get(url, params={"speed": 1.1}).status_code == 422  # steps only
        assert client.get("/api/speech/" + "0" * 32 + ".wav").status_code == 404
        health = client.get("/healthz").json()
        assert health["parts"]["speech"] == "ok"
