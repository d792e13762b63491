"""POST /api/chat, POST /api/feedback and GET /api/hall over HTTP (speech off; see
``test_chat_audio.py`` for the spoken replies)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.api.routes.health import health_details
from hall.importers import load_demo
from hall.settings import Settings
from hall.store import Store, create_chat_session, list_history
from hall.store.tables import ChatSessionRow


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    load_demo(store, settings=settings)
    with TestClient(create_app(settings)) as client:
        yield client


def say(client: TestClient, message: str, session_id: str | None = None) -> dict[str, Any]:
    response = client.post("/api/chat", json={"session_id": session_id, "message": message})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_conversation_over_http(client: TestClient) -> None:
    hello = say(client, "你好")
    sid = hello["session_id"]
    assert hello["turn"] == 1
    reply = hello["reply"]
    assert reply["decision"] == "welcome"
    assert reply["persona"]["state"] == "welcome"
    assert set(reply["persona"]) == {"state", "expression", "gesture"}
    assert reply["speech_url"] is None  # speech is off in these tests
    assert reply["suggestions"]
    assert all(set(s) == {"label", "message"} for s in reply["suggestions"])

    answer = say(client, "生育登记", sid)
    assert answer["session_id"] == sid
    assert answer["turn"] == 2
    assert answer["reply"]["decision"] == "answer"
    assert answer["reply"]["matter"]["code"] == "HD-0101"
    assert answer["reply"]["similar"]
    assert all(set(s) == {"code", "title"} for s in answer["reply"]["similar"])

    fee = say(client, "要钱吗", sid)
    assert fee["reply"]["element"] == {"key": "fee", "label": "收费标准"}
    assert fee["reply"]["matter"]["code"] == "HD-0101"


@pytest.mark.parametrize(
    "body",
    [
        {"message": "x" * 501},
        {"message": 42},
        {"session_id": "s" * 65, "message": "你好"},
        {"message": ["a"]},
    ],
)
def test_bad_messages_are_refused(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/api/chat", json=body).status_code == 422


def test_missing_message_opens_the_conversation(client: TestClient) -> None:
    response = client.post("/api/chat", json={})
    assert response.status_code == 200
    assert response.json()["reply"]["decision"] == "welcome"


def test_injection_strings_are_only_text(client: TestClient, store: Store) -> None:
    for text in ("'; DROP TABLE matters; --", "<script>alert(1)</script>", "{{7*7}} ${7*7}"):
        body = say(client, text)
        assert body["reply"]["decision"] in {"none", "clarify", "answer"}
    assert say(client, "生育登记")["reply"]["matter"]["code"] == "HD-0101"
    with store.session(commit=False) as session:
        assert len(list_history(session, limit=10)) == 4


def test_feedback_on_a_turn(client: TestClient, store: Store) -> None:
    first = say(client, "生育登记")
    sid = first["session_id"]
    ok = client.post(
        "/api/feedback", json={"session_id": sid, "turn": 1, "helpful": True, "comment": "清楚"}
    )
    assert ok.status_code == 200
    assert ok.json() == {"recorded": True}
    with store.session(commit=False) as session:
        (item,) = list_history(session, limit=1)
    assert item.helpful is True
    missing = client.post("/api/feedback", json={"session_id": sid, "turn": 9, "helpful": False})
    assert missing.status_code == 404
    bad = client.post("/api/feedback", json={"session_id": sid, "turn": 0, "helpful": False})
    assert bad.status_code == 422


def test_the_hall_introduction(client: TestClient, settings: Settings) -> None:
    response = client.get("/api/hall")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "name",
        "introduction",
        "address",
        "hours",
        "phone",
        "transport",
        "bus_lines",
        "announcements",
    }
    assert body["phone"] == settings.hall_phone
    assert body["bus_lines"]


def test_speech_is_unavailable_when_off(client: TestClient) -> None:
    response = client.get("/api/speech/" + "a" * 32 + ".wav")
    assert response.status_code == 503
    assert client.get("/api/speech/..%2f..%2fetc%2fpasswd.wav").status_code == 404
    assert client.get("/healthz").json()["parts"]["speech"] == "off"


def test_openapi_documents_the_chat(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/chat", "/api/feedback", "/api/hall", "/api/speech/{name}"} <= set(spec["paths"])
    chat = spec["paths"]["/api/chat"]["post"]
    assert chat["responses"]["200"]["content"]["application/json"]["example"]["reply"]


def test_a_portal_on_another_origin_may_call_the_api(client: TestClient) -> None:
    preflight = client.options(
        "/api/chat",
        headers={
            "Origin": "https://portal.example.gov.cn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    response = client.post(
        "/api/chat", json={"message": "你好"}, headers={"Origin": "https://portal.example.gov.cn"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_without_a_speech_engine_the_guide_still_talks(
    store: Store, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Speech on, but no voice to speak with: the service starts, says why, replies in text."""
    load_demo(store, settings=settings)
    broken = settings.model_copy(update={"speech_enabled": True, "speech_voice": "no-such-voice"})
    with caplog.at_level("WARNING", logger="hall.api"), TestClient(create_app(broken)) as client:
        health = client.get("/healthz").json()
        details = health_details(
            client.app.state.store, client.app.state.engine, client.app.state.speaker
        )
        body = client.post("/api/chat", json={"message": "生育登记"}).json()
    assert health["status"] == "degraded"
    assert health["parts"]["speech"] == "unavailable"
    assert "no-such-voice" not in str(health)  # the public check says no more
    assert details.speech is not None
    assert "no-such-voice" in details.speech  # the admin's says why
    assert body["reply"]["speech_url"] is None
    assert body["reply"]["matter"]["code"] == "HD-0101"
    assert any("speech is unavailable" in r.getMessage() for r in caplog.records)


def test_the_service_purges_expired_conversations_on_a_schedule(
    store: Store, settings: Settings
) -> None:
    """Every process purges at start and then every HALL_MAINTENANCE_MINUTES."""
    with store.session() as session:
        expired = create_chat_session(session, ttl=timedelta(minutes=-1))
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 10
        while True:
            with store.session(commit=False) as session:
                row = session.get(ChatSessionRow, expired.id)
                if row is None or time.monotonic() > deadline:
                    break
            time.sleep(0.05)
    assert row is None
