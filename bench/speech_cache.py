"""The speech cache's bound under churn: N replies, each fetched at every speed and format.

    .venv/bin/python bench/speech_cache.py [--replies 1000] [--bound-mb 512]

Real espeak-ng (pyttsx3), in-process: every reply is a new clip, made and converted to the four
speeds in WAV and MP3 (eight files), as citizens who play every reply at every speed would. It
prints what was written, the largest the cache grew and where it ended, against the bound.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from hall.guide.speech import FORMATS, SPEEDS, Speaker

REPLIES = [
    "办理居住证需要携带身份证原件和居住证明，承诺时限为{n}个工作日。",
    "您好，请问您要办理哪一项业务？这是第{n}次为您服务。",
    "生育登记不收费，可以在网上办理，也可以到街道办事处窗口办理，编号{n}。",
    "护照办理需要本人到场，时限为七个工作日，请携带身份证，排队号{n}。",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--bound-mb", type=float, default=512)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hall-speech-"))
    speaker = Speaker(folder, cache_limit_mb=args.bound_mb).start()
    if not speaker.available:
        print(f"speech is unavailable: {speaker.reason}", file=sys.stderr)
        return 2
    bound = args.bound_mb * 2**20
    written = highest = 0
    started = time.perf_counter()
    for n in range(args.replies):
        clip = speaker.prepare(REPLIES[n % len(REPLIES)].format(n=n))
        assert clip is not None
        for fmt in FORMATS:
            for speed in SPEEDS:
                written += speaker.audio(clip.id, fmt, speed=speed).stat().st_size
        highest = max(highest, speaker.cache_bytes())
    final = speaker.cache_bytes()
    speaker.close()
    print(
        f"{args.replies} replies x {len(SPEEDS)} speeds x {len(FORMATS)} formats in "
        f"{time.perf_counter() - started:.0f} s: {written / 2**20:.0f} MB written; cache at most "
        f"{highest / 2**20:.1f} MB ({highest / bound:.0%} of its {args.bound_mb:g} MB bound), "
        f"{final / 2**20:.1f} MB at the end ({final / bound:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
