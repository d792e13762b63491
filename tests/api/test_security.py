"""Security headers on every response, CORS for the public API only, /docs from the package, and
per-client rate limits with 429 and Retry-After."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.api.middleware import ADMIN_PREFIXES
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store

PORTAL = "https://portal.example"
EVIL = "http://evil.example"


def _with_admin_routes(app: FastAPI) -> FastAPI:
    """Stand-ins for the back office's routes, which the CORS rule must cover by prefix."""
    admin = APIRouter()

    @admin.get("/api/admin/health")
    def admin_api() -> dict[str, str]:
        return {"secret": "only for admins"}

    @admin.post("/api/admin/matters")
    def admin_write() -> dict[str, str]:
        return {"done": "yes"}

    @admin.get("/admin/")
    def admin_page() -> dict[str, str]:
        return {"page": "back office"}

    app.include_router(admin)
    return app


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings=settings)
    with TestClient(_with_admin_routes(create_app(settings)), raise_server_exceptions=False) as c:
        yield c


# -- headers ----------------------------------------------------------------------------------

#: (method, path, body): a page, the widget, the API, docs, errors of every kind.
REQUESTS = [
    ("GET", "/", None),
    ("GET", "/widget.js", None),
    ("GET", "/widget/guide.svg", None),
    ("GET", "/docs", None),
    ("GET", "/openapi.json", None),
    ("GET", "/healthz", None),
    ("GET", "/api/matters", None),
    ("GET", "/api/search?q=护照", None),
    ("POST", "/api/chat", {"message": "你好"}),
    ("GET", "/api/matters/NOPE", None),  # 404
    ("GET", "/api/search", None),  # 422
    ("DELETE", "/api/chat", None),  # 405
    ("GET", "/api/admin/health", None),
    ("GET", "/admin/", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), REQUESTS, ids=[f"{m} {p}" for m, p, _ in REQUESTS]
)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, body: object
) -> None:
    response = client.request(method, path, json=body)
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    csp = dict(part.split(" ", 1) for part in headers["content-security-policy"].split("; "))
    assert csp["script-src"] == "'self'"  # no inline script, no other origin
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'self'"
    admin = path.startswith(ADMIN_PREFIXES)
    assert (csp["style-src"] == "'self'") is admin  # the back office styles only from files


def test_an_unexpected_error_carries_them_too(store: Store, settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("/srv/hall secret")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "the service failed", "error": "internal_error"}
    assert "secret" not in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("ancestors", "csp", "frame_options"),
    [
        (["'self'"], "frame-ancestors 'self'", "SAMEORIGIN"),
        (["'none'"], "frame-ancestors 'none'", "DENY"),
        (["'self'", PORTAL], f"frame-ancestors 'self' {PORTAL}", None),
    ],
)
def test_frame_ancestors_is_a_setting(
    store: Store, settings: Settings, ancestors: list[str], csp: str, frame_options: str | None
) -> None:
    framed = settings.model_copy(update={"frame_ancestors": ancestors})
    with TestClient(create_app(framed)) as client:
        headers = client.get("/").headers
    assert csp in headers["content-security-policy"]
    assert headers.get("x-frame-options") == frame_options


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    """What the CSP forbids, our own pages do not need: scripts and styles come from files."""
    for path in ("/", "/docs"):
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"{path}: inline {tag}"
        assert "<style" not in html
        assert " style=" not in html
        assert "onclick=" not in html
        assert "onload=" not in html


# -- CORS -------------------------------------------------------------------------------------


@pytest.fixture
def production(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings=settings)
    portal_only = settings.model_copy(
        update={"environment": "production", "cors_origins": [PORTAL]}
    )
    with TestClient(_with_admin_routes(create_app(portal_only))) as client:
        yield client


def _preflight(client: TestClient, path: str, origin: str, method: str = "POST") -> object:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_production_grants_only_the_listed_portal(production: TestClient) -> None:
    evil = production.post("/api/chat", json={"message": "你好"}, headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in evil.headers
    assert _preflight(production, "/api/chat", EVIL).status_code == 400  # type: ignore[attr-defined]
    portal = production.post("/api/chat", json={"message": "你好"}, headers={"Origin": PORTAL})
    assert portal.headers["access-control-allow-origin"] == PORTAL
    assert "access-control-allow-credentials" not in portal.headers


@pytest.mark.parametrize(
    "configured",
    [
        pytest.param({"cors_origins": ["*"]}, id="any-origin"),
        pytest.param({"environment": "production", "cors_origins": [PORTAL]}, id="portal-only"),
    ],
)
def test_admin_routes_are_never_granted(
    store: Store, settings: Settings, configured: dict[str, object]
) -> None:
    """Whatever the origins (even '*'), a browser elsewhere can never read the back office."""
    app = _with_admin_routes(create_app(settings.model_copy(update=configured)))
    with TestClient(app) as client:
        for path, method in [
            ("/api/admin/health", "GET"),
            ("/api/admin/matters", "POST"),
            ("/admin/", "GET"),
        ]:
            for origin in (EVIL, PORTAL):
                response = client.request(method, path, headers={"Origin": origin})
                assert "access-control-allow-origin" not in response.headers
                preflight = _preflight(client, path, origin, method)
                assert "access-control-allow-origin" not in preflight.headers  # type: ignore[attr-defined]


def test_development_lets_any_portal_call_the_public_api(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "你好"}, headers={"Origin": EVIL})
    assert response.headers["access-control-allow-origin"] == "*"


