"""Spoken replies on the real espeak-ng: synthesis, the cache, conversions, many threads at once.

Without espeak-ng these tests are skipped, unless ``HALL_REQUIRE_SPEECH`` is set (CI sets it):
then a missing engine fails them. The time-stretch and the unavailable engine need no espeak-ng.
"""

from __future__ import annotations

import math
import os
import sys
import time
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hall.guide import speech
from hall.guide.errors import SpeechFormatInvalid, SpeechNotFound, SpeechUnavailable
from hall.guide.speech import Clip, Speaker, clip_id, stretch
from hall.settings import Settings

REPLY = "您好，办理居住证需要携带身份证原件和居住证明，承诺时限为20个工作日，可拨打12345咨询。"
TEXTS = [
    REPLY,
    "请问您要办理哪一项业务？",
    "## 所需材料\n- 身份证原件\n- 户口本",
    "办理时间：周一至周五 9:00-12:00，13:30-17:30。",
    "详见 https://www.gdzwfw.gov.cn 或拨打0755-12345678。",
]


def _samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, dtype="<i2"), wav.getframerate()


def _seconds(path: Path) -> float:
    samples, rate = _samples(path)
    return len(samples) / rate


def _rms(path: Path) -> float:
    samples, _ = _samples(path)
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


@pytest.fixture(scope="session")
def espeak(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip (or fail, with HALL_REQUIRE_SPEECH) when espeak-ng cannot speak here."""
    probe = Speaker(tmp_path_factory.mktemp("speech-probe")).start()
    if not probe.available:
        if os.environ.get("HALL_REQUIRE_SPEECH"):
            pytest.fail(f"HALL_REQUIRE_SPEECH is set but speech is unavailable: {probe.reason}")
        pytest.skip(f"espeak-ng is unavailable ({probe.reason}); ./scripts/system-deps.sh")


@pytest.fixture
def speaker(espeak: None, tmp_path: Path) -> Speaker:
    return Speaker(tmp_path / "speech", timeout_s=30).start()


# -- the real engine --------------------------------------------------------------------------


def test_a_chinese_reply_is_spoken(speaker: Speaker) -> None:
    assert speaker.available
    assert speaker.reason is None
    assert speaker.voice_id == "sit/cmn-latn-pinyin"
    clip = speaker.prepare(REPLY)
    assert clip is not None
    assert "二十个工作日" in clip.text
    assert "幺二三四五" in clip.text
    path = speaker.audio(clip.id)
    assert path == speaker.cache_dir / f"{clip.id}.wav"
    assert _seconds(path) > 0.5
    assert _rms(path) > 500
    assert (speaker.cache_dir / f"{clip.id}.txt").read_text(encoding="utf-8") == clip.text


def test_the_same_text_comes_from_the_cache(speaker: Speaker) -> None:
    first = speaker.prepare(REPLY)
    again = speaker.prepare(REPLY)
    assert first is not None
    assert first == again
    path = speaker.audio(first.id)
    made = path.stat()
    assert speaker.syntheses == 1
    assert speaker.audio(first.id) == path
    assert speaker.syntheses == 1
    # The same file, not rewritten (a rewrite renames a new file in); only its use is stamped.
    used = path.stat()
    assert (used.st_ino, used.st_size) == (made.st_ino, made.st_size)
    assert used.st_mtime_ns >= made.st_mtime_ns


def test_another_process_speaks_a_clip_from_its_id(speaker: Speaker) -> None:
    """The text file is all a second speaker on the same folder needs."""
    clip = speaker.prepare(REPLY)
    assert clip is not None
    other = Speaker(speaker.cache_dir).start()
    assert _rms(other.audio(clip.id)) > 500
    assert other.syntheses == 1


def test_a_clip_prepared_for_another_rate_is_not_found(speaker: Speaker) -> None:
    clip = speaker.prepare(REPLY)
    assert clip is not None
    faster = Speaker(speaker.cache_dir, rate=240).start()
    with pytest.raises(SpeechNotFound, match="not prepared for"):
        faster.audio(clip.id)
    quick = faster.prepare(REPLY)
    assert quick is not None
    assert quick.id != clip.id
    # The rate really changed on the shared engine, and back again.
    assert _seconds(faster.audio(quick.id)) < 0.85 * _seconds(speaker.audio(clip.id))


def test_fifty_concurrent_requests(speaker: Speaker) -> None:
    clips = [speaker.prepare(text) for text in TEXTS]
    assert all(clips)
    ids = [clip.id for clip in clips if clip is not None]
    requests = [(ids[i % len(ids)], "mp3" if i % 7 == 0 else "wav") for i in range(50)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        paths = list(pool.map(lambda r: speaker.audio(r[0], r[1]), requests))
    assert speaker.syntheses == len(ids)  # each missing clip synthesised once
    for (cid, fmt), path in zip(requests, paths, strict=True):
        assert path.name == f"{cid}.{fmt}"
        if fmt == "wav":
            assert _seconds(path) > 0.5
            assert _rms(path) > 500
        else:
            assert path.stat().st_size > 1000
    assert not list(speaker.cache_dir.glob(".*")), "temporary files left behind"


class _LateCallbacks(Future[Any]):
    """A future whose callbacks run late, as on a busy machine: whoever waits on ``result()``
    wakes first."""

    def add_done_callback(self, fn: Any) -> None:
        def late(future: Future[Any]) -> None:
            time.sleep(0.3)
            fn(future)

        super().add_done_callback(late)


def test_a_pruned_clip_is_made_again_and_a_served_one_counts_as_used(
    espeak: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The count, and a pruning the new file calls for, are done when audio() returns: a late
    # pruning would go by the bound set below and take the short clip's text (CI saw it).
    monkeypatch.setattr(speech, "Future", _LateCallbacks)
    speaker = Speaker(tmp_path).start()
    first, second = speaker.prepare(TEXTS[1]), speaker.prepare(REPLY)  # short, long
    assert first is not None
    assert second is not None
    one, two = speaker.audio(first.id), speaker.audio(second.id)
    assert speaker.syntheses == 2
    # Over the bound, and back under 80 % of it once the long clip goes: one file must go.
    speaker.cache_limit = int((speaker.cache_bytes() - _size(two)) / 0.8 * 1.02)
    assert speaker.cache_bytes() > speaker.cache_limit
    _age(one, 5 * HOUR)
    _age(two, 4 * HOUR)
    speaker.audio(first.id)  # served from the cache: used just now, so the other goes
    removed, _ = speaker.prune()
    assert removed == 1
    assert one.exists()
    assert not two.exists()
    assert _rms(speaker.audio(second.id)) > 100  # made again from the text, which stayed
    assert speaker.syntheses == 3


def _size(path: Path) -> int:
    return path.stat().st_size


def _age(path: Path, seconds: float) -> None:
    os.utime(path, (time.time() - seconds,) * 2)


def test_mp3(speaker: Speaker) -> None:
    clip = speaker.prepare(REPLY)
    assert clip is not None
    path = speaker.audio(clip.id, "mp3")
    assert path.name == f"{clip.id}.mp3"
    head = path.read_bytes()[:3]
    assert head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    assert path.stat().st_size > 64_000 / 8  # at 64 kbit/s a reply takes more than a second


@pytest.mark.parametrize(("speed", "name"), [(1.5, "@1.5"), (0.75, "@0.75"), (1.25, "@1.25")])
def test_speed(speaker: Speaker, speed: float, name: str) -> None:
    clip = speaker.prepare(REPLY)
    assert clip is not None
    normal = _seconds(speaker.audio(clip.id))
    path = speaker.audio(clip.id, speed=speed)
    assert path.name == f"{clip.id}{name}.wav"
    assert _seconds(path) == pytest.approx(normal / speed, rel=0.02)
    assert _rms(path) > 500
    assert speaker.audio(clip.id, "mp3", speed=speed).name == f"{clip.id}{name}.mp3"
    assert speaker.syntheses == 1


@pytest.mark.parametrize(
    "bad", ["../x", "", "xyz", "../" + "0" * 32, "0" * 31, "0" * 33, "A" * 32, "0" * 31 + "/"]
)
def test_bad_ids_are_not_found(speaker: Speaker, bad: str) -> None:
    with pytest.raises(SpeechNotFound):
        speaker.audio(bad)


def test_an_unknown_id_is_not_found(speaker: Speaker) -> None:
    with pytest.raises(SpeechNotFound, match="no clip"):
        speaker.audio("0" * 32)
    speaker.prefetch("0" * 32)  # logged, not raised


@pytest.mark.parametrize(
    ("fmt", "speed"),
    [
        ("ogg", 1.0),
        ("WAV", 1.0),
        ("wav", 0.4),
        ("wav", 2.5),
        ("mp3", math.nan),
        ("wav", 1.1),  # between the steps: each speed is a file of the cache, so few
        ("wav", 2.0),
        ("mp3", 0.5),
    ],
)
def test_bad_formats_and_speeds(speaker: Speaker, fmt: str, speed: float) -> None:
    clip = speaker.prepare(REPLY)
    assert clip is not None
    with pytest.raises(SpeechFormatInvalid) as raised:
        speaker.audio(clip.id, fmt, speed=speed)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("text", ["", "   ", "🎉🎉", "<br/>"])
def test_nothing_to_say_gives_no_clip(speaker: Speaker, text: str) -> None:
    assert speaker.prepare(text) is None


def test_prefetch_synthesises_in_the_background(speaker: Speaker) -> None:
    clip = speaker.prepare(REPLY)
    assert clip is not None
    speaker.prefetch(clip.id)
    deadline = time.monotonic() + 30
    while not (speaker.cache_dir / f"{clip.id}.wav").exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    speaker.audio(clip.id)
    assert speaker.syntheses == 1


def test_from_settings(espeak: None, tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path, speech_rate=150, speech_timeout_s=5)
    speaker = Speaker.from_settings(settings).start()
    assert (speaker.cache_dir, speaker.rate, speaker.timeout_s) == (tmp_path / "speech", 150, 5)
    clip = speaker.prepare("您好")
    assert clip == Clip(clip_id("sit/cmn-latn-pinyin", 150, "您好"), "您好")


def test_close(speaker: Speaker) -> None:
    spoken, unspoken = speaker.prepare(REPLY), speaker.prepare(TEXTS[1])
    assert spoken is not None
    assert unspoken is not None
    path = speaker.audio(spoken.id)
    speaker.close()
    assert not speaker.available
    assert speaker.reason == "closed"
    assert speaker.prepare(REPLY) is None
    assert speaker.audio(spoken.id) == path  # what is cached is still served
    with pytest.raises(SpeechUnavailable):
        speaker.audio(unspoken.id)


# -- without espeak-ng ------------------------------------------------------------------------


def test_a_missing_voice_makes_speech_unavailable(espeak: None, tmp_path: Path) -> None:
    speaker = Speaker(tmp_path, voice="no-such-voice").start()
    assert speaker.available is False
    assert speaker.reason is not None
    assert "no-such-voice" in speaker.reason
    assert "cmn-latn-pinyin" in speaker.reason  # the voices it could use instead
    assert speaker.voice_name is None
    assert speaker.prepare(REPLY) is None


def test_without_pyttsx3_speech_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(speech, "_SHARED", None)  # a process that has not loaded it yet
    monkeypatch.setitem(sys.modules, "pyttsx3", None)  # ... and cannot
    speaker = Speaker(tmp_path).start()
    assert speaker.available is False
    assert speaker.reason is not None
    assert "pyttsx3 is not installed" in speaker.reason
    assert speaker.start() is speaker  # idempotent, still no exception
    assert speaker.prepare(REPLY) is None
    (tmp_path / f"{'a' * 32}.txt").write_text("您好", encoding="utf-8")
    with pytest.raises(SpeechUnavailable, match="pyttsx3"):
        speaker.audio("a" * 32)


def test_the_constructor_is_cheap_and_validates(tmp_path: Path) -> None:
    speaker = Speaker(tmp_path / "not-yet")
    assert not (tmp_path / "not-yet").exists()
    assert speaker.available is False
    assert speaker.reason == "not started"
    with pytest.raises(ValueError, match="rate"):
        Speaker(tmp_path, rate=0)
    with pytest.raises(ValueError, match="timeout"):
        Speaker(tmp_path, timeout_s=0)
    with pytest.raises(ValueError, match="cache bound"):
        Speaker(tmp_path, cache_limit_mb=-1)


# -- the cache's bound ------------------------------------------------------------------------

KB = 1024
HOUR = 3600.0


def _cached(folder: Path, name: str, size: int, age_s: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_pruning_goes_by_last_use_audio_first_and_spares_what_is_in_use(tmp_path: Path) -> None:
    """A 100 KB bound over 150 KB: down to 80 KB, oldest audio first, texts only after audio."""
    speaker = Speaker(tmp_path, cache_limit_mb=100 / 1024)
    a, b, c, d = ("a" * 32, "b" * 32, "c" * 32, "d" * 32)
    files = {
        "old audio": _cached(tmp_path, f"{a}.wav", 30 * KB, 5 * HOUR),
        "old mp3": _cached(tmp_path, f"{a}.mp3", 10 * KB, 4 * HOUR),
        "oldest text": _cached(tmp_path, f"{a}.txt", 10 * KB, 9 * HOUR),
        "audio in use": _cached(tmp_path, f"{b}.wav", 40 * KB, 60),
        "newer audio": _cached(tmp_path, f"{c}@1.5.wav", 30 * KB, 1 * HOUR),
        "recent text": _cached(tmp_path, f"{d}.txt", 30 * KB, 2 * HOUR),
        "a writer's part": _cached(tmp_path, f".{d}.wav.x.part", 50 * KB, 9 * HOUR),
        "not the cache's": _cached(tmp_path, "notes.md", 50 * KB, 9 * HOUR),
    }
    assert speaker.prune() == (3, 70 * KB)
    gone = {name for name, path in files.items() if not path.exists()}
    # 150 KB of cache files: the three older audio files (70 KB) bring it to 80 KB; the text
    # that is older still stays, since a clip whose text goes cannot be made again.
    assert gone == {"old audio", "old mp3", "newer audio"}
    assert speaker.prune() == (0, 0)  # under the bound now


@pytest.mark.parametrize(
    ("limit_mb", "ages_s", "removed"),
    [
        (0, [5 * HOUR] * 4, 0),  # unbounded
        (1, [5 * HOUR] * 4, 0),  # 160 KB under a 1 MB bound
        (100 / 1024, [60, 70, 80, 90], 2),  # over, all used lately: the bound holds anyway
        (100 / 1024, [5 * HOUR, 4 * HOUR, 60, 60], 2),  # over: the two old ones, in use stay
    ],
)
def test_pruning_table(tmp_path: Path, limit_mb: float, ages_s: list[float], removed: int) -> None:
    speaker = Speaker(tmp_path, cache_limit_mb=limit_mb)
    for i, age in enumerate(ages_s):
        _cached(tmp_path, f"{i:032x}.wav", 40 * KB, age)
    assert speaker.prune()[0] == removed
    assert len(list(tmp_path.glob("*.wav"))) == len(ages_s) - removed


def test_the_bound_comes_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, speech_cache_mb=64)
    assert Speaker.from_settings(settings).cache_limit == 64 * 1024 * 1024


# -- the time-stretch -------------------------------------------------------------------------


def _tone(hz: float, seconds: float = 1.0, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def _pitch(samples: np.ndarray, rate: int = 22050) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize("speed", [0.5, 0.75, 1.25, 1.5, 2.0])
def test_stretch_keeps_the_pitch(speed: float) -> None:
    """Resampling would move a 220 Hz tone to 220 × speed; WSOLA keeps it."""
    tone = _tone(220)
    out = stretch(tone, speed, 22050)
    assert out.dtype == np.int16
    assert len(out) == round(len(tone) / speed)
    assert _pitch(out) == pytest.approx(220, abs=3)
    assert np.sqrt(np.mean(out[1000:-1000].astype(np.float64) ** 2)) == pytest.approx(
        8000 / math.sqrt(2), rel=0.1
    )


def test_stretch_edges() -> None:
    assert stretch(np.zeros(0, dtype=np.int16), 1.5, 22050).size == 0
    tone = _tone(220, 0.01)
    assert stretch(tone, 1.0, 22050) is tone
    assert len(stretch(tone, 2.0, 22050)) == round(len(tone) / 2)
