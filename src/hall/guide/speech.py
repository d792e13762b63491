"""Spoken replies: pyttsx3 on espeak-ng's Mandarin voice, cached on disk by content.

A reply is first *prepared* (:meth:`Speaker.prepare`: its spoken form, the clip id, and
``<id>.txt`` in the cache folder, so any process sharing the folder can speak it later from the
id alone) and *spoken* only when someone asks for the audio (:meth:`Speaker.audio`)::

    <dir>/<id>.txt          the spoken form       <dir>/<id>.wav        22 kHz mono, 16 bit
    <dir>/<id>.mp3          64 kbit/s mono        <dir>/<id>@1.25.wav   at another speed

The id is a hash of (voice, rate, spoken text): another voice or rate is another clip. Every file
is written under a temporary name and renamed, so a reader never sees half a file.

pyttsx3 is not thread safe, and espeak-ng initialises once per process: one thread per process
owns the engine and takes jobs from a queue, whichever :class:`Speaker` sends them. The voice
and rate are set once and read back (pyttsx3 drops an unknown voice silently, and keeps English
when asked for ``zh``); ``cmn`` would read hanzi as spelled pinyin, hence ``cmn-latn-pinyin``.
A citizen's speed is applied to the finished audio (WSOLA, which keeps the pitch), never to the
engine, so one synthesis serves every speed; the speeds are a few steps (``SPEECH_SPEEDS``), each
a file of the cache.

Audio is made on demand: when a clip is fetched, or prefetched for a reply that will be played
at once (auto-read). The clips waiting for the engine form a bounded queue: when it is full,
:class:`SpeechBusy` (503 with ``Retry-After``), not an ever longer wait. The cache holds
within its bound (``HALL_SPEECH_CACHE_MB``), every speed and format counted: least recently
used files go first.

Speech is optional: without pyttsx3, the espeak-ng library or a Mandarin voice, :meth:`start`
still returns, ``available`` is False and ``reason`` says why, and replies go without audio.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import logging
import os
import queue
import re
import sys
import tempfile
import threading
import time
import uuid
import wave
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_futures
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import lameenc
import numpy as np
from numpy.typing import NDArray

from hall.guide.errors import (
    SpeechBusy,
    SpeechError,
    SpeechFailed,
    SpeechFormatInvalid,
    SpeechNotFound,
    SpeechUnavailable,
)
from hall.guide.reading import spoken_form
from hall.settings import SPEECH_SPEEDS, Settings

__all__ = [
    "DEFAULT_VOICE",
    "FORMATS",
    "SPEEDS",
    "Clip",
    "Speaker",
    "clip_id",
    "stretch",
]

log = logging.getLogger("hall.speech")

T = TypeVar("T")

DEFAULT_VOICE = "cmn-latn-pinyin"
FORMATS = ("wav", "mp3")
_CACHED = frozenset({".wav", ".mp3", ".txt"})  # what the cache holds, and prunes
SPEEDS = SPEECH_SPEEDS
MP3_KBPS = 64
#: RMS (of 16-bit samples) below which a clip is silence, not speech; espeak-ng speaks at ~3000.
SILENCE_RMS = 100.0
PROBE_TEXT = "您好"

_ID = re.compile(r"[0-9a-f]{32}")
_WAV_HEADER = 44
_POLL_S = 0.01
_CONFIGURE_S = 5.0
_STALE_PART_S = 3600.0
#: Pruning goes down to this share of the bound, so it does not run again at the next clip; the
#: files it leaves are the most recently used (a path just handed out is the newest of all).
_PRUNE_TO = 0.8
#: Pruning runs after every this share of the bound written by a process: with a few processes
#: writing to one folder, the cache stays within 10 % of its bound.
_PRUNE_EVERY = 0.05
_LOCK_STRIPES = 64
#: How long a request waits for a free conversion (speed, MP3) before it is told to come back.
_CONVERT_WAIT_S = 2.0


@dataclass(frozen=True)
class Clip:
    """A prepared reply: what the audio URL names, and the words it will say."""

    id: str  # hex hash of (voice, rate, spoken text), safe as a file name
    text: str  # the spoken form


def clip_id(voice: str, rate: int, text: str) -> str:
    """The id of ``text`` spoken by ``voice`` at ``rate``: 32 hex digits."""
    key = f"{voice}\x1f{rate}\x1f{text}".encode()
    return hashlib.sha256(key).hexdigest()[:32]


# -- audio ------------------------------------------------------------------------------------


def _read_wav(path: Path) -> tuple[NDArray[np.int16], int]:
    """Samples and sample rate of a mono 16-bit WAV; SpeechFailed for anything else."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise SpeechFailed(f"{path}: not a WAV file: {exc}") from exc
    if channels != 1 or width != 2:
        raise SpeechFailed(f"{path}: {channels} channel(s) of {width} bytes, not mono 16-bit")
    return np.frombuffer(frames, dtype="<i2").astype(np.int16), rate


