"""The guide that learns, through the admin API (SQLite and PostgreSQL): the history browser and
its masking, clusters of what citizens could not get, each lesson live within seconds and
undoable, the dashboard's figures against the history, the console against ``hall ask``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from hall.settings import Settings
from hall.store import HistoryFilter, Store, history_page, list_audit

from .admin_helpers import Hall, demo_hall, eventually

BLUE = ["小蓝本本怎么弄", "小蓝本本在哪里办", "小蓝本本要带啥材料"]


@pytest.fixture
def hall(store: Store, settings: Settings) -> Iterator[Hall]:
    with demo_hall(store, settings) as hall:
        yield hall


def chat(hall: Hall, message: str, session: str | None = None) -> dict[str, Any]:
    response = hall.client.post("/api/chat", json={"message": message, "session_id": session})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def clusters(hall: Hall) -> list[dict[str, Any]]:
    response = hall.client.get("/api/admin/insight/clusters", headers=hall.auth("vi"))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["clusters"]
    return found


def first(hall: Hall, question: str) -> str | None:
    """The matter the guide answers first, asked through the console: unlike /api/search it
    writes no history, so checking adds no question to the insight."""
    response = hall.client.get(
        "/api/admin/console", params={"q": question}, headers=hall.auth("vi")
    )
    result = response.json()
    shown = [c["code"] for c in result["candidates"] if c["shown"]]
    return shown[0] if shown and result["decision"] == "answer" else None


def test_declined_questions_form_one_cluster_and_teaching_answers_them(hall: Hall) -> None:
    for text in BLUE:
        assert chat(hall, text)["reply"]["decision"] == "none"
    chat(hall, "你好")  # chit-chat is no need
    chat(hall, "生育登记")  # answered well

    found = clusters(hall)
    assert len(found) == 1
    cluster = found[0]
    assert sorted(cluster["questions"]) == sorted(BLUE)
    assert cluster["size"] == 3
    assert cluster["first_seen"] <= cluster["last_seen"]
    assert all(set(s) == {"code", "title"} for s in cluster["suggestions"])

    taught = hall.client.post(
        f"/api/admin/insight/clusters/{cluster['id']}/teach",
        json={"action": "questions", "matter": "HD-0408"},
        headers=hall.auth("ed"),
    )
    assert taught.status_code == 200, taught.text
    assert len(taught.json()["done"]["question_ids"]) == 3
    eventually(lambda: first(hall, "小蓝本本在哪里办") == "HD-0408")
    assert clusters(hall) == []  # the cluster left the list
    entry = list_audit_entries(hall, action="teach")[0]
    assert (entry["actor"], entry["target_id"]) == ("ed", cluster["id"])

    # Undo from the audit: the questions go, the cluster comes back.
    undone = hall.client.post(f"/api/admin/audit/{entry['id']}/undo", headers=hall.auth("ed"))
    assert undone.status_code == 200, undone.text
    eventually(lambda: first(hall, "小蓝本本在哪里办") != "HD-0408")
    assert [sorted(c["questions"]) for c in clusters(hall)] == [sorted(BLUE)]


def list_audit_entries(hall: Hall, **params: Any) -> list[dict[str, Any]]:
    response = hall.client.get("/api/admin/audit", params=params, headers=hall.auth("vi"))
    data: list[dict[str, Any]] = response.json()["data"]
    return data


@pytest.mark.parametrize(
    ("lesson", "check"),
    [
        pytest.param(
            {"action": "synonyms", "group": ["往来港澳通行证", "小蓝本本"]},
            lambda hall: first(hall, "小蓝本本") == "HD-0408",
            id="synonyms",
        ),
        pytest.param(
            {"action": "faq", "question": "小蓝本本是什么", "answer": "往来港澳通行证的俗称。"},
            lambda hall: any(
                m["kind"] == "faq"
                for m in hall.client.get("/api/admin/faq", headers=hall.auth("vi")).json()["data"]
                or [{"kind": "none"}]
            ),
            id="faq",
        ),
        pytest.param(
            {"action": "out_of_scope"},
            lambda hall: (
                "小蓝本本怎么弄"
                in hall.client.get("/api/admin/lexicons/out_of_scope", headers=hall.auth("vi")).text
            ),
            id="out-of-scope",
        ),
        pytest.param({"action": "dismiss"}, lambda hall: True, id="dismiss"),
    ],
)
def test_every_lesson_closes_the_cluster(hall: Hall, lesson: dict[str, Any], check: Any) -> None:
    for text in BLUE:
        chat(hall, text)
    (cluster,) = clusters(hall)
    response = hall.client.post(
        f"/api/admin/insight/clusters/{cluster['id']}/teach", json=lesson, headers=hall.auth("ed")
    )
    assert response.status_code == 200, response.text
    eventually(lambda: check(hall))
    assert clusters(hall) == []
    with hall.store.session(commit=False) as session:
        rows, _ = history_page(session, HistoryFilter(text="小蓝本本"))
    wanted = {"dismiss": "dismissed", "out_of_scope": "out_of_scope"}.get(
        lesson["action"], "taught"
    )
    assert {r.triage for r in rows} == {wanted}


@pytest.mark.parametrize(
    ("lesson", "status"),
    [
        pytest.param({"action": "teach-me"}, 422, id="unknown"),
        pytest.param({"action": "questions"}, 422, id="no-matter"),
        pytest.param({"action": "questions", "matter": "NOPE"}, 404, id="unknown-matter"),
        pytest.param({"action": "synonyms", "group": ["小蓝本本"]}, 422, id="one-word"),
        pytest.param({"action": "faq", "question": "x"}, 422, id="no-answer"),
    ],
)
def test_a_bad_lesson_changes_nothing(hall: Hall, lesson: dict[str, Any], status: int) -> None:
    for text in BLUE:
        chat(hall, text)
    (cluster,) = clusters(hall)
    before = len(list_audit_entries(hall, size=500))
    response = hall.client.post(
        f"/api/admin/insight/clusters/{cluster['id']}/teach", json=lesson, headers=hall.auth("ed")
    )
    assert response.status_code == status, response.text
    assert len(list_audit_entries(hall, size=500)) == before
    assert [c["id"] for c in clusters(hall)] == [cluster["id"]]


def test_a_taught_cluster_cannot_be_taught_twice_and_viewers_cannot_teach(hall: Hall) -> None:
    for text in BLUE:
        chat(hall, text)
    (cluster,) = clusters(hall)
    url = f"/api/admin/insight/clusters/{cluster['id']}/teach"
    assert (
        hall.client.post(url, json={"action": "dismiss"}, headers=hall.auth("vi")).status_code
        == 403
    )
    assert (
        hall.client.post(url, json={"action": "dismiss"}, headers=hall.auth("ed")).status_code
        == 200
    )
    again = hall.client.post(url, json={"action": "dismiss"}, headers=hall.auth("ed"))
    assert again.status_code == 404


def test_unhelpful_answers_and_abandoned_choices_are_insight_too(hall: Hall) -> None:
    answered = chat(hall, "生育登记")
    feedback = hall.client.post(
        "/api/feedback",
        json={"session_id": answered["session_id"], "turn": answered["turn"], "helpful": False},
    )
    assert feedback.status_code == 200
    questions = {q for c in clusters(hall) for q in c["questions"]}
    assert "生育登记" in questions


def test_history_is_browsed_filtered_and_exported_masked(hall: Hall) -> None:
    chat(hall, "我的电话是13812345678，驾照丢了")
    chat(hall, "你这个傻逼")
    chat(hall, "生育登记")
    response = hall.client.get("/api/admin/history", headers=hall.auth("vi"))
    assert response.status_code == 200
    rows = response.json()["data"]
    assert len(rows) >= 3
    text = str(rows)
    assert "13812345678" not in text
    assert "傻逼" not in text
    birth = next(r for r in rows if r["question"] == "生育登记")
    assert birth["decision"] == "answer"
    assert birth["candidates"][0]["code"] == "HD-0101"
    assert birth["candidates"][0]["why"]
    answered = hall.client.get(
        "/api/admin/history", params={"decision": "answer"}, headers=hall.auth("vi")
    ).json()["data"]
    assert {r["decision"] for r in answered} == {"answer"}
    exported = hall.client.get("/api/admin/history.csv", headers=hall.auth("vi"))
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["id", "asked_at", "channel"]
    assert len(table) == 1 + len(rows)
    assert "13812345678" not in exported.text


def test_the_dashboard_counts_what_the_history_holds(hall: Hall) -> None:
    for text in ["生育登记", "护照", *BLUE]:
        chat(hall, text)
    board = hall.client.get("/api/admin/dashboard", headers=hall.auth("vi")).json()
    with hall.store.session(commit=False) as session:
        rows, _ = history_page(session, HistoryFilter(), limit=1000)
    asked = [r for r in rows if r.decision != "welcome"]
    assert board["total"] == len(asked)
    today = max(board["days"])
    assert board["days"][today]["none"] == sum(1 for r in asked if r.decision == "none")
    assert board["shares"]["none"] == pytest.approx(
        sum(1 for r in asked if r.decision == "none") / len(asked)
    )
    assert board["top_matters"][0]["count"] >= 1
    assert board["latency_ms"]["p50"] is not None


def test_the_console_says_what_hall_ask_says(hall: Hall) -> None:
    from hall.guide import Engine

    question = "驾照丢了咋整"
    body = hall.client.get("/api/admin/console", params={"q": question}, headers=hall.auth("vi"))
    assert body.status_code == 200
    result = body.json()
    answer = Engine(hall.store, hall.settings).load().ask(question)
    assert result["normalized"] == answer.normalized
    assert result["decision"] == answer.decision.value
    assert [c["code"] for c in result["candidates"]] == [c.code for c in answer.candidates]
    assert set(result["candidates"][0]["signals"]) >= {"semantic", "keyword", "char", "fuzzy"}
    assert result["thresholds"]["answer"] == hall.settings.answer_threshold


def test_thresholds_preview_then_save_by_admins_only(hall: Hall) -> None:
    for text in ["生育登记", "护照", "驾照丢了", *BLUE]:
        chat(hall, text)
    strict = {"answer": 0.99, "clarify": 0.98}
    assert (
        hall.client.post(
            "/api/admin/thresholds/preview", json=strict, headers=hall.auth("ed")
        ).status_code
        == 403
    )
    preview = hall.client.post(
        "/api/admin/thresholds/preview", json=strict, headers=hall.auth("ann")
    ).json()
    assert preview["questions"] >= 6
    assert preview["proposed"]["answer"] == 0
    assert preview["current"]["answer"] > 0
    assert preview["changed"]
    bad = hall.client.put(
        "/api/admin/thresholds", json={"answer": 0.3, "clarify": 0.5}, headers=hall.auth("ann")
    )
    assert bad.status_code == 422
    saved = hall.client.put("/api/admin/thresholds", json=strict, headers=hall.auth("ann"))
    assert saved.status_code == 200
    eventually(
        lambda: (
            hall.client.get("/api/search", params={"q": "生育登记"}).json()["decision"] != "answer"
        )
    )
    with hall.store.session(commit=False) as session:
        entry = list_audit(session, target_id="thresholds")[0][0]
    assert (entry.actor, entry.after["answer"]) == ("ann", 0.99)


def test_among_equals_the_needs_citizens_got_nothing_for_come_first(hall: Hall) -> None:
    chose = chat(hall, "驾驶证")  # a "did you mean" over the licence's matters
    assert chose["reply"]["decision"] == "clarify"
    chat(hall, "1", chose["session_id"])  # the citizen chooses: the guide only hesitated
    chat(hall, BLUE[0])  # declined: the citizen got nothing
    found = clusters(hall)
    assert [c["questions"] for c in found] == [[BLUE[0]], ["驾驶证"]]
    assert [c["failed"] for c in found] == [1, 0]


def test_the_console_shows_a_variant_the_question_did_not_ask_for(hall: Hall) -> None:
    """办身份证 names no variant: 居民身份证补领 ranks below 首次申领, and the console says why."""
    body = hall.client.get("/api/admin/console", params={"q": "办身份证"}, headers=hall.auth("vi"))
    candidates = {c["code"]: c for c in body.json()["candidates"]}
    assert candidates["HD-0112"]["signals"]["variant"] == -0.03
    assert "variant" not in candidates["HD-0110"]["signals"]
    hall.client.cookies.clear()
    hall.sign_in("vi")
    page = hall.client.get("/admin/console", params={"q": "办身份证"}).text
    row = page[page.index("<code>HD-0112</code>") :].split("</tr>")[0]
    assert "未问及的变体 -0.03" in row
    row = page[page.index("<code>HD-0110</code>") :].split("</tr>")[0]
    assert "<td>—</td>" in row
