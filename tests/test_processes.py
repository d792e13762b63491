"""Several processes on one store, and processes killed mid-work.

Two ``hall serve`` started at the same instant on a fresh PostgreSQL database both come up (one
used to die seeding the lexicons) and serve one conversation between them; ``--workers 2`` does
the same in one command. A ``kill -9`` during an import or during the index build leaves a
consistent store and an index the next process serves from. Real processes, so marked slow.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hall.importers import demo_catalogue
from hall.settings import Settings
from hall.store import Store, count_matters
from tests.conftest import PG_URL

pytestmark = pytest.mark.slow

needs_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="HALL_TEST_DATABASE_URL is not set"),
]


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (not a schema: as an operator would create it)."""
    assert PG_URL is not None
    name = f"hall_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, url: str | None = None, **more: str) -> dict[str, str]:
    env = {
        **os.environ,
        "HALL_ENVIRONMENT": "test",
        "HALL_DATA_DIR": str(data_dir),
        "HALL_EMBEDDING_MODEL": "hashing",
        "HALL_MIN_IN_SCOPE": "0",
        "HALL_SPEECH_ENABLED": "false",
        "HALL_RATE_LIMITS_ENABLED": "false",
        **more,
    }
    if url:
        env["HALL_DATABASE_URL"] = url
    return env


def _serve(env: dict[str, str], port: int, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hall", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _up(process: subprocess.Popen[bytes], base: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"the server exited with {process.returncode}:\n{error[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base} did not come up")


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="HALL_TEST_DATABASE_URL is not set")
@pytest.mark.parametrize("run", [1, 2, 3], ids=lambda n: f"run-{n}")
def test_two_servers_started_at_the_same_instant_both_come_up(
    fresh_database: str, tmp_path: Path, run: int
) -> None:
    env = _env(tmp_path / "var", fresh_database)
    ports = [_port(), _port()]
    servers = [_serve(env, port) for port in ports]  # no wait between them
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for server, base in zip(servers, bases, strict=True):
            _up(server, base)
        # One conversation, its turns answered by one process and then the other.
        first = httpx.post(f"{bases[0]}/api/chat", json={"message": "你好"}).json()
        second = httpx.post(
            f"{bases[1]}/api/chat", json={"session_id": first["session_id"], "message": "护照"}
        )
        assert second.status_code == 200
        assert second.json()["turn"] == 2
    finally:
        _stop(*servers)
    for server in servers:
        assert server.returncode in (0, -signal.SIGINT)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="HALL_TEST_DATABASE_URL is not set")
def test_workers_on_one_port(fresh_database: str, tmp_path: Path) -> None:
    """``hall serve --workers 2`` on a fresh database: both workers answer, from one index build."""
    port = _port()
    server = _serve(_env(tmp_path / "var", fresh_database), port, "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        _up(server, base)
        statuses = {
            httpx.get(f"{base}/api/search", params={"q": "护照"}).status_code for _ in range(40)
        }
        assert statuses == {200}
    finally:
        _stop(server)
    built = list((tmp_path / "var" / "index").glob("built-*.pickle"))
    assert len(built) == 1


# -- kill -9 ------------------------------------------------------------------------------------


def _big_catalogue(path: Path, copies: int) -> int:
    """The demo catalogue repeated under new codes: enough work to be killed in the middle of."""
    with demo_catalogue() as demo:
        records = [json.loads(line) for line in demo.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            for record in records:
                out.write(
                    json.dumps({**record, "code": f"{record['code']}-{copy}"}, ensure_ascii=False)
                    + "\n"
                )
    return copies * len(records)


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=needs_postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'var' / 'hall.sqlite3').as_posix()}"
    return str(request.getfixturevalue("fresh_database"))


def _kill_during(command: list[str], env: dict[str, str], after_s: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "hall", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after_s)
    assert process.poll() is None, "it finished before it could be killed: give it more work"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _hall(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hall", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_kill_9_during_an_import_leaves_the_store_as_it_was(store_url: str, tmp_path: Path) -> None:
    env = _env(tmp_path / "var", store_url)
    assert _hall(["demo"], env).returncode == 0
    settings = Settings(data_dir=tmp_path / "var", database_url=store_url)
    store = Store.from_settings(settings)
    with store.session(commit=False) as session:
        before = count_matters(session)
    big = tmp_path / "big.jsonl"
    _big_catalogue(big, 300)  # about 15 s of checking, then writing, in one transaction
    _kill_during(["import", str(big)], env, after_s=9)
    with store.session(commit=False) as session:
        assert count_matters(session) == before  # all or nothing: nothing
    store.dispose()
    asked = _hall(["ask", "护照"], env)
    assert asked.returncode == 0, asked.stderr
    assert "决定:" in asked.stdout


def test_kill_9_during_the_index_build_leaves_an_index_to_serve(
    store_url: str, tmp_path: Path
) -> None:
    env = _env(tmp_path / "var", store_url)
    big = tmp_path / "big.jsonl"
    total = _big_catalogue(big, 300)
    assert _hall(["import", str(big)], env).returncode == 0
    _kill_during(["ask", "护照"], env, after_s=9)  # reading, normalising, fitting: killed
    asked = _hall(["ask", "护照"], env)
    assert asked.returncode == 0, asked.stderr
    assert "护照" in asked.stdout
    manifest = json.loads((tmp_path / "var" / "index" / "manifest.json").read_text("utf-8"))
    assert manifest["matters"] == total
