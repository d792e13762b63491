"""Who may use the back office: every admin route, read off the app itself, refuses anonymous
requests (401, or a redirect to sign in for pages) and accounts below its role (403); browser
forms need their CSRF token; five failed sign-ins lock an account; the cookie is locked down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import update

from hall.admin import Role
from hall.api.routes import admin, admin_insight, admin_insight_pages, admin_pages
from hall.settings import Settings
from hall.store import Store
from hall.store.tables import UserRow, utcnow

from .admin_helpers import PASSWORDS, Hall, demo_hall

#: Routes anyone may use: the sign-in form and the pages' CSS and script.
PUBLIC = {"/admin/login", "/admin/static/{name}", "/admin/static/vendor/{name}"}
#: Path parameters that name nothing: a permitted request gets a 404 or 422, never a change.
DUMMY = {
    "code": "NO-SUCH-CODE",
    "bank": "no-such-bank",
    "upload_id": "no-such-upload",
    "question_id": "999999",
    "name": "nobody",
    "token_id": "999999",
    "entry_id": "999999",
    "cluster": "no-such-cluster",
}
RANK = [Role.VIEWER, Role.EDITOR, Role.ADMIN]
ACCOUNT = {Role.VIEWER: "vi", Role.EDITOR: "ed", Role.ADMIN: "ann"}


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    folder = tmp_path_factory.mktemp("admin-access")
    settings = Settings(
        environment="test",
        data_dir=folder / "var",
        database_url=f"sqlite:///{(folder / 'hall.sqlite3').as_posix()}",
        embedding_model="hashing",
        min_in_scope=0.0,
        clarify_threshold=0.36,
        speech_enabled=False,
    )
    store = Store.from_settings(settings)
    store.migrate()
    with demo_hall(store, settings) as hall:
        yield hall
    store.dispose()


def _role(dependant: Any) -> Role | None:
    for dependency in dependant.dependencies:
        role = getattr(dependency.call, "role", None)
        if role is not None:
            return Role(role)
        found = _role(dependency)
        if found is not None:
            return found
    return None


def _admin_routes() -> list[tuple[str, str, Role | None]]:
    """Every route of the back office's two routers (the next test checks that the app has no
    admin route elsewhere)."""
    found = []
    for router in (
        admin.router,
        admin_insight.router,
        admin_pages.router,
        admin_insight_pages.router,
    ):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if route.path in PUBLIC:
                continue
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, route.path, _role(route.dependant)))
    return found


ROUTES = _admin_routes()


def _path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: DUMMY[m.group(1)], template)


def test_the_table_covers_the_back_office(hall: Hall) -> None:
    paths = {path for _, path, _ in ROUTES}
    assert len(ROUTES) >= 60
    assert {"/api/admin/whoami", "/api/admin/users", "/admin/", "/admin/audit"} <= paths
    documented = {
        (method.upper(), path)
        for path, operations in hall.client.get("/openapi.json").json()["paths"].items()
        if path.startswith("/api/admin")
        for method in operations
    }
    assert documented == {(m, p) for m, p, _ in ROUTES if p.startswith("/api/admin")}


@pytest.mark.parametrize(("method", "path", "role"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_every_admin_route_is_guarded(
    hall: Hall, method: str, path: str, role: Role | None
) -> None:
    assert role is not None, f"{method} {path} declares no role: anyone could use it"
    client = hall.client
    client.cookies.clear()
    url = _path(path)

    anonymous = client.request(method, url, follow_redirects=False)
    if path.startswith("/api/"):
        assert anonymous.status_code == 401, anonymous.text
        assert anonymous.json()["error"] == "not_authenticated"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
    else:
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/admin/login?next=")

    for lower in RANK[: RANK.index(role)]:
        refused = client.request(
            method, url, headers=hall.auth(ACCOUNT[lower]), follow_redirects=False
        )
        assert refused.status_code == 403, (lower, refused.text)

    allowed = client.request(method, url, headers=hall.auth(ACCOUNT[role]), follow_redirects=False)
    assert allowed.status_code not in (401, 403), allowed.text


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer hall_not-a-real-token", id="unknown token"),
        pytest.param("Bearer ", id="empty"),
        pytest.param("Basic YW5uOnB3", id="basic"),
        pytest.param("Bearer " + "x" * 5000, id="huge"),
    ],
)
def test_a_bad_bearer_is_refused(hall: Hall, header: str) -> None:
    response = hall.client.get("/api/admin/whoami", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_whoami_by_token_and_by_session(hall: Hall) -> None:
    hall.client.cookies.clear()
    assert hall.client.get("/api/admin/whoami", headers=hall.auth("ed")).json() == {
        "name": "ed",
        "role": "editor",
        "via": "token",
        "csrf_token": None,
    }
    csrf = hall.sign_in("vi")
    me = hall.client.get("/api/admin/whoami").json()
    assert (me["name"], me["via"], me["csrf_token"]) == ("vi", "session", csrf)


def test_a_browser_write_needs_its_csrf_token(hall: Hall) -> None:
    hall.client.cookies.clear()
    csrf = hall.sign_in("ed")
    url = "/admin/matters/HD-0101/questions"

    missing = hall.client.post(url, data={"question": "不带令牌的问法"}, follow_redirects=False)
    wrong = hall.client.post(
        url, data={"question": "错令牌的问法", "csrf_token": "x" * 43}, follow_redirects=False
    )
    api = hall.client.post("/api/admin/matters/HD-0101/questions", json={"question": "接口问法"})

    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert api.status_code == 403
    assert "不带令牌" not in hall.client.get("/admin/matters/HD-0101").text

    good = hall.client.post(
        url, data={"question": "带令牌的问法", "csrf_token": csrf}, follow_redirects=False
    )
    header = hall.client.post(
        "/api/admin/matters/HD-0101/questions",
        json={"question": "接口带令牌的问法"},
        headers={"X-CSRF-Token": csrf},
    )
    assert good.status_code == 303
    assert header.status_code == 201


def test_another_sessions_csrf_token_is_refused(hall: Hall) -> None:
    hall.client.cookies.clear()
    theirs = hall.sign_in("ann")
    hall.client.cookies.clear()
    hall.sign_in("ed")
    response = hall.client.post(
        "/admin/matters/HD-0101/questions",
        data={"question": "借来的令牌", "csrf_token": theirs},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_the_session_cookie_is_locked_down(hall: Hall) -> None:
    hall.client.cookies.clear()
    page = hall.client.get("/admin/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token
    response = hall.client.post(
        "/admin/login",
        data={
            "username": "vi",
            "password": PASSWORDS["vi"],
            "login_csrf": token.group(1),
            "next": "/admin/audit",
        },
        follow_redirects=False,
    )
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("hall_admin="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert "httponly" in flags
    assert "samesite=strict" in flags
    assert "path=/" in flags
    assert "secure" not in flags  # plain http in this test; see the next test
    assert response.headers["location"] == "/admin/audit"


def test_the_cookie_is_secure_behind_https(store: Store, settings: Settings) -> None:
    with demo_hall(store, settings) as hall:
        client = TestClient(hall.client.app, base_url="https://hall.example")
        with client:
            page = client.get("/admin/login")
            token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
            assert token
            response = client.post(
                "/admin/login",
                data={"username": "vi", "password": PASSWORDS["vi"], "login_csrf": token.group(1)},
                follow_redirects=False,
            )
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("hall_admin=")
        )
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/admin", "/api/admin/users", "/admin\\@evil"],
)
def test_sign_in_never_redirects_off_the_back_office(hall: Hall, target: str) -> None:
    hall.client.cookies.clear()
    page = hall.client.get("/admin/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token
    response = hall.client.post(
        "/admin/login",
        data={
            "username": "vi",
            "password": PASSWORDS["vi"],
            "login_csrf": token.group(1),
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/admin/"


def test_sign_in_without_the_forms_token_is_refused(hall: Hall) -> None:
    hall.client.cookies.clear()
    response = hall.client.post(
        "/admin/login",
        data={"username": "vi", "password": PASSWORDS["vi"], "login_csrf": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "hall_admin" not in response.headers.get("set-cookie", "")


def _attempt(client: TestClient, name: str, password: str) -> Any:
    page = client.get("/admin/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token
    return client.post(
        "/admin/login",
        data={"username": name, "password": password, "login_csrf": token.group(1)},
        follow_redirects=False,
    )


def test_five_failures_lock_the_account_for_fifteen_minutes(
    store: Store, settings: Settings
) -> None:
    with demo_hall(store, settings) as hall:
        client = hall.client
        for _ in range(4):
            assert _attempt(client, "ed", "wrong password!").status_code == 401
        assert _attempt(client, "ed", PASSWORDS["ed"]).status_code == 303  # resets the count
        client.cookies.clear()
        for _ in range(5):
            failed = _attempt(client, "ed", "wrong password!")
            assert failed.status_code == 401
            assert "用户名或密码错误" in failed.text
        locked = _attempt(client, "ed", PASSWORDS["ed"])
        assert locked.status_code == 429
        assert "锁定" in locked.text
        assert "hall_admin" not in locked.headers.get("set-cookie", "")
        with store.session(commit=False) as session:
            until = session.query(UserRow).filter_by(name="ed").one().locked_until
        assert until is not None
        minutes = (until - utcnow()).total_seconds() / 60
        assert 14 < minutes <= 15
        # Another account is not affected; the lock ends when its time is up.
        assert _attempt(client, "vi", PASSWORDS["vi"]).status_code == 303
        with store.session() as session:
            session.execute(
                update(UserRow).where(UserRow.name == "ed").values(locked_until=utcnow())
            )
        client.cookies.clear()
        assert _attempt(client, "ed", PASSWORDS["ed"]).status_code == 303


def test_an_unknown_name_reads_like_a_wrong_password(hall: Hall) -> None:
    hall.client.cookies.clear()
    unknown = _attempt(hall.client, "nobody-here", "whatever password")
    wrong = _attempt(hall.client, "vi", "whatever password")
    assert unknown.status_code == wrong.status_code == 401
    message = re.compile(r'class="error"[^>]*>([^<]*)<')
    assert message.findall(unknown.text) == message.findall(wrong.text)


def test_signing_out_ends_the_session_everywhere(hall: Hall) -> None:
    hall.client.cookies.clear()
    csrf = hall.sign_in("vi")
    cookie = hall.client.cookies.get("hall_admin")
    out = hall.client.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    # The old cookie, replayed, no longer opens anything.
    replay = TestClient(hall.client.app, cookies={"hall_admin": cookie or ""})
    assert replay.get("/api/admin/whoami").status_code == 401


def test_pages_show_only_what_the_role_may_do(hall: Hall) -> None:
    hall.client.cookies.clear()
    hall.sign_in("vi")
    page = hall.client.get("/admin/matters/HD-0101").text
    assert "<fieldset disabled>" in page
    assert "添加问法" not in page
    assert 'href="/admin/users"' not in page
    assert hall.client.get("/admin/users").status_code == 403
    hall.client.cookies.clear()
    hall.sign_in("ann")
    assert 'href="/admin/users"' in hall.client.get("/admin/").text


def test_no_default_account_exists(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        embedding_model="hashing",
        speech_enabled=False,
    )
    store = Store.from_settings(settings)
    store.migrate()
    try:
        from hall.api import create_app

        with TestClient(create_app(settings, store=store)) as client:
            for name in ("admin", "root", "hall"):
                for password in ("admin", "password", "123456", "hall", ""):
                    assert _attempt(client, name, password).status_code == 401
            with store.session(commit=False) as session:
                assert session.query(UserRow).count() == 0
    finally:
        store.dispose()
