"""``/healthz``, and the OpenAPI description the portal and widget are generated from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from hall import __version__
from hall.api import create_app
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
def test_healthz(
    store: Store, settings: Settings, records: list[MatterRecord], active: int
) -> None:
    with store.session() as session:
        upsert_matters(session, records)

    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    snapshot = body.pop("snapshot")
    assert body == {
        "status": "ok",
        "version": __version__,
        "database": make_url(settings.resolved_database_url).get_backend_name(),
        "matters": active,
        "engine": "ready",
        "encoder": "hashing",
        "speech": "off",  # the test settings turn speech off
    }
    assert snapshot["matters"] == active
    assert snapshot["questions"] == 0
    assert set(snapshot["revisions"]) == {"catalogue", "lexicons", "settings"}
    assert snapshot["revision"] == sum(snapshot["revisions"].values())
    assert 0 <= snapshot["age_s"] < 60


def test_healthz_creates_the_schema_of_a_new_database(client: TestClient) -> None:
    """The lifespan migrates: a fresh database serves at once, with no matters."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["matters"] == 0
    assert response.json()["database"] in {"sqlite", "postgresql"}


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
