"""What citizens type is masked before it is stored or logged, on every path: chat, search,
feedback comments, the logs. A table of secrets, each sent down each path."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hall.api import create_app
from hall.api.logs import RedactFilter, log_config
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store
from hall.store.tables import HistoryRow

#: (what a citizen types, what must not be kept of it)
SECRETS = [
    pytest.param("我的手机13812345678", "13812345678", id="mobile"),
    pytest.param("电话 138-1234-5678 回电", "138-1234-5678", id="mobile-dashes"),
    pytest.param("身份证110101199003071234办护照", "110101199003071234", id="id-card"),
    pytest.param("卡号6222021234567890123", "6222021234567890123", id="bank-card"),
    pytest.param("座机0755-12345678", "0755-12345678", id="landline"),
    pytest.param("你是傻逼吗", "傻逼", id="blocked-word"),
]


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings=settings)
    quiet = settings.model_copy(update={"rate_limits_enabled": False})
    with TestClient(create_app(quiet)) as client:
        yield client


def _stored(store: Store) -> str:
    """Everything the history holds, as one text."""
    with store.session(commit=False) as session:
        rows = session.scalars(select(HistoryRow)).all()
        return "\n".join(f"{r.query}|{r.normalized}|{r.comment}|{r.reply}" for r in rows)


def _chat(client: TestClient, message: str, session_id: str | None = None) -> dict[str, object]:
    response = client.post("/api/chat", json={"session_id": session_id, "message": message})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _path_chat(client: TestClient, text: str, secret: str) -> None:
    _chat(client, text)


def _path_follow_up(client: TestClient, text: str, secret: str) -> None:
    """A follow-up with a matter in context: "继续傻逼" is answered without the engine."""
    first = _chat(client, "生育登记")
    _chat(client, "继续" + secret, str(first["session_id"]))


def _path_search(client: TestClient, text: str, secret: str) -> None:
    assert client.get("/api/search", params={"q": text}).status_code == 200


def _path_feedback(client: TestClient, text: str, secret: str) -> None:
    turn = _chat(client, "生育登记")
    response = client.post(
        "/api/feedback",
        json={
            "session_id": turn["session_id"],
            "turn": turn["turn"],
            "helpful": False,
            "comment": text,
        },
    )
    assert response.status_code == 200, response.text


PATHS = [
    pytest.param(_path_chat, id="chat"),
    pytest.param(_path_follow_up, id="chat-follow-up"),
    pytest.param(_path_search, id="search"),
    pytest.param(_path_feedback, id="feedback-comment"),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_nothing_personal_or_blocked_is_stored_or_logged(
    client: TestClient,
    store: Store,
    caplog: pytest.LogCaptureFixture,
    path: object,
    text: str,
    secret: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        path(client, text, secret)  # type: ignore[operator]
        client.app.state.history.flush()  # type: ignore[attr-defined]  # searches, in bulk
    stored = _stored(store)
    assert stored  # the path did write to the history
    assert secret not in stored
    for record in caplog.records:
        if not record.name.startswith("httpx"):  # the test's own client, not the service
            assert secret not in record.getMessage()


def test_masked_questions_keep_what_they_asked(client: TestClient, store: Store) -> None:
    """Masking takes the number, not the question: 护照 is still what the guide finds."""
    body = client.get("/api/search", params={"q": "身份证110101199003071234办护照"}).json()
    assert "*" * 18 in body["query"]
    assert "护照" in body["normalized"]


def _access(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_access_lines_lose_their_query_string() -> None:
    record = _access("/api/search?q=%E9%A9%BE%E7%85%A7%E4%B8%A2%E4%BA%86&k=5")
    assert RedactFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/search HTTP/1.1" 200'


def test_log_lines_and_tracebacks_are_masked() -> None:
    record = logging.LogRecord(
        "hall.api", logging.ERROR, __file__, 1, "caller %s asked", ("13812345678",), None
    )
    try:
        raise ValueError("card 6222021234567890123 refused")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "13812345678" not in formatted
    assert "6222021234567890123" not in formatted
    assert "caller *********** asked" in formatted


def test_serve_logs_through_the_filter() -> None:
    config = log_config()
    assert all(h["filters"] == ["redact"] for h in config["handlers"].values())
    assert config["loggers"]["hall"]["handlers"] == ["default"]
