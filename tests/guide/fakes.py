"""A fake speech engine thread: what the real one does, at once, with a 50 ms tone per clip.

Tests of bounds (cache, queue) and of when audio is made need many clips fast; the real
espeak-ng has its own tests (test_speech.py, tests/api/test_chat_audio.py).
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np

from hall.guide import SpeechBusy

__all__ = ["FakeEngine"]


class _Voice:
    id = "sit/cmn-latn-pinyin"
    name = "Chinese (Mandarin, latin as Pinyin)"
    languages = ("cmn-latn-pinyin",)


class FakeEngine:
    """Does what the engine thread does, at once: a 50 ms tone per clip (any text)."""

    def __init__(self, *, block: threading.Event | None = None, queue_size: int = 16) -> None:
        self.block = block
        self.queue_size = queue_size
        self.pending: list[tuple[Callable[[Any], Any], Future[Any]]] = []
        self.error = None

    def submit(self, job: Callable[[Any], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        if self.block is not None and not self.block.is_set():
            if len(self.pending) >= self.queue_size:
                raise SpeechBusy(f"{self.queue_size} clips are waiting for the engine")
            self.pending.append((job, future))
            return future
        future.set_result(job(None))
        return future

    def release(self) -> None:
        for job, future in self.pending:
            future.set_result(job(None))
        self.pending.clear()

    @property
    def waiting(self) -> int:
        return len(self.pending)

    def voices(self, _: Any) -> list[Any]:
        return [_Voice()]

    def synthesize(
        self, _: Any, voice: str, rate: int, text: str, path: Path, timeout_s: float
    ) -> np.ndarray:
        t = np.arange(int(22050 * 0.05)) / 22050
        samples = (3000 * np.sin(2 * np.pi * (200 + len(text)) * t)).astype(np.int16)
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(22050)
            wav.writeframes(samples.tobytes())
        return samples
