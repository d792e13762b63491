"""Accounts: argon2 hashes only, tokens and cookies kept as digests, names and passwords checked,
roles ordered (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hall.admin import (
    AccountLocked,
    Accounts,
    AdminInvalid,
    BadCredentials,
    Role,
    check_password,
    check_user_name,
    hash_password,
    verify_password,
)
from hall.settings import Settings
from hall.store import Store
from hall.store.tables import AdminSessionRow, ApiTokenRow, UserRow, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(store: Store, settings: Settings) -> Accounts:
    accounts = Accounts(store, settings)
    accounts.add("ann", "editor", PASSWORD, by="cli")
    return accounts


def test_only_an_argon2id_hash_is_stored(accounts: Accounts, store: Store) -> None:
    with store.session(commit=False) as session:
        stored = session.scalar(select(UserRow.password_hash).where(UserRow.name == "ann"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)
    assert hash_password(PASSWORD) != stored  # salted


def test_sign_in_and_wrong_passwords(accounts: Accounts) -> None:
    assert accounts.authenticate("ann", PASSWORD).name == "ann"
    assert accounts.authenticate(" ann ", PASSWORD).name == "ann"
    for name, password in [("ann", "wrong"), ("nobody", PASSWORD), ("", ""), ("ANN", PASSWORD)]:
        with pytest.raises(BadCredentials):
            accounts.authenticate(name, password)


def test_the_lock_holds_against_the_right_password(accounts: Accounts, store: Store) -> None:
    for _ in range(5):
        with pytest.raises(BadCredentials):
            accounts.authenticate("ann", "wrong")
    with pytest.raises(AccountLocked) as locked:
        accounts.authenticate("ann", PASSWORD)
    assert timedelta(minutes=14) < locked.value.until - utcnow() <= timedelta(minutes=15)
    accounts.change("ann", by="cli", password="a brand new password")  # an admin's reset
    assert accounts.authenticate("ann", "a brand new password").name == "ann"


def test_a_disabled_account_cannot_sign_in_or_use_its_token(accounts: Accounts) -> None:
    token, _ = accounts.issue_token("ann", by="cli")
    cookie, _ = accounts.start_session(accounts.authenticate("ann", PASSWORD))
    accounts.change("ann", by="cli", disabled=True)
    with pytest.raises(BadCredentials):
        accounts.authenticate("ann", PASSWORD)
    assert accounts.from_token(token) is None
    assert accounts.from_cookie(cookie) is None
    accounts.change("ann", by="cli", disabled=False)
    assert accounts.from_token(token) is None  # revoked for good


def test_tokens_and_cookies_are_kept_as_digests(accounts: Accounts, store: Store) -> None:
    token, info = accounts.issue_token("ann", by="cli")
    cookie, csrf = accounts.start_session(accounts.authenticate("ann", PASSWORD))
    assert token.startswith("hall_")
    assert info.hint == token[:12]
    with store.session(commit=False) as session:
        digests = list(session.scalars(select(ApiTokenRow.digest)))
        sessions = list(session.scalars(select(AdminSessionRow.digest)))
    assert token not in digests
    assert cookie not in sessions
    assert all(len(d) == 64 for d in digests + sessions)
    signed = accounts.from_token(token)
    assert signed is not None
    assert (signed.name, signed.via, signed.role) == ("ann", "token", Role.EDITOR)
    by_cookie = accounts.from_cookie(cookie)
    assert by_cookie is not None
    assert (by_cookie.via, by_cookie.csrf) == ("session", csrf)
    assert by_cookie.check_csrf(csrf)
    assert not by_cookie.check_csrf(None)
    assert not by_cookie.check_csrf(csrf[:-1] + "x")
    assert signed.check_csrf(None)  # a bearer call carries no ambient credentials


def test_an_expired_session_opens_nothing(accounts: Accounts, store: Store) -> None:
    cookie, _ = accounts.start_session(accounts.authenticate("ann", PASSWORD))
    with store.session() as session:
        session.execute(update(AdminSessionRow).values(expires_at=utcnow()))
    assert accounts.from_cookie(cookie) is None
    accounts.end_session(cookie)
    assert accounts.from_cookie("") is None
    assert accounts.from_cookie("x" * 1000) is None


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("ann", True),
        ("张伟", True),
        ("li.na@hall", True),
        ("a", False),
        ("cli", False),
        ("System", False),
        ("has space", False),
        ("-dash", False),
        ("x" * 65, False),
        ("名字\n", True),
        ("<script>", False),
    ],
)
def test_user_names(name: str, ok: bool) -> None:
    if ok:
        assert check_user_name(name) == name.strip()
    else:
        with pytest.raises(AdminInvalid):
            check_user_name(name)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("ten chars!", True),
        ("nine char", False),
        ("ann", False),
        ("ANN-ANN-ANN", True),
        ("x" * 257, False),
        ("annannann0", True),
    ],
)
def test_passwords(password: str, ok: bool) -> None:
    if ok:
        assert check_password(password, name="ann") == password
    else:
        with pytest.raises(AdminInvalid):
            check_password(password, name="ann")


def test_a_password_equal_to_the_name_is_refused() -> None:
    with pytest.raises(AdminInvalid):
        check_password("longusername", name="LongUserName")


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.VIEWER, Role.VIEWER, True),
        (Role.VIEWER, Role.EDITOR, False),
        (Role.EDITOR, Role.VIEWER, True),
        (Role.EDITOR, Role.ADMIN, False),
        (Role.ADMIN, Role.EDITOR, True),
        (Role.ADMIN, Role.ADMIN, True),
    ],
)
def test_roles_are_ordered(role: Role, needed: Role, allowed: bool) -> None:
    assert role.allows(needed) is allowed


def test_an_unknown_role_names_the_valid_ones(accounts: Accounts) -> None:
    with pytest.raises(AdminInvalid, match="viewer, editor, admin"):
        accounts.add("bob", "superuser", PASSWORD, by="cli")
