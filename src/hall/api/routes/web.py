"""The citizen's side in a browser: the demo portal, the embeddable widget, the guide's art.

A portal embeds the guide with one tag (``<script src="https://hall.example/widget.js"
data-hall="https://hall.example" defer></script>``); the script loads ``widget.css`` and the
art from the same base, and ``GET /api/persona`` tells it the guide's name, which expression
and gesture each state shows, and what the guide says in the states the widget shows by itself
(idle, listening, thinking). The files ship inside the package (``hall/web``) and are read
with ``importlib.resources``. Every file carries an ETag of its content: portals' visitors
revalidate cheaply and see a new release within ``max-age``. The widget's files answer any
origin (the portal is elsewhere); the API's own CORS policy is the app's business.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field

from hall.api.deps import EngineDep
from hall.guide import State
from hall.guide.persona import fill_template

__all__ = ["GuidePublic", "LookPublic", "router"]

router = APIRouter(tags=["web"])

#: name -> (content type, Cache-Control) of the widget's fixed files.
FILES = {
    "index.html": ("text/html; charset=utf-8", "no-cache"),
    "portal.css": ("text/css; charset=utf-8", "public, max-age=300"),
    "portal.js": ("text/javascript; charset=utf-8", "public, max-age=300"),
    "widget.js": ("text/javascript; charset=utf-8", "public, max-age=300"),
    "widget.css": ("text/css; charset=utf-8", "public, max-age=300"),
}
#: suffix -> content type of the guide's art under ``/widget/``.
ART = {"svg": "image/svg+xml", "png": "image/png", "webp": "image/webp"}
ART_CACHE = "public, max-age=3600"
_ART_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.(?P<suffix>[a-z]+)$")


def _folder() -> Traversable:
    return resources.files("hall").joinpath("web")


def _serve(request: Request, name: str, media_type: str, cache_control: str) -> Response:
    path = _folder().joinpath(name)
    if not path.is_file():
        raise HTTPException(status_code=404, detail=f"no such file: {name}")
    content = path.read_bytes()
    etag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
    }
    if name not in ("index.html", "portal.css", "portal.js"):  # the widget's, for any portal
        headers["Access-Control-Allow-Origin"] = "*"
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else content
    headers["Content-Length"] = str(len(content))
    return Response(body, media_type=media_type, headers=headers)


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def portal(request: Request) -> Response:
    """The demo portal: a placeholder government page that embeds the widget."""
    return _serve(request, "index.html", *FILES["index.html"])


@router.api_route("/portal.css", methods=["GET", "HEAD"], include_in_schema=False)
def portal_css(request: Request) -> Response:
    return _serve(request, "portal.css", *FILES["portal.css"])


@router.api_route("/portal.js", methods=["GET", "HEAD"], include_in_schema=False)
def portal_js(request: Request) -> Response:
    return _serve(request, "portal.js", *FILES["portal.js"])


@router.api_route("/widget.js", methods=["GET", "HEAD"], include_in_schema=False)
def widget_js(request: Request) -> Response:
    return _serve(request, "widget.js", *FILES["widget.js"])


@router.api_route("/widget.css", methods=["GET", "HEAD"], include_in_schema=False)
def widget_css(request: Request) -> Response:
    return _serve(request, "widget.css", *FILES["widget.css"])


@router.api_route("/widget/{name}", methods=["GET", "HEAD"], include_in_schema=False)
def widget_art(request: Request, name: Annotated[str, Path(max_length=80)]) -> Response:
    """The guide's art (``guide.svg``); only plain names of art files, nothing else."""
    match = _ART_NAME.match(name)
    if match is None or match.group("suffix") not in ART:
        raise HTTPException(status_code=404, detail=f"no such art: {name}")
    return _serve(request, name, ART[match.group("suffix")], ART_CACHE)


#: The states the widget enters by itself, without a reply: it says their phrasings too.
WIDGET_STATES = (State.IDLE, State.LISTENING, State.THINKING)


class LookPublic(BaseModel):
    expression: str = Field(examples=["smile"])
    gesture: str = Field(examples=["wave"])


class GuidePublic(BaseModel):
    """The guide as the widget draws it."""

    name: str = Field(examples=["小政"])
    looks: dict[str, LookPublic] = Field(
        description="State (idle, welcome, listening, thinking, answering, clarifying, "
        "apologising, goodbye) -> its expression and gesture. Admins may name new art: a "
        "client falls back to neutral / idle for identifiers it does not know.",
        examples=[{"welcome": {"expression": "smile", "gesture": "wave"}}],
    )
    phrasings: dict[str, list[str]] = Field(
        description="What the guide says in the states the widget shows by itself: idle (the "
        "panel waits), listening (the citizen types), thinking (a reply is on its way); the "
        "persona's phrasings, filled. The widget picks one each time it enters the state.",
        examples=[{"listening": ["您请说，我在听。"], "thinking": ["好的，我帮您查一查。"]}],
    )


@router.get(
    "/api/persona",
    response_model=GuidePublic,
    tags=["chat"],
    summary="The guide's name, looks and the words of the states the widget shows itself",
    description="What the widget needs to animate the guide: its name and, for each state, "
    "the expression and gesture to show (the admin's persona over the shipped one). Replies "
    "of `POST /api/chat` carry the look of their own state; the widget uses these, and the "
    "persona's phrasings, for the states it shows by itself (idle, listening while the citizen "
    "types, thinking while it waits).",
)
def persona(engine: EngineDep) -> GuidePublic:
    snapshot = engine.snapshot
    data = snapshot.persona.to_dict()
    looks = {state: LookPublic(**look) for state, look in data["looks"].items()}
    fill = {"name": snapshot.persona.name, **snapshot.hall.fills()}
    phrasings = {
        state.value: [fill_template(t, fill) for t in snapshot.persona.phrasings[state]]
        for state in WIDGET_STATES
    }
    return GuidePublic(name=data["name"], looks=looks, phrasings=phrasings)
