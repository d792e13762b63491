"""``/healthz``, and the OpenAPI description the portal and widget are generated from."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from hall import __version__
from hall.api import create_app
from hall.api.app import _STATE
from hall.api.routes.health import health_details
from hall.settings import Settings
from hall.store import MatterRecord, Store, upsert_matters

RECORDS = [
    MatterRecord(code="HD-0101", title="生育登记"),
    MatterRecord(code="HD-0102", title="居住证办理"),
    MatterRecord(code="HD-0103", title="护照办理"),
    MatterRecord(code="HD-0199", title="已取消的事项", status="retired"),
]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(
    ("records", "active"),
    [
        pytest.param([], 0, id="empty"),
        pytest.param(RECORDS[:1], 1, id="one"),
        pytest.param(RECORDS, 3, id="retired-not-counted"),
    ],
)
def test_healthz_and_its_details(
    store: Store, settings: Settings, records: list[MatterRecord], active: int
) -> None:
    with store.session() as session:
        upsert_matters(session, records)

    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
        state = client.app.state  # type: ignore[attr-defined]
        details = health_details(state.store, state.engine, state.speaker)

    assert response.status_code == 200
    body = response.json()
    snapshot = body.pop("snapshot")
    assert body == {
        "status": "ok",
        "version": __version__,
        # the test settings turn speech off
        "parts": {"database": "ok", "engine": "ok", "speech": "off"},
    }
    assert snapshot["matters"] == active
    assert snapshot["questions"] == 0
    assert set(snapshot["revisions"]) == {"catalogue", "lexicons", "settings"}
    assert snapshot["revision"] == sum(snapshot["revisions"].values())
    assert 0 <= snapshot["age_s"] < 60
    assert details.matters == active
    assert details.indexed == active
    assert details.backend == make_url(settings.resolved_database_url).get_backend_name()
    assert details.encoder == "hashing"
    assert details.index_key


def test_healthz_says_no_path_url_or_error(store: Store, settings: Settings) -> None:
    """Public: parts and their state only, whatever fails (a reason once showed a path)."""
    broken = settings.model_copy(update={"speech_enabled": True, "speech_voice": "no-such-voice"})
    with TestClient(create_app(broken)) as client:
        text = client.get("/healthz").text
    for secret in (str(settings.data_dir), settings.resolved_database_url, "no-such-voice"):
        assert secret not in text


def test_healthz_is_unavailable_while_the_store_is_down(store: Store, settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        client.app.state.store.ping = lambda: False  # type: ignore[attr-defined]
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["parts"]["database"] == "unavailable"


def test_healthz_creates_the_schema_of_a_new_database(client: TestClient) -> None:
    """The lifespan migrates: a fresh database serves at once, with no matters."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["parts"]["database"] == "ok"


def test_openapi_lists_the_routes(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "hall"
    assert spec["info"]["version"] == __version__
    assert {"/healthz", "/api/matters", "/api/matters/{code}"} <= set(spec["paths"])
    for path in ("/healthz", "/api/matters", "/api/matters/{code}"):
        assert set(spec["paths"][path]) == {"get"}, f"{path} is read-only"
    listing = {p["name"]: p for p in spec["paths"]["/api/matters"]["get"]["parameters"]}
    assert set(listing) == {"q", "page", "size"}
    assert "404" in spec["paths"]["/api/matters/{code}"]["get"]["responses"]


def test_docs_serve_html(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def _refreshers() -> int:
    return sum(thread.name == "hall-refresher" for thread in threading.enumerate())


def test_a_second_lifespan_on_one_app_closes_what_it_started(
    store: Store, settings: Settings
) -> None:
    """A second client on a running app (as tests do) runs the lifespan twice: each run closes
    its own refresher, and the outer run serves on with its own engine and store."""
    threads = _refreshers()
    app = create_app(settings, store=store)
    created = set(vars(app.state)["_state"])
    with TestClient(app) as outer:
        # Every name the lifespan sets is one it puts back after a nested run.
        assert set(vars(app.state)["_state"]) - created <= set(_STATE)
        engine = app.state.engine
        with TestClient(app) as inner:
            assert inner.get("/healthz").status_code == 200
            assert app.state.engine is not engine
            assert _refreshers() == threads + 2
        assert _refreshers() == threads + 1
        assert app.state.engine is engine
        assert outer.get("/healthz").json()["parts"]["engine"] == "ok"
    assert _refreshers() == threads
