"""Hostile input on every route, on SQLite and PostgreSQL: a 4xx in the one error shape (or a
polite answer), never a 5xx, and no refusal repeats what was sent.

The table is what a probe of the running service found (lone surrogates, NUL on PostgreSQL,
integers past a column's range, an echo of 10 MB) and what an attacker tries next.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store, list_history

#: Strings that must never come back in an error: markup, a blocked word, a probe's marker.
MARKERS = ("<script>", "傻逼", "PROBE-7f3a")


@dataclass(frozen=True)
class Case:
    method: str
    url: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None
    status: set[int] | None = None  # None: any 4xx


def _raw(body: str) -> bytes:
    """A JSON body written by hand (``json.dumps`` would escape what we want sent raw)."""
    return body.encode("utf-8", "surrogatepass")


JSON = {"content-type": "application/json"}
BIG_INT = 2**63
CASES = {
    # -- POST /api/chat -----------------------------------------------------------------------
    "chat-surrogate-message": Case(
        "POST", "/api/chat", content=b'{"message": "\\ud800"}', headers=JSON
    ),
    "chat-surrogate-session": Case(
        "POST", "/api/chat", content=b'{"session_id": "\\udfff", "message": "hi"}', headers=JSON
    ),
    "chat-nul-message": Case("POST", "/api/chat", json={"message": "办\x00证"}),
    "chat-nul-session": Case("POST", "/api/chat", json={"session_id": "ab\x00cd", "message": "x"}),
    "chat-control-message": Case("POST", "/api/chat", json={"message": "a\x1b[31mb"}),
    "chat-script-session": Case(
        "POST", "/api/chat", json={"session_id": "<script>", "message": "x"}
    ),
    "chat-long-message": Case("POST", "/api/chat", json={"message": "PROBE-7f3a" + "办" * 600}),
    "chat-message-object": Case("POST", "/api/chat", json={"message": {"<script>": 1}}),
    "chat-message-list": Case("POST", "/api/chat", json={"message": ["傻逼"]}),
    "chat-message-number": Case("POST", "/api/chat", json={"message": BIG_INT}),
    "chat-not-json": Case("POST", "/api/chat", content=b"<script>alert(1)</script>", headers=JSON),
    "chat-bad-utf8": Case("POST", "/api/chat", content=b'{"message": "\xff\xfe"}', headers=JSON),
    "chat-array-body": Case("POST", "/api/chat", json=["<script>"]),
    "chat-deep-json": Case("POST", "/api/chat", content=b"[" * 5000 + b"]" * 5000, headers=JSON),
    "chat-extra-key": Case(
        "POST", "/api/chat", content=b'{"message": 1, "<script>\\ud800": 2}', headers=JSON
    ),
    "chat-10mb": Case(
        "POST",
        "/api/chat",
        content=b'{"message": "' + b"PROBE-7f3a" * 1_000_000 + b'"}',
        headers=JSON,
        status={413},
    ),
    "chat-speak-not-bool": Case("POST", "/api/chat", json={"message": "x", "speak": "<script>"}),
    # -- POST /api/feedback -------------------------------------------------------------------
    "feedback-turn-2^63": Case(
        "POST", "/api/feedback", json={"session_id": "abc", "turn": BIG_INT, "helpful": True}
    ),
    "feedback-turn-2^31": Case(
        "POST", "/api/feedback", json={"session_id": "abc", "turn": 2**31, "helpful": True}
    ),
    "feedback-turn-2^31-1": Case(
        "POST",
        "/api/feedback",
        json={"session_id": "abc", "turn": 2**31 - 1, "helpful": True},
        status={404},
    ),
    "feedback-turn-negative": Case(
        "POST", "/api/feedback", json={"session_id": "abc", "turn": -1, "helpful": True}
    ),
    "feedback-turn-float": Case(
        "POST", "/api/feedback", json={"session_id": "abc", "turn": 1.5, "helpful": True}
    ),
    "feedback-surrogate-comment": Case(
        "POST",
        "/api/feedback",
        content=b'{"session_id": "abc", "turn": 1, "helpful": true, "comment": "\\ud800"}',
        headers=JSON,
    ),
    "feedback-nul-comment": Case(
        "POST",
        "/api/feedback",
        json={"session_id": "abc", "turn": 1, "helpful": True, "comment": "x\x00"},
    ),
    "feedback-nul-session": Case(
        "POST", "/api/feedback", json={"session_id": "a\x00", "turn": 1, "helpful": True}
    ),
    "feedback-helpful-string": Case(
        "POST", "/api/feedback", json={"session_id": "abc", "turn": 1, "helpful": "<script>"}
    ),
    "feedback-missing-fields": Case("POST", "/api/feedback", json={}),
    # -- GET /api/search ----------------------------------------------------------------------
    "search-nul": Case("GET", "/api/search", params={"q": "办\x00证"}),
    "search-control": Case("GET", "/api/search", params={"q": "\x07"}),
    "search-too-long": Case("GET", "/api/search", params={"q": "PROBE-7f3a" * 60}),
    "search-k-huge": Case("GET", "/api/search", params={"q": "护照", "k": str(BIG_INT)}),
    "search-k-text": Case("GET", "/api/search", params={"q": "护照", "k": "<script>"}),
    "search-missing-q": Case("GET", "/api/search"),
    "search-invalid-utf8": Case("GET", "/api/search?q=%ED%A0%80%FF", status={200, 422}),
    # -- GET /api/matters ---------------------------------------------------------------------
    "matters-nul": Case("GET", "/api/matters", params={"q": "\x00"}),
    "matters-page-2^63": Case("GET", "/api/matters", params={"page": str(BIG_INT)}),
    "matters-size-negative": Case("GET", "/api/matters", params={"size": "-5"}),
    "matter-code-nul": Case("GET", "/api/matters/HD%000101"),
    "matter-code-control": Case("GET", "/api/matters/%1b%5b31m"),
    "matter-code-script": Case("GET", "/api/matters/%3Cscript%3E", status={404}),
    "matter-code-long": Case("GET", "/api/matters/" + "X" * 129),
    "matter-code-traversal": Case("GET", "/api/matters/..%2F..%2Fetc%2Fpasswd", status={404}),
    # -- GET /api/speech ----------------------------------------------------------------------
    "speech-traversal": Case("GET", "/api/speech/..%2f..%2fetc%2fpasswd.wav", status={404}),
    "speech-nul": Case("GET", "/api/speech/%00.wav", status={404}),
    "speech-speed-nan": Case("GET", "/api/speech/" + "a" * 32 + ".wav", params={"speed": "nan"}),
    "speech-speed-huge": Case("GET", "/api/speech/" + "a" * 32 + ".wav", params={"speed": "1e308"}),
    "speech-speed-off-steps": Case(
        "GET", "/api/speech/" + "a" * 32 + ".wav", params={"speed": "1.1"}
    ),
    # -- the widget's files and the rest --------------------------------------------------------
    "widget-art-traversal": Case("GET", "/widget/..%2f..%2fsettings.py", status={404}),
    "widget-art-nul": Case("GET", "/widget/guide%00.svg", status={404}),
    "docs-unknown-asset": Case("GET", "/docs/..%2fsettings.py", status={404}),
    "unknown-route": Case("GET", "/api/<script>", status={404}),
    "wrong-method": Case("DELETE", "/api/chat", status={405}),
    "huge-header": Case("GET", "/api/hall", headers={"X-Probe": "PROBE-7f3a" * 3000}, status={431}),
    "bad-content-length": Case(
        "POST", "/api/chat", content=b"{}", headers={**JSON, "content-length": "x"}, status={400}
    ),
}


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings=settings)
    quiet = settings.model_copy(update={"rate_limits_enabled": False})
    with TestClient(create_app(quiet), raise_server_exceptions=False) as client:
        yield client


def _send(client: TestClient, case: Case) -> Any:
    return client.request(
        case.method,
        case.url,
        json=case.json,
        content=case.content,
        headers=case.headers,
        params=case.params,
    )


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_is_refused_politely(client: TestClient, store: Store, name: str) -> None:
    case = CASES[name]
    response = _send(client, case)
    assert response.status_code < 500, response.text[:500]
    if case.status is not None:
        assert response.status_code in case.status, response.text[:500]
    else:
        assert 400 <= response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        body = response.json()
        assert {"detail", "error"} <= set(body), body
        for marker in MARKERS:
            assert marker not in response.text
        assert len(response.content) < 4096
    if response.status_code == 422:
        for problem in response.json()["errors"]:
            assert set(problem) == {"field", "problem"}
    # The service still answers, and the store still works, after whatever was sent.
    assert client.get("/api/matters", params={"size": 1}).status_code == 200
    with store.session(commit=False) as session:
        list_history(session, limit=1)


def test_a_refusal_names_the_field_and_the_problem(client: TestClient) -> None:
    response = client.post(
        "/api/feedback", json={"session_id": "abc", "turn": 2**31, "helpful": True}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["errors"] == [
        {"field": "body.turn", "problem": "Input should be less than or equal to 2147483647"}
    ]
    assert "2147483648" not in response.text  # the value sent is not repeated


def test_control_characters_are_named_not_shown(client: TestClient) -> None:
    response = client.post("/api/chat", json={"message": "办\x00证"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body.message", "problem": "Value error, contains a control character"}
    ]


@pytest.mark.parametrize("text", ["第一行\n第二行", "tab\there", "全角　空格"])
def test_line_breaks_and_tabs_are_text(client: TestClient, text: str) -> None:
    assert client.post("/api/chat", json={"message": text}).status_code == 200


def test_a_chunked_body_over_the_limit_is_refused(client: TestClient) -> None:
    """No Content-Length to refuse it by: counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(200):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/api/chat", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_the_body_limit_is_a_setting(store: Store, settings: Settings) -> None:
    body = json.dumps({"message": "办" * 400}).encode()  # ~1.2 KB
    small = settings.model_copy(update={"max_body_bytes": 1024})
    with TestClient(create_app(small)) as client:
        assert client.post("/api/chat", content=body, headers=JSON).status_code == 413
    with TestClient(create_app(settings)) as client:
        assert client.post("/api/chat", content=body, headers=JSON).status_code == 200