def _wav_bytes(samples: NDArray[np.int16], rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()


def _problem(samples: NDArray[np.int16]) -> str | None:
    """Why these samples are no spoken reply (no frames, or silence), if they are not."""
    if samples.size == 0:
        return "no audio frames"
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    return f"silent audio (RMS {rms:.0f})" if rms < SILENCE_RMS else None


def stretch(samples: NDArray[np.int16], speed: float, rate: int) -> NDArray[np.int16]:
    """``samples`` played ``speed`` times as fast, at the same pitch (WSOLA).

    Overlap-add of 40 ms Hann windows at a fixed output hop; each window is taken near where
    the speed puts it in the input, shifted (by up to 10 ms) to where it best continues the
    previous one, so the periods line up and the voice neither chirps nor echoes. Plain
    resampling would be simpler but raises the pitch with the speed (a chipmunk guide).
    """
    if speed == 1.0 or samples.size == 0:
        return samples
    frame = max(int(rate * 0.04) // 2 * 2, 16)
    hop = frame // 2
    tolerance = max(int(rate * 0.01), 1)
    x = samples.astype(np.float64)
    padded = np.concatenate([np.zeros(tolerance), x, np.zeros(frame * 2 + tolerance * 2)])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / frame)  # periodic Hann
    count = int(len(x) / (hop * speed)) + 1
    out = np.zeros(count * hop + frame)
    norm = np.zeros_like(out)
    previous = tolerance
    for k in range(count):
        ideal = tolerance + round(k * hop * speed)  # where this window belongs, in `padded`
        if k == 0:
            position = ideal
        else:
            natural = padded[previous + hop : previous + hop + frame]
            region = padded[ideal - tolerance : ideal + tolerance + frame]
            position = ideal - tolerance + int(np.argmax(np.correlate(region, natural, "valid")))
        out[k * hop : k * hop + frame] += padded[position : position + frame] * window
        norm[k * hop : k * hop + frame] += window
        previous = position
    out = np.where(norm > 1e-3, out / np.maximum(norm, 1e-3), 0.0)[: round(len(x) / speed)]
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def _mp3(samples: NDArray[np.int16], rate: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_KBPS)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(samples.astype("<i2").tobytes())) + bytes(encoder.flush())


def _write_atomic(path: Path, data: bytes) -> None:
    """Write under a temporary name and rename: readers see the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


# -- the engine thread ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Voice:
    id: str
    name: str


def _find_voice(voices: Sequence[Any], wanted: str) -> _Voice | None:
    """The voice named ``wanted`` by its id ("sit/cmn-latn-pinyin"), id's last part, name or
    language; exact ids first."""
    wanted = wanted.strip().lower()
    for exact in (True, False):
        for voice in voices:
            vid = str(getattr(voice, "id", "")).lower()
            names = (
                {vid}
                if exact
                else {
                    vid.rsplit("/", 1)[-1],
                    str(getattr(voice, "name", "")).lower(),
                    *(str(lang).lower() for lang in getattr(voice, "languages", None) or ()),
                }
            )
            if wanted in names:
                return _Voice(str(voice.id), str(getattr(voice, "name", voice.id)))
    return None


def _mandarin(voices: Sequence[Any]) -> list[str]:
    return [
        str(v.id)
        for v in voices
        if any(str(lang).lower().startswith(("cmn", "zh")) for lang in v.languages or ())
    ]


class _Espeak:
    """What pyttsx3 2.99 does not expose of its espeak-ng binding: whether espeak-ng is still at
    work, and the rate in force (its ``getProperty("rate")`` reads the default instead).

    espeak-ng runs commands on a thread of its own (the retrieval mode pyttsx3 uses is
    asynchronous): a rate is applied some time after it is set, and ``runAndWait`` cancels
    whatever espeak-ng is still doing, the new rate or the last clip's end included. Hence the
    waits until it is idle, which make the engine's behaviour deterministic.
    """

    def __init__(self) -> None:
        try:
            self._lib: Any = importlib.import_module("pyttsx3.drivers._espeak")
        except Exception:  # another driver: nothing to wait for, nothing to read back
            self._lib = None

    def busy(self) -> bool:
        try:
            return bool(self._lib.IsPlaying())
        except Exception:
            return False

    def rate(self) -> int | None:
        try:
            return int(self._lib.dll.espeak_GetParameter(self._lib.RATE, 1))
        except Exception:
            return None


def _quiet(*args: object, **_: object) -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." for every file: a debug line here."""
    log.debug("pyttsx3: %s", " ".join(map(str, args)))


