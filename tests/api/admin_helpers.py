"""A demo hall with one account of each role, for the admin API and pages tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from hall.admin import Accounts
from hall.api import create_app
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store

PASSWORDS = {"ann": "ann's long password", "ed": "ed's long password", "vi": "vi's long password"}
ROLES = {"ann": "admin", "ed": "editor", "vi": "viewer"}


@dataclass
class Hall:
    client: TestClient
    store: Store
    settings: Settings
    tokens: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def sign_in(self, name: str) -> str:
        """Sign the client's browser in as ``name``; returns the session's CSRF token."""
        page = self.client.get("/admin/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
        assert token, page.text
        response = self.client.post(
            "/admin/login",
            data={
                "username": name,
                "password": PASSWORDS[name],
                "login_csrf": token.group(1),
                "next": "/admin/",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return csrf_of(self.client.get("/admin/").text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def add_accounts(store: Store, settings: Settings) -> dict[str, str]:
    accounts = Accounts(store, settings)
    tokens = {}
    for name, role in ROLES.items():
        accounts.add(name, role, PASSWORDS[name], by="cli")
        tokens[name], _ = accounts.issue_token(name, by="cli")
    return tokens


@contextmanager
def demo_hall(store: Store, settings: Settings) -> Iterator[Hall]:
    load_demo(store, settings=settings)
    tokens = add_accounts(store, settings)
    with TestClient(create_app(settings, store=store)) as client:
        yield Hall(client, store, settings, tokens)


def eventually(check: Callable[[], Any], *, timeout_s: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s (last: {result!r})")
        time.sleep(0.05)
