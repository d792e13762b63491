"""Spoken replies: the audio of a reply, by the id its chat reply named."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from hall.api.deps import SpeakerDep

router = APIRouter(prefix="/api", tags=["speech"])

_NAME = re.compile(r"^(?P<id>[0-9a-f]{16,64})\.(?P<fmt>wav|mp3)$")
MEDIA = {"wav": "audio/wav", "mp3": "audio/mpeg"}


@router.get(
    "/speech/{name}",
    name="speech",
    response_class=FileResponse,
    summary="The audio of a reply (WAV or MP3)",
    description="`{id}.wav` or `{id}.mp3` from a chat reply's `speech_url`; synthesised on first "
    "request, then served from the cache with byte ranges (Safari asks for them). `speed` "
    "slows or quickens the finished audio without changing the voice's pitch.",
    responses={
        200: {"content": {"audio/wav": {}, "audio/mpeg": {}}},
        404: {"description": "No such clip."},
        503: {"description": "Speech is unavailable on this server."},
    },
)
async def speech(
    name: str,
    speaker: SpeakerDep,
    speed: Annotated[float, Query(ge=0.5, le=2.0, description="Playback speed.")] = 1.0,
) -> FileResponse:
    match = _NAME.match(name)
    if match is None:
        raise HTTPException(status_code=404, detail="no such clip")
    if speaker is None or not speaker.available:
        raise HTTPException(status_code=503, detail="speech is unavailable on this server")
    fmt = match.group("fmt")
    # Synthesis blocks on the speech thread: keep the event loop free meanwhile.
    path = await run_in_threadpool(speaker.audio, match.group("id"), fmt, speed=round(speed, 2))
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        headers={"Cache-Control": "public, max-age=86400, immutable"},
    )
