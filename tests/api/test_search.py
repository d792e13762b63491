"""GET /api/search: the engine's decision over HTTP, with the history written behind it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store, list_history


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings=settings)
    with TestClient(create_app(settings)) as client:
        yield client


DECISIONS = [
    pytest.param("驾照丢了怎么办", "answer", "HD-0402", id="answer"),
    pytest.param("你好", "none", None, id="greeting"),
    pytest.param("", "none", None, id="empty"),
    pytest.param("你个傻逼", "none", None, id="rude"),
]


@pytest.mark.parametrize(("q", "decision", "code"), DECISIONS)
def test_search_decides(client: TestClient, q: str, decision: str, code: str | None) -> None:
    response = client.get("/api/search", params={"q": q})
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == decision
    assert set(body) >= {"query", "normalized", "decision", "results"}
    if code is None:
        assert body["results"] == []
        assert body["reply"]
    else:
        assert body["results"][0]["code"] == code
        assert 0.0 <= body["results"][0]["score"] <= 1.0
        assert any(reason.startswith("synonym: 驾照") for reason in body["results"][0]["why"])


@pytest.mark.parametrize(
    ("q", "name", "needed", "at_least"),
    [
        ("孩子出生后要办哪些手续", "新生儿出生", {"HD-0103", "HD-0105", "HD-0417", "HD-0119"}, 3),
        ("家中长辈过世了要办哪些手续", "身后事", {"HD-0109"}, 1),
        ("我准备开个小饭馆要办哪些证", "开饭店", {"HD-0709"}, 1),
    ],
)
def test_a_life_event_comes_with_its_matters(
    client: TestClient, q: str, name: str, needed: set[str], at_least: int
) -> None:
    body = client.get("/api/search", params={"q": q}).json()
    assert body["event"]["name"] == name
    codes = [m["code"] for m in body["event"]["matters"]]
    assert len(set(codes) & needed) >= at_least
    assert len(codes) >= 2
    assert all(m["title"] for m in body["event"]["matters"])


def test_distress_inside_a_question_comes_with_care(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "失业了不想活了怎么领失业金"}).json()
    assert "12356" in body["care"]
    assert body["decision"] in ("answer", "clarify")
    assert "care" not in client.get("/api/search", params={"q": "驾照丢了怎么办"}).json()


def test_one_matter_has_no_event(client: TestClient) -> None:
    assert "event" not in client.get("/api/search", params={"q": "驾照丢了怎么办"}).json()


def test_rude_words_are_masked_in_query_reply_and_history(client: TestClient, store: Store) -> None:
    body = client.get("/api/search", params={"q": "你个傻逼"}).json()
    assert "傻逼" not in body["query"]
    assert "傻逼" not in body["reply"]
    client.app.state.history.flush()  # type: ignore[attr-defined]  # written in bulk, behind
    with store.session(commit=False) as session:
        history = list_history(session)
    assert history
    assert "傻逼" not in history[0].query
    assert history[0].decision == "none"


def test_every_search_is_written_to_the_history(client: TestClient, store: Store) -> None:
    client.get("/api/search", params={"q": "驾照丢了怎么办"})
    with store.session(commit=False) as session:
        assert list_history(session) == []  # not yet: not on the request's path
    deadline = time.monotonic() + 10
    while True:  # the history's thread writes it within half a second
        with store.session(commit=False) as session:
            found = list_history(session)
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    (item,) = found
    assert (item.decision, item.matter_code) == ("answer", "HD-0402")
    assert item.normalized


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="q-missing"),
        pytest.param({"q": "x" * 501}, id="q-too-long"),
        pytest.param({"q": "护照", "k": 0}, id="k-zero"),
        pytest.param({"q": "护照", "k": 21}, id="k-too-big"),
    ],
)
def test_bad_parameters_are_422(client: TestClient, params: dict[str, object]) -> None:
    assert client.get("/api/search", params=params).status_code == 422


def test_k_bounds_the_results(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "身份证", "k": 2}).json()
    assert len(body["results"]) <= 2


def test_openapi_documents_search(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/search" in spec["paths"]
    assert "SearchPublic" in spec["components"]["schemas"]