class _EngineThread:
    """The one thread of this process that touches pyttsx3, and so espeak-ng."""

    def __init__(self, queue_size: int = 16) -> None:
        self._jobs: queue.Queue[tuple[Callable[[Any], Any], Future[Any]]] = queue.Queue(
            maxsize=queue_size
        )
        self._ready = threading.Event()
        self._espeak = _Espeak()
        self.error: str | None = None
        self.config: tuple[str, int] | None = None  # the (voice, rate) set and read back
        self._thread = threading.Thread(target=self._run, name="hall-speech", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout_s: float) -> str | None:
        """None once the engine runs; otherwise why it does not."""
        if not self._ready.wait(timeout_s):
            return f"the speech engine did not start within {timeout_s:g} s"
        return self.error

    def submit(self, job: Callable[[Any], T]) -> Future[T]:
        """Queue a job; SpeechBusy when the queue is full (the caller says "try again")."""
        future: Future[T] = Future()
        try:
            self._jobs.put_nowait((job, future))
        except queue.Full:
            raise SpeechBusy(f"{self._jobs.maxsize} clips are waiting for the engine") from None
        return future

    @property
    def waiting(self) -> int:
        return self._jobs.qsize()

    def _run(self) -> None:
        try:
            pyttsx3 = importlib.import_module("pyttsx3")
        except ImportError as exc:
            self._fail(f"pyttsx3 is not installed: {exc}")
            return
        try:
            engine = pyttsx3.init("espeak")
            # A fresh engine queues properties until a run loop; one empty loop leaves it idle,
            # so that from now on a property is handed to espeak-ng when it is set.
            engine.runAndWait()
        except (
            Exception
        ) as exc:  # the driver raises RuntimeError or OSError, pyttsx3 documents none
            self._fail(
                f"espeak-ng could not be loaded (install espeak-ng and libespeak-ng1): {exc}"
            )
            return
        self._espeak = _Espeak()
        driver = sys.modules.get("pyttsx3.drivers.espeak")
        if driver is not None:
            setattr(driver, "print", _quiet)  # noqa: B010 - shadows the builtin in that module
        self._ready.set()
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job(engine))
            except Exception as exc:
                future.set_exception(exc)

    def _fail(self, reason: str) -> None:
        self.error = reason
        self._ready.set()

    # Jobs: these run on the engine thread only.

    def voices(self, engine: Any) -> list[Any]:
        return list(engine.getProperty("voices") or ())

    def synthesize(
        self, engine: Any, voice: str, rate: int, text: str, path: Path, timeout_s: float
    ) -> NDArray[np.int16]:
        """Speak ``text`` into ``path`` (atomically): two tries, each checked and given half
        the time (a file the driver failed to write must leave time for the retry)."""
        started = time.monotonic()
        why = "no attempt"
        for attempt in (1, 2):
            part = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.part.wav")
            deadline = started + timeout_s * attempt / 2
            try:
                samples = self._attempt(engine, voice, rate, text, part, deadline)
            except SpeechFailed as exc:
                why = str(exc)
                log.warning("speech attempt %d for %s failed: %s", attempt, path.name, why)
                continue
            os.replace(part, path)
            return samples
        raise SpeechFailed(f"{path.name}: {why} (after a retry)")

    def _attempt(
        self, engine: Any, voice: str, rate: int, text: str, part: Path, deadline: float
    ) -> NDArray[np.int16]:
        try:
            self._configure(engine, voice, rate, deadline)
            self._idle(deadline)  # else runAndWait cancels what espeak-ng is still doing
            engine.save_to_file(text, str(part))
            engine.runAndWait()
            # runAndWait may return before the driver has written the file.
            size = -1
            while True:
                current = part.stat().st_size if part.exists() else -1
                if current >= _WAV_HEADER and current == size and not self._espeak.busy():
                    break
                if time.monotonic() > deadline:
                    raise SpeechFailed(f"no complete audio file ({current} bytes) in time")
                size = current
                time.sleep(_POLL_S)
            samples, _ = _read_wav(part)
            problem = _problem(samples)
            if problem:
                raise SpeechFailed(problem)
            return samples
        except Exception as exc:  # pyttsx3 documents no exceptions; any is a failed attempt
            self.config = None  # set it again next time, whatever state this left
            with suppress(OSError):
                part.unlink()
            with suppress(Exception):  # a loop left running refuses every later runAndWait
                engine.endLoop()
            if isinstance(exc, SpeechFailed):
                raise
            raise SpeechFailed(f"{type(exc).__name__}: {exc}") from exc

    def _idle(self, deadline: float) -> None:
        while self._espeak.busy():
            if time.monotonic() > deadline:
                raise SpeechFailed("espeak-ng stayed busy")
            time.sleep(_POLL_S)

    def _configure(self, engine: Any, voice: str, rate: int, deadline: float) -> None:
        """Set voice and rate once, and read them back: pyttsx3 keeps the old voice without a
        word when asked for one espeak-ng cannot load, and espeak-ng applies a rate later."""
        if self.config == (voice, rate):
            return
        self.config = None
        self._idle(deadline)
        engine.setProperty("voice", voice)
        engine.setProperty("rate", rate)
        deadline = min(deadline, time.monotonic() + _CONFIGURE_S)
        while True:
            got_voice, got_rate = str(engine.getProperty("voice") or ""), self._espeak.rate()
            if got_voice.lower() == voice.lower() and got_rate in (None, rate):
                break
            if time.monotonic() > deadline:
                raise SpeechFailed(
                    f"espeak-ng kept voice {got_voice!r} at rate {got_rate} "
                    f"when asked for {voice!r} at {rate}"
                )
            time.sleep(_POLL_S)
        self.config = (voice, rate)


