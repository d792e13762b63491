"""The widget's files, the demo portal and GET /api/persona over HTTP (no browser; tests/web
drives the widget in Chromium)."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.guide import Persona, save_persona
from hall.guide.persona import EXPRESSIONS, GESTURES, State
from hall.settings import Settings
from hall.store import Store

WEB = resources.files("hall").joinpath("web")
SHIPPED = json.loads(resources.files("hall.data").joinpath("persona.json").read_text("utf-8"))


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


FILES = [
    ("/", "text/html; charset=utf-8", "no-cache"),
    ("/widget.js", "text/javascript; charset=utf-8", "public, max-age=300"),
    ("/widget.css", "text/css; charset=utf-8", "public, max-age=300"),
    ("/widget/guide.svg", "image/svg+xml", "public, max-age=3600"),
]


@pytest.mark.parametrize(("path", "media_type", "cache"), FILES)
def test_files_have_their_type_cache_and_etag(
    client: TestClient, path: str, media_type: str, cache: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["cache-control"] == cache
    assert response.headers["x-content-type-options"] == "nosniff"
    assert re.fullmatch(r'"[0-9a-f]{20}"', response.headers["etag"])
    assert response.content

    again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]

    head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(response.content))


@pytest.mark.parametrize("path", ["/widget.js", "/widget.css", "/widget/guide.svg"])
def test_the_widget_files_answer_any_origin(client: TestClient, path: str) -> None:
    # A portal elsewhere fetches the art with fetch(); the script and sheet need no CORS,
    # and saying so does no harm.
    assert client.get(path).headers["access-control-allow-origin"] == "*"


def test_the_portal_itself_is_not_open_to_other_origins(client: TestClient) -> None:
    assert "access-control-allow-origin" not in client.get("/").headers


def test_the_portal_embeds_the_widget_with_one_tag(client: TestClient) -> None:
    page = client.get("/").text
    assert page.count('<script src="/widget.js" defer></script>') == 1
    assert '<html lang="zh-CN">' in page
    assert "http://" not in page.replace("http://127", "")  # nothing from a CDN


@pytest.mark.parametrize(
    "name",
    [
        "nope.svg",
        "widget.js",  # not art
        "index.html",
        "guide.SVG",
        ".guide.svg",
        "..%2Fwidget.js",
        "%2e%2e%2fwidget.css",
        "guide.svg%00.png",
        "a" * 70 + ".svg",
    ],
)
def test_only_art_files_are_served_as_art(client: TestClient, name: str) -> None:
    assert client.get(f"/widget/{name}").status_code == 404


def test_static_routes_stay_out_of_the_api_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/persona" in paths
    assert not {"/", "/widget.js", "/widget.css", "/widget/{name}"} & set(paths)


def test_the_widget_stays_under_its_weight_goal() -> None:
    """widget.js + widget.css under 100 KB uncompressed (the art not counted)."""
    weight = sum(len(WEB.joinpath(name).read_bytes()) for name in ("widget.js", "widget.css"))
    assert weight < 100_000, weight


def test_the_widget_fetches_nothing_from_elsewhere() -> None:
    for name in ("widget.js", "widget.css", "guide.svg", "index.html"):
        text = re.sub(
            r"/\*.*?\*/|<!--.*?-->", "", WEB.joinpath(name).read_text("utf-8"), flags=re.S
        )
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", text), name
        assert "@import" not in text, name


def test_the_art_draws_every_expression_and_gesture_the_persona_may_name() -> None:
    root = ET.fromstring(WEB.joinpath("guide.svg").read_bytes())
    declared_expressions = set(root.attrib["data-expressions"].split())
    declared_gestures = set(root.attrib["data-gestures"].split())
    assert declared_expressions >= set(EXPRESSIONS)
    assert declared_gestures >= set(GESTURES)
    drawn = {g.attrib["data-expr"] for g in root.iter() if "data-expr" in g.attrib}
    assert drawn == declared_expressions
    style = "".join(s.text or "" for s in root.iter("{http://www.w3.org/2000/svg}style"))
    for expression in declared_expressions:
        assert f'[data-expression="{expression}"] [data-expr="{expression}"]' in style
    for gesture in declared_gestures - {"idle"}:
        assert f'[data-gesture="{gesture}"]' in style, gesture
    assert "prefers-reduced-motion" in style
    # no ids: the widget shows the art twice (the guide and the launcher's face)
    assert not [e for e in root.iter() if "id" in e.attrib]


def test_persona_gives_the_shipped_name_and_looks(client: TestClient) -> None:
    response = client.get("/api/persona")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("name", "looks")} == {"name": "小政", "looks": SHIPPED["looks"]}
    assert set(body["looks"]) == {state.value for state in State}
    # what the widget says by itself: the persona's phrasings, filled
    assert set(body["phrasings"]) == {"idle", "listening", "thinking"}
    assert body["phrasings"]["listening"] == SHIPPED["phrasings"]["listening"]
    idle = [t.replace("{name}", "小政") for t in SHIPPED["phrasings"]["idle"]]
    assert body["phrasings"]["idle"] == idle
    assert not any("{" in t for ts in body["phrasings"].values() for t in ts)


def test_persona_name_follows_the_settings(store: Store, settings: Settings) -> None:
    named = settings.model_copy(update={"guide_name": "小安"})
    with TestClient(create_app(named)) as client:
        assert client.get("/api/persona").json()["name"] == "小安"


def test_persona_follows_the_admins_edit(client: TestClient, store: Store) -> None:
    edited = Persona.from_dict(
        {
            "name": "小办",
            # new art names pass through: the widget falls back to neutral / idle
            "looks": {"welcome": {"expression": "wink", "gesture": "confetti"}},
        }
    )
    save_persona(store, edited, by="admin")
    # Live within seconds: the process's snapshot follows the store's revision.
    deadline = time.monotonic() + 5
    while (body := client.get("/api/persona").json())["name"] != "小办":
        assert time.monotonic() < deadline, "the persona edit did not reach the process in 5 s"
        time.sleep(0.1)
    assert body["name"] == "小办"
    assert body["looks"]["welcome"] == {"expression": "wink", "gesture": "confetti"}
    assert body["looks"]["idle"] == SHIPPED["looks"]["idle"]


def test_the_widgets_own_phrasings_follow_the_admins_edit(client: TestClient, store: Store) -> None:
    edited = Persona.from_dict(
        {"phrasings": {"listening": ["{name}在听，您说。"], "thinking": ["稍等，{name}查一查。"]}}
    )
    save_persona(store, edited, by="admin")
    deadline = time.monotonic() + 5
    while (body := client.get("/api/persona").json())["phrasings"]["listening"] != [
        "小政在听，您说。"
    ]:
        assert time.monotonic() < deadline, "the persona edit did not reach the process in 5 s"
        time.sleep(0.1)
    assert body["phrasings"]["thinking"] == ["稍等，小政查一查。"]
