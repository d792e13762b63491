"""The speech cache holds its bound whatever is fetched, and the queue of clips to make is bounded.

A fake engine thread stands in for espeak-ng (tests/guide/fakes.py), so a thousand replies at
every speed and format take seconds; the real engine has its own tests.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from hall.guide import SpeechBusy, speech
from hall.guide.speech import FORMATS, SPEEDS, Speaker
from tests.guide.fakes import FakeEngine


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    engine = FakeEngine()
    monkeypatch.setattr(speech, "_engine_thread", lambda *_: (engine, None))
    return engine


@pytest.mark.slow  # a thousand replies, eight files each: 15 s
def test_a_thousand_replies_at_every_speed_and_format_stay_within_the_bound(
    fake: FakeEngine, tmp_path: Path
) -> None:
    bound_mb = 0.5
    speaker = Speaker(tmp_path / "speech", cache_limit_mb=bound_mb).start()
    assert speaker.available
    bound = bound_mb * 2**20
    highest = 0
    written = 0
    for reply in range(1000):
        clip = speaker.prepare(f"第{reply}条回复：请携带身份证原件。")
        assert clip is not None
        for fmt in FORMATS:
            for speed in SPEEDS:
                written += speaker.audio(clip.id, fmt, speed=speed).stat().st_size
        highest = max(highest, speaker.cache_bytes())
    assert written > 20 * bound  # far more than fits
    assert highest <= 1.10 * bound, f"{highest / bound:.0%} of the bound"
    assert speaker.cache_bytes() <= 1.10 * bound
    assert speaker.syntheses >= 1000


def test_every_speed_is_a_file_of_the_cache(fake: FakeEngine, tmp_path: Path) -> None:
    speaker = Speaker(tmp_path).start()
    clip = speaker.prepare("您好")
    assert clip is not None
    for speed in SPEEDS:
        for fmt in FORMATS:
            speaker.audio(clip.id, fmt, speed=speed)
    audio = sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".txt")
    assert len(audio) == len(SPEEDS) * len(FORMATS) == 8
    assert speaker.cache_bytes() == sum(p.stat().st_size for p in tmp_path.iterdir())


def test_the_queue_is_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    held = threading.Event()
    engine = FakeEngine(block=held, queue_size=2)
    monkeypatch.setattr(speech, "_engine_thread", lambda *_: (engine, None))
    engine.block = None  # the start's probe goes through
    speaker = Speaker(tmp_path, queue_size=2).start()
    engine.block = held
    clips = [speaker.prepare(f"第{i}句") for i in range(3)]
    assert all(clips)
    speaker.prefetch(clips[0].id)  # type: ignore[union-attr]
    speaker.prefetch(clips[1].id)  # type: ignore[union-attr]
    assert speaker.waiting == 2
    with pytest.raises(SpeechBusy):
        speaker.audio(clips[2].id)  # type: ignore[union-attr]
    speaker.prefetch(clips[2].id)  # type: ignore[union-attr]  # a full queue: skipped, logged
    held.set()
    engine.release()
    assert speaker.audio(clips[2].id).exists()  # type: ignore[union-attr]


def test_the_engine_threads_queue_refuses_when_full() -> None:
    """The real engine thread's queue, with a thread that never takes a job."""

    class Stuck(speech._EngineThread):
        def _run(self) -> None:
            self._ready.set()

    engine = Stuck(queue_size=2)
    engine.submit(lambda _: 1)
    engine.submit(lambda _: 2)
    assert engine.waiting == 2
    with pytest.raises(SpeechBusy, match="2 clips"):
        engine.submit(lambda _: 3)