_SHARED: _EngineThread | None = None
_SHARED_LOCK = threading.Lock()


def _engine_thread(
    timeout_s: float, queue_size: int = 16
) -> tuple[_EngineThread | None, str | None]:
    """This process's engine thread, started on first use; or why there is none."""
    global _SHARED  # one engine per process is espeak-ng's rule, not ours
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = _EngineThread(queue_size)
        thread = _SHARED
        reason = thread.wait_ready(timeout_s)
        if reason is not None and thread.error is not None:
            _SHARED = None  # a later start tries again (the library may have been installed)
    return (None, reason) if reason else (thread, None)


# -- the speaker ------------------------------------------------------------------------------


class Speaker:
    """Spoken replies from one cache folder. Construct cheaply; :meth:`start` once (idempotent).

    Every method may be called from any number of threads.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        voice: str | None = None,
        rate: int = 170,
        timeout_s: float = 30.0,
        cache_limit_mb: float = 512,
        queue_size: int = 16,
    ) -> None:
        if not 1 <= rate <= 1000:
            raise ValueError(f"speech rate {rate} is not a rate in words per minute")
        if not timeout_s > 0:
            raise ValueError(f"speech timeout {timeout_s} must be positive")
        if not cache_limit_mb >= 0:
            raise ValueError(f"speech cache bound {cache_limit_mb} MB must not be negative")
        if queue_size < 1:
            raise ValueError(f"speech queue size {queue_size} must be at least 1")
        self.queue_size = queue_size
        self._converting = threading.BoundedSemaphore(queue_size)
        self.cache_dir = Path(cache_dir)
        #: Bytes the cache may hold (0: unbounded); see :meth:`prune`.
        self.cache_limit = int(cache_limit_mb * 1024 * 1024)
        self._written = 0  # bytes written since the last pruning
        self._prune_lock = threading.Lock()
        self.wanted_voice = voice or DEFAULT_VOICE
        self.rate = rate
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self._inflight: dict[str, Future[NDArray[np.int16]]] = {}
        self._engine: _EngineThread | None = None
        self._voice: _Voice | None = None
        self._started = False
        self._closed = False
        self._reason: str | None = "not started"
        self._syntheses = 0
        self._counting = threading.Lock()  # not _lock: a job may run inside submit()

    @classmethod
    def from_settings(cls, settings: Settings) -> Speaker:
        return cls(
            settings.speech_dir,
            voice=settings.speech_voice,
            rate=settings.speech_rate,
            timeout_s=settings.speech_timeout_s,
            cache_limit_mb=settings.speech_cache_mb,
            queue_size=settings.speech_queue,
        )

    # -- state --------------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        return self._engine is not None and self._voice is not None and not self._closed

    @property
    def reason(self) -> str | None:
        """Why speech is unavailable; None when it is available."""
        return None if self.available else self._reason

    @property
    def voice_name(self) -> str | None:
        return self._voice.name if self._voice else None

    @property
    def voice_id(self) -> str | None:
        return self._voice.id if self._voice else None

    @property
    def waiting(self) -> int:
        """Clips waiting for this process's engine."""
        engine = self._engine
        return engine.waiting if engine is not None else 0

    @property
    def syntheses(self) -> int:
        """How many clips this speaker has had synthesised (cache hits are not counted)."""
        return self._syntheses

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> Speaker:
        """Start the engine, find the voice, speak a probe. Never raises: see ``reason``."""
        if self._started:
            return self
        with self._lock:
            if self._started:
                return self
            try:
                self._reason = self._start()
            except Exception as exc:  # a speaker that cannot start must not stop the service
                log.exception("speech did not start")
                self._reason = f"{type(exc).__name__}: {exc}"
            if self._reason is not None:
                self._engine, self._voice = None, None
                log.warning("speech is unavailable: %s", self._reason)
            else:
                log.info(
                    "speech ready: %s at %d wpm in %s", self.voice_id, self.rate, self.cache_dir
                )
            self._started = True  # last: the unlocked check above sees a finished start only
        return self

    def _start(self) -> str | None:
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"the speech cache {self.cache_dir} cannot be created: {exc}"
        self._remove_stale_parts()
        self.prune()
        engine, reason = _engine_thread(self.timeout_s, self.queue_size)
        if engine is None:
            return reason
        try:
            voices = engine.submit(engine.voices).result(timeout=self.timeout_s)
        except FutureTimeout:
            return f"espeak-ng did not list its voices within {self.timeout_s:g} s"
        voice = _find_voice(voices, self.wanted_voice)
        if voice is None:
            return (
                f"espeak-ng has no voice {self.wanted_voice!r} "
                f"(its Mandarin voices: {', '.join(_mandarin(voices)) or 'none'})"
            )
        probe = self.cache_dir / f".probe-{uuid.uuid4().hex}.wav"
        try:
            engine.submit(
                lambda e: engine.synthesize(
                    e, voice.id, self.rate, PROBE_TEXT, probe, self.timeout_s
                )
            ).result(timeout=self.timeout_s * 2)
        except FutureTimeout:
            return f"espeak-ng did not speak within {self.timeout_s:g} s"
        except SpeechError as exc:
            return f"espeak-ng cannot speak with voice {voice.id!r}: {exc}"
        finally:
            with suppress(OSError):
                probe.unlink()
        self._engine, self._voice = engine, voice
        return None

    def _remove_stale_parts(self) -> None:
        """Temporary files a killed process left behind (a live writer's are younger)."""
        cutoff = time.time() - _STALE_PART_S
        for part in self.cache_dir.glob(".*.part*"):
            with suppress(OSError):
                if part.stat().st_mtime < cutoff:
                    part.unlink()

    def prune(self, *, keep: Path | None = None) -> tuple[int, int]:
        """Keep the cache under :attr:`cache_limit`; returns (files removed, bytes freed).

        Over the bound, the least recently used files go first, down to 80% of it: audio before
        texts, since audio is made again from its text on demand, while a clip whose text goes is
        unknown from then on. Runs at start and after every twentieth of the bound written; one
        pruning at a time per speaker (others skip). ``keep``, the file just written, stays: it
        is about to be served.
        """
        if not self.cache_limit or not self._prune_lock.acquire(blocking=False):
            return 0, 0
        try:
            self._written = 0
            files: list[tuple[bool, float, int, Path]] = []
            with os.scandir(self.cache_dir) as entries:
                for entry in entries:
                    suffix = Path(entry.name).suffix
                    if entry.name.startswith(".") or suffix not in _CACHED:
                        continue
                    with suppress(OSError):
                        info = entry.stat()
                        files.append(
                            (suffix == ".txt", info.st_mtime, info.st_size, Path(entry.path))
                        )
            total = sum(size for _, _, size, _ in files)
            if total <= self.cache_limit:
                return 0, 0
            target = self.cache_limit * _PRUNE_TO
            removed = freed = 0
            for _, _, size, path in sorted(files):
                if total - freed <= target:
                    break
                if path == keep:
                    continue
                with suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
                    freed += size
            log.info("speech cache pruned: %d files, %.1f MB", removed, freed / 2**20)
            return removed, freed
        except OSError as exc:  # a cache that cannot be listed is no reason to fail a reply
            log.warning("cannot prune the speech cache %s: %s", self.cache_dir, exc)
            return 0, 0
        finally:
            self._prune_lock.release()

    def _wrote(self, size: int, path: Path | None = None) -> None:
        """Count bytes written to the cache (``path`` just now); prune after every twentieth of
        the bound."""
        self._written += size
        if self.cache_limit and self._written > self.cache_limit * _PRUNE_EVERY:
            self.prune(keep=path)

    def cache_bytes(self) -> int:
        """What the cache folder holds now (audio and texts), in bytes."""
        total = 0
        with suppress(OSError), os.scandir(self.cache_dir) as entries:
            for entry in entries:
                if not entry.name.startswith(".") and Path(entry.name).suffix in _CACHED:
                    with suppress(OSError):
                        total += entry.stat().st_size
        return total

    def close(self) -> None:
        """Stop taking work; clips being synthesised are finished (the engine thread lives on:
        espeak-ng cannot be initialised twice in one process)."""
        with self._lock:
            self._closed = True
            self._reason = "closed"
            pending = list(self._inflight.values())
        wait_futures(pending, timeout=self.timeout_s)

    # -- clips --------------------------------------------------------------------------------

    def prepare(self, text: str) -> Clip | None:
        """The clip of a reply, its text stored for any process: None when there is nothing to
        say or no speech. Synthesises nothing; never raises for a reply that cannot be spoken."""
        self.start()
        voice = self._voice
        if not self.available or voice is None:
            return None
        spoken = spoken_form(text)
        if not spoken:
            return None
        clip = Clip(clip_id(voice.id, self.rate, spoken), spoken)
        path = self.cache_dir / f"{clip.id}.txt"
        if not _used(path):
            data = spoken.encode("utf-8")
            try:
                _write_atomic(path, data)
            except OSError as exc:
                log.warning("cannot store the text of clip %s: %s", clip.id, exc)
                return None
            self._wrote(len(data))
        return clip

    def prefetch(self, clip_id: str) -> None:
        """Start synthesising a clip in the background (the reply is played at once)."""
        try:
            self._synthesis(_valid(clip_id))
        except SpeechBusy:
            log.info("not prefetching clip %s: the speech queue is full", clip_id)
        except SpeechError as exc:
            log.warning("cannot prefetch clip %s: %s", clip_id, exc)

    def audio(self, clip_id: str, fmt: str = "wav", *, speed: float = 1.0) -> Path:
        """The audio file of a clip, synthesised and converted as needed (blocking).

        ``fmt`` is "wav" or "mp3"; ``speed`` one of :data:`SPEEDS`. Raises SpeechNotFound for a
        malformed or unknown id, SpeechFormatInvalid for another format or speed,
        SpeechUnavailable without an engine, SpeechBusy when the queue is full, SpeechFailed
        when synthesis fails.
        """
        clip_id = _valid(clip_id)
        if fmt not in FORMATS:
            raise SpeechFormatInvalid(f"audio format {fmt!r} is not one of {', '.join(FORMATS)}")
        if speed not in SPEEDS:
            raise SpeechFormatInvalid(
                f"speed {speed} is not one of {', '.join(f'{s:g}' for s in SPEEDS)}"
            )
        speed = float(speed)
        target = self.cache_dir / f"{clip_id}{'' if speed == 1.0 else f'@{speed:g}'}.{fmt}"
        if _used(target):
            return target
        if fmt == "mp3":
            wav = self.audio(clip_id, "wav", speed=speed)
            return self._derive(target, lambda: _mp3(*_read_wav(wav)))
        if speed != 1.0:
            base = self.audio(clip_id)
            return self._derive(target, lambda: _stretched(base, speed))
        future = self._synthesis(clip_id)
        if future is not None:
            try:
                future.result(timeout=self.timeout_s)
            except FutureTimeout:
                raise SpeechFailed(
                    f"clip {clip_id}: no audio within {self.timeout_s:g} s"
                ) from None
        return target

    def _synthesis(self, clip_id: str) -> Future[NDArray[np.int16]] | None:
        """The synthesis of ``<id>.wav`` under way, started if need be; None if the file is there.
        One per id: concurrent requests for a missing clip wait on the same job."""
        self.start()
        path = self.cache_dir / f"{clip_id}.wav"
        with self._lock:
            if path.exists():
                return None
            future = self._inflight.get(clip_id)
            if future is not None and not future.done():  # a done one may have lost its file
                return future
            text = self._text(clip_id)
            engine, voice = self._engine, self._voice
            if self._closed or engine is None or voice is None:
                raise SpeechUnavailable(self._reason or "speech is unavailable")
            rate, timeout_s = self.rate, self.timeout_s

            def job(e: Any) -> NDArray[np.int16]:
                samples = engine.synthesize(e, voice.id, rate, text, path, timeout_s)
                self._made(path)
                return samples

            future = engine.submit(job)
            self._inflight[clip_id] = future
        future.add_done_callback(lambda done: self._forget(clip_id, done))
        return future

    def _made(self, path: Path) -> None:
        """Count a clip just synthesised, inside its job: a waiter's ``result()`` may return
        before the future's callbacks run, and the count and a pruning must precede it."""
        with self._counting:
            self._syntheses += 1
        with suppress(OSError):
            self._wrote(path.stat().st_size, path)

    def _forget(self, clip_id: str, future: Future[NDArray[np.int16]]) -> None:
        """Drop a finished job, unless a newer one for the id took its place already."""
        with self._lock:
            if self._inflight.get(clip_id) is future:
                del self._inflight[clip_id]

    def _text(self, cid: str) -> str:
        """The spoken form ``prepare`` stored for this id, checked against this speaker's voice."""
        path = self.cache_dir / f"{cid}.txt"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SpeechNotFound(f"no clip {cid} in {self.cache_dir}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SpeechNotFound(f"clip {cid}: unreadable text {path}: {exc}") from exc
        voice = self._voice
        if voice is not None and clip_id(voice.id, self.rate, text) != cid:
            raise SpeechNotFound(
                f"clip {cid} in {path} was not prepared for {voice.id} at {self.rate} wpm"
            )
        return text

    def _derive(self, target: Path, make: Callable[[], bytes]) -> Path:
        """Make a file from another once, whoever asks at the same time; at most
        ``queue_size`` conversions at once (SpeechBusy beyond, after a short wait)."""
        with self._stripes[hash(target.name) % _LOCK_STRIPES]:
            if not target.exists():
                if not self._converting.acquire(timeout=_CONVERT_WAIT_S):
                    raise SpeechBusy(f"{self.queue_size} conversions are under way")
                try:
                    data = make()
                finally:
                    self._converting.release()
                _write_atomic(target, data)
                self._wrote(len(data), target)
        return target


def _used(path: Path) -> bool:
    """Whether a cache file exists, marking it as just used (pruning goes by last use)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    except OSError:  # a read-only cache still serves its files
        return path.exists()
    return True


def _valid(clip_id: str) -> str:
    """A clip id as a file name: 32 lower-case hex digits, so no path can be smuggled in."""
    if not isinstance(clip_id, str) or not _ID.fullmatch(clip_id):
        raise SpeechNotFound(f"{clip_id!r} is not a clip id")
    return clip_id


def _stretched(wav: Path, speed: float) -> bytes:
    samples, rate = _read_wav(wav)
    return _wav_bytes(stretch(samples, speed, rate), rate)
