"""``hall users``: the first admin is made on the command line; passwords come on standard
input only; every change is audited as ``cli`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from typer.testing import CliRunner, Result

from hall.admin import Accounts
from hall.cli import app
from hall.settings import Settings
from hall.store import Store, list_audit

runner = CliRunner()


def invoke(args: Sequence[str], stdin: str | None = None) -> Result:
    result = runner.invoke(app, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"hall crashed:\n{result.output}") from result.exception
    return result


@pytest.fixture
def store(env_settings: Settings) -> Store:
    store = Store.from_settings(env_settings)
    store.migrate()
    return store


def test_the_first_admin_signs_in_with_the_password_given(
    store: Store, env_settings: Settings
) -> None:
    added = invoke(
        ["users", "add", "ann", "--role", "admin", "--password-stdin"], "ann's long password\n"
    )
    assert added.exit_code == 0, added.output
    assert "ann's long password" not in added.output
    user = Accounts(store, env_settings).authenticate("ann", "ann's long password")
    assert user.role == "admin"
    with store.session(commit=False) as session:
        entry = list_audit(session, target_type="user")[0][0]
    assert (entry.actor, entry.action, entry.target_id) == ("cli", "create", "ann")


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        pytest.param(["users", "add", "ann"], None, 2, id="no-password-stdin"),
        pytest.param(["users", "add", "ann", "--password-stdin"], "short\n", 1, id="weak"),
        pytest.param(
            ["users", "add", "ann", "--role", "root", "--password-stdin"],
            "a long password\n",
            1,
            id="role",
        ),
        pytest.param(["users", "disable", "nobody"], None, 3, id="unknown"),
        pytest.param(["users", "token", "nobody"], None, 3, id="unknown-token"),
    ],
)
def test_refusals_have_exit_codes(
    store: Store, args: list[str], stdin: str | None, code: int
) -> None:
    result = invoke(args, stdin)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_list_disable_enable_token_and_password(store: Store, env_settings: Settings) -> None:
    invoke(["users", "add", "ed", "--role", "editor", "--password-stdin"], "ed's long password\n")
    duplicate = invoke(["users", "add", "ed", "--password-stdin"], "another password\n")
    assert duplicate.exit_code == 1
    token = invoke(["users", "token", "ed"]).output.strip()
    accounts = Accounts(store, env_settings)
    signed = accounts.from_token(token)
    assert signed is not None
    assert signed.name == "ed"

    listed = invoke(["users", "list"]).output
    assert "ed" in listed
    assert "editor" in listed
    assert "active" in listed

    assert invoke(["users", "disable", "ed"]).exit_code == 0
    assert "disabled" in invoke(["users", "list"]).output
    assert accounts.from_token(token) is None
    assert invoke(["users", "enable", "ed"]).exit_code == 0
    changed = invoke(["users", "password", "ed", "--password-stdin"], "ed's new password!\n")
    assert changed.exit_code == 0
    assert accounts.authenticate("ed", "ed's new password!").name == "ed"
    with store.session(commit=False) as session:
        actions = [e.action for e in list_audit(session, actor="cli")[0]]
    assert actions.count("update") == 3
    assert "create_token" in actions
