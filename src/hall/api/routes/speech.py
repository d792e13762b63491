"""Spoken replies: the audio of a reply, by the id its chat reply named."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import FileResponse
from pydantic import AfterValidator

from hall.api.deps import SpeakerDep, SpeechThreadsDep
from hall.api.ratelimit import rate_limit
from hall.api.schemas import ErrorPublic
from hall.settings import SPEECH_SPEEDS

router = APIRouter(
    prefix="/api",
    tags=["speech"],
    dependencies=[rate_limit("speech")],
    responses={429: {"model": ErrorPublic, "description": "Too many requests: see Retry-After."}},
)

_NAME = re.compile(r"^(?P<id>[0-9a-f]{16,64})\.(?P<fmt>wav|mp3)$")
MEDIA = {"wav": "audio/wav", "mp3": "audio/mpeg"}
_SPEEDS = ", ".join(f"{s:g}" for s in SPEECH_SPEEDS)


def _step(speed: float) -> float:
    """A speed the cache holds: one of a few steps, each a file (any speed was 151 files)."""
    if speed not in SPEECH_SPEEDS:
        raise ValueError(f"should be one of {_SPEEDS}")
    return speed


@router.get(
    "/speech/{name}",
    name="speech",
    response_class=FileResponse,
    summary="The audio of a reply (WAV or MP3)",
    description="`{id}.wav` or `{id}.mp3` from a chat reply's `speech_url`; synthesised on first "
    "request, then served from the cache with byte ranges (Safari asks for them). `speed` "
    "slows or quickens the finished audio without changing the voice's pitch. While the speech "
    "engine has too much to do it answers 503 with `Retry-After`.",
    responses={
        200: {"content": {"audio/wav": {}, "audio/mpeg": {}}},
        404: {"model": ErrorPublic, "description": "No such clip."},
        503: {"model": ErrorPublic, "description": "Speech is unavailable or busy."},
    },
)
async def speech(
    name: Annotated[str, Path(max_length=80)],
    speaker: SpeakerDep,
    threads: SpeechThreadsDep,
    speed: Annotated[
        float,
        Query(
            description=f"Playback speed: one of {_SPEEDS}.",
            json_schema_extra={"enum": list(SPEECH_SPEEDS)},
        ),
        AfterValidator(_step),
    ] = 1.0,
) -> FileResponse:
    match = _NAME.match(name)
    if match is None:
        raise HTTPException(status_code=404, detail="no such clip")
    if speaker is None or not speaker.available:
        raise HTTPException(status_code=503, detail="speech is unavailable on this server")
    fmt = match.group("fmt")
    # Synthesis blocks on the speech thread: keep the event loop free meanwhile, and wait on
    # threads of speech's own, so listeners never hold the few that answer questions.
    path = await threads.run(partial(speaker.audio, match.group("id"), fmt, speed=speed))
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        headers={"Cache-Control": "public, max-age=86400, immutable"},
    )