# -- docs -------------------------------------------------------------------------------------


def test_docs_come_from_the_package(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources == [
        "/widget/guide.svg",
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/docs.js",
    ]
    assert 'data-openapi="/openapi.json"' in page.text
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 200
        etag = asset.headers["etag"]
        assert client.get(source, headers={"If-None-Match": etag}).status_code == 304
    assert "SwaggerUIBundle" in client.get("/docs/swagger-ui-bundle.js").text
    assert client.get("/redoc").status_code == 404  # ReDoc came from a CDN: gone


# -- rate limits ------------------------------------------------------------------------------


def test_one_client_gets_429_after_the_limit(store: Store, settings: Settings) -> None:
    """300 requests in a few seconds from one client: the first 60 answered, the rest 429."""
    load_demo(store, settings=settings)
    with TestClient(create_app(settings)) as client:
        statuses = [client.get("/api/search", params={"q": "护照"}).status_code for _ in range(300)]
        refused = client.get("/api/search", params={"q": "护照"})
        other_route = client.get("/api/matters")
    assert statuses[:60] == [200] * 60
    assert set(statuses[60:]) == {429}
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "content-security-policy" in refused.headers
    assert other_route.status_code == 200  # the catalogue is not limited


@pytest.mark.parametrize(
    ("setting", "method", "path", "body"),
    [
        ("rate_limit_chat", "POST", "/api/chat", {"message": "你好"}),
        ("rate_limit_search", "GET", "/api/search?q=护照", None),
        (
            "rate_limit_feedback",
            "POST",
            "/api/feedback",
            {"session_id": "x", "turn": 1, "helpful": True},
        ),
        ("rate_limit_speech", "GET", "/api/speech/" + "a" * 32 + ".wav", None),
    ],
)
def test_each_public_route_has_its_limit(
    store: Store, settings: Settings, setting: str, method: str, path: str, body: object
) -> None:
    strict = settings.model_copy(update={setting: "3/minute"})
    with TestClient(create_app(strict)) as client:
        statuses = [client.request(method, path, json=body).status_code for _ in range(5)]
    assert 429 not in statuses[:3]
    assert statuses[3:] == [429, 429]


def test_clients_are_counted_apart(store: Store, settings: Settings) -> None:
    strict = settings.model_copy(update={"rate_limit_search": "2/minute"})
    with TestClient(create_app(strict), client=("10.0.0.1", 1000)) as one:
        assert [one.get("/api/search?q=x").status_code for _ in range(3)] == [200, 200, 429]
        other = TestClient(one.app, client=("10.0.0.2", 1000))  # the same app, running
        assert other.get("/api/search?q=x").status_code == 200
        assert one.get("/api/search?q=x").status_code == 429


def test_limits_can_be_turned_off(store: Store, settings: Settings) -> None:
    off = settings.model_copy(
        update={"rate_limit_search": "1/minute", "rate_limits_enabled": False}
    )
    with TestClient(create_app(off)) as client:
        assert {client.get("/api/search?q=x").status_code for _ in range(5)} == {200}


def _redis_url() -> str | None:
    """A Redis to share the counts in (CI runs one at 127.0.0.1:6379), or None."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return "redis://127.0.0.1:6379/15"
    except OSError:
        return None


def test_processes_sharing_redis_count_a_client_once(store: Store, settings: Settings) -> None:
    """Two apps (two processes, or two machines) on one Redis: a client's requests add up."""
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis at 127.0.0.1:6379")
    shared = settings.model_copy(
        update={"rate_limit_storage": url, "rate_limit_search": "4/minute"}
    )
    first, second = create_app(shared), create_app(shared)
    client = (f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(256)}", 1000)
    with TestClient(first, client=client) as one, TestClient(second, client=client) as two:
        statuses = [c.get("/api/search?q=x").status_code for c in (one, two, one, two, one, two)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert first.state.rate_limiter.shared
