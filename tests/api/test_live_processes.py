"""Two ``hall serve`` processes on one store (a SQLite file, a PostgreSQL schema): an editor's
change through one is answered by the other within five seconds -- the issue's acceptance."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

QUESTION = "屋里头要添个小娃娃咋个登记"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _call(method: str, url: str, *, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Hall:
    """The environment of one hall (its store) and the processes serving it."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
        self.env.update(
            HALL_ENVIRONMENT="test",
            HALL_DATABASE_URL=database_url,
            HALL_EMBEDDING_MODEL="hashing",
            HALL_MIN_IN_SCOPE="0",
            HALL_CLARIFY_THRESHOLD="0.36",
            HALL_SPEECH_ENABLED="false",
            HALL_REFRESH_INTERVAL_S="1",
        )
        self.processes: list[subprocess.Popen[bytes]] = []

    def hall(self, *args: str, stdin: str | None = None, data_dir: str = "cli") -> str:
        env = {**self.env, "HALL_DATA_DIR": str(self.folder / data_dir)}
        done = subprocess.run(
            [sys.executable, "-m", "hall", *args],
            env=env,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            timeout=300,
            check=True,
        )
        return done.stdout.decode().strip()

    def serve(self, name: str) -> str:
        port = _free_port()
        env = {**self.env, "HALL_DATA_DIR": str(self.folder / name)}
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "hall", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (self.folder / f"{name}.log").read_text()
            try:
                if _call("GET", url + "/healthz")[1]["parts"]["engine"] == "ok":
                    return url
            except OSError:
                pass
            assert time.monotonic() < deadline, "hall serve did not start"
            time.sleep(0.3)

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def hall(tmp_path: Path, database_url: str) -> Iterator[Hall]:
    hall = Hall(tmp_path, database_url)
    try:
        yield hall
    finally:
        hall.close()


def _first(url: str, question: str) -> str | None:
    query = urllib.parse.urlencode({"q": question})
    results = _call("GET", f"{url}/api/search?{query}")[1]["results"]
    return results[0]["code"] if results else None


def test_an_edit_through_one_process_is_answered_by_the_other(hall: Hall) -> None:
    hall.hall("demo")
    hall.hall(
        "users",
        "add",
        "zhang.wei",
        "--role",
        "editor",
        "--password-stdin",
        stdin="zhang wei's long password\n",
    )
    hall.hall(
        "users",
        "add",
        "li.na",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="li na's long password\n",
    )
    editor = hall.hall("users", "token", "zhang.wei")
    viewer = hall.hall("users", "token", "li.na")
    first, second = hall.serve("one"), hall.serve("two")
    assert _first(second, QUESTION) != "HD-0101"

    path = "/api/admin/matters/HD-0101/questions"
    assert _call("POST", first + path, body={"question": QUESTION})[0] == 401
    assert _call("POST", first + path, body={"question": QUESTION}, token=viewer)[0] == 403
    status, _ = _call("POST", first + path, body={"question": QUESTION}, token=editor)
    assert status == 201
    started = time.monotonic()
    while _first(second, QUESTION) != "HD-0101":
        assert time.monotonic() - started < 5, "the other process did not answer within 5 s"
        time.sleep(0.1)

    _, audit = _call("GET", second + "/api/admin/audit?target_id=HD-0101", token=viewer)
    assert audit["data"][0]["actor"] == "zhang.wei"
    assert audit["data"][0]["after"]["question"] == QUESTION
    one, two = (_call("GET", url + "/healthz")[1]["snapshot"] for url in (first, second))
    assert one["revisions"] == two["revisions"]
    assert one["questions"] == two["questions"]


def test_a_lesson_through_one_process_is_answered_by_the_other(hall: Hall) -> None:
    """Issue 12's acceptance across processes: citizens ask through one process, the insight
    is read through the other, the lesson goes through the first, the second answers."""
    blue = ["小蓝本本怎么弄", "小蓝本本在哪里办", "小蓝本本要带啥材料"]
    hall.hall("demo")
    hall.hall(
        "users",
        "add",
        "zhang.wei",
        "--role",
        "editor",
        "--password-stdin",
        stdin="zhang wei's long password\n",
    )
    editor = hall.hall("users", "token", "zhang.wei")
    first, second = hall.serve("one"), hall.serve("two")
    for question in blue:
        status, reply = _call("POST", first + "/api/chat", body={"message": question})
        assert status == 200
        assert reply["reply"]["decision"] in ("none", "clarify")

    _, found = _call("GET", second + "/api/admin/insight/clusters", token=editor)
    (cluster,) = [c for c in found["clusters"] if set(c["questions"]) == set(blue)]
    status, _ = _call(
        "POST",
        f"{first}/api/admin/insight/clusters/{cluster['id']}/teach",
        body={"action": "questions", "matter": "HD-0408"},
        token=editor,
    )
    assert status == 200
    started = time.monotonic()
    while _first(second, "小蓝本本在哪里办") != "HD-0408":
        assert time.monotonic() - started < 5, "the other process did not answer within 5 s"
        time.sleep(0.1)
