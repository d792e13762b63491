"""The admin JSON API end to end, on SQLite and PostgreSQL: each write goes through the store's
functions (audited with the account's name), is refused with the one error shape when wrong,
and reaches the citizen's side of the same process within seconds."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from hall.lexicons import Bank, export_bank
from hall.settings import Settings
from hall.store import Store

from .admin_helpers import Hall, demo_hall, eventually


@pytest.fixture
def hall(store: Store, settings: Settings) -> Iterator[Hall]:
    with demo_hall(store, settings) as hall:
        yield hall


def _audit(hall: Hall, **filters: Any) -> list[dict[str, Any]]:
    response = hall.client.get("/api/admin/audit", params=filters, headers=hall.auth("vi"))
    assert response.status_code == 200
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def _first(hall: Hall, question: str) -> str | None:
    results = hall.client.get("/api/search", params={"q": question}).json()["results"]
    return results[0]["code"] if results else None


# -- matters and questions --------------------------------------------------------------------


def test_the_acceptance_question_is_answered_and_audited(hall: Hall) -> None:
    question = "屋里头要添个小娃娃咋个登记"
    response = hall.client.post(
        "/api/admin/matters/HD-0101/questions", json={"question": question}, headers=hall.auth("ed")
    )
    assert response.status_code == 201
    added = response.json()
    assert (added["code"], added["question"], added["source"]) == ("HD-0101", question, "admin")
    eventually(lambda: _first(hall, question) == "HD-0101")
    entry = _audit(hall, target_id="HD-0101")[0]
    assert (entry["actor"], entry["action"]) == ("ed", "add_question")
    assert entry["after"]["question"] == question

    listed = hall.client.get("/api/admin/matters/HD-0101/questions", headers=hall.auth("vi"))
    assert question in [q["question"] for q in listed.json()]

    again = hall.client.post(
        "/api/admin/matters/HD-0101/questions", json={"question": question}, headers=hall.auth("ed")
    )
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"

    removed = hall.client.delete(
        f"/api/admin/matters/HD-0101/questions/{added['id']}", headers=hall.auth("ed")
    )
    assert removed.status_code == 204
    assert _audit(hall, target_id="HD-0101")[0]["action"] == "remove_question"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        pytest.param({"question": "   "}, 422, "invalid_value", id="blank"),
        pytest.param({"question": "问\x00题"}, 422, "invalid_value", id="control"),
        pytest.param({"question": "x" * 501}, 422, None, id="too-long"),
        pytest.param({"text": "问题"}, 422, None, id="wrong-field"),
    ],
)
def test_a_bad_question_changes_nothing(
    hall: Hall, body: dict[str, Any], status: int, error: str | None
) -> None:
    before = len(_audit(hall))
    response = hall.client.post(
        "/api/admin/matters/HD-0101/questions", json=body, headers=hall.auth("ed")
    )
    assert response.status_code == status
    if error:
        assert response.json()["error"] == error
    assert len(_audit(hall)) == before


def test_a_question_for_an_unknown_matter_is_404(hall: Hall) -> None:
    response = hall.client.post(
        "/api/admin/matters/NOPE/questions", json={"question": "问题"}, headers=hall.auth("ed")
    )
    assert response.status_code == 404
    assert response.json()["error"] == "matter_not_found"


def test_list_and_filter_matters(hall: Hall) -> None:
    def codes(**params: Any) -> tuple[list[str], int]:
        body = hall.client.get("/api/admin/matters", params=params, headers=hall.auth("vi")).json()
        return [m["code"] for m in body["data"]], body["count"]

    everything, count = codes(size=500)
    assert count == len(everything) >= 60
    assert codes(q="护照")[0] == ["HD-0407"]
    department = hall.client.get("/api/admin/matters/HD-0407", headers=hall.auth("vi")).json()[
        "department"
    ]
    found, _ = codes(department=department, size=500)
    assert "HD-0407" in found
    assert len(found) < len(everything)
    assert codes(status="retired") == ([], 0)
    bad = hall.client.get("/api/admin/matters?status=gone", headers=hall.auth("vi"))
    assert bad.status_code == 422


def test_edit_a_matters_whole_guide(hall: Hall) -> None:
    current = hall.client.get("/api/admin/matters/HD-0101", headers=hall.auth("vi")).json()
    body = {
        name: current[name]
        for name in ("title", "department", "conditions", "materials", "process", "location")
    }
    body |= {
        "fee": "不收费（2026年起）",
        "materials": [*current["materials"], "户口簿"],
        "aliases": ["准生证登记"],
    }
    response = hall.client.put("/api/admin/matters/HD-0101", json=body, headers=hall.auth("ed"))
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["fee"] == "不收费（2026年起）"
    assert saved["materials"][-1] == "户口簿"
    assert saved["questions"] == current["questions"]  # questions have their own routes
    entry = _audit(hall, target_id="HD-0101", action="update")[0]
    assert entry["actor"] == "ed"
    assert entry["before"]["fee"] == current["fee"]
    assert entry["after"]["fee"] == "不收费（2026年起）"
    assert "aliases" in entry["after"]
    eventually(lambda: _first(hall, "准生证登记") == "HD-0101")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"title": ""}, "title", id="empty-title"),
        pytest.param({"title": "生育登记", "fee": "x" * 20_001}, "fee", id="long-field"),
        pytest.param({"title": "生育登记", "colour": "red"}, "colour", id="unknown-field"),
        pytest.param({"title": "生育登记", "materials": "一\x07二"}, "materials", id="control"),
    ],
)
def test_a_bad_guide_is_refused_naming_the_field(
    hall: Hall, body: dict[str, Any], field: str
) -> None:
    response = hall.client.put("/api/admin/matters/HD-0101", json=body, headers=hall.auth("ed"))
    assert response.status_code == 422
    assert field in json.dumps(response.json(), ensure_ascii=False)
    assert hall.client.get("/api/admin/matters/HD-0101", headers=hall.auth("vi")).json()[
        "title"
    ] == ("生育登记")


def test_create_retire_and_restore_a_matter(hall: Hall) -> None:
    body = {"code": "HD-9001", "title": "古树名木迁移审批", "department": "区农业农村局"}
    created = hall.client.post("/api/admin/matters", json=body, headers=hall.auth("ed"))
    assert created.status_code == 201
    assert hall.client.post(
        "/api/admin/matters", json=body, headers=hall.auth("ed")
    ).status_code == (409)
    eventually(lambda: _first(hall, "古树名木迁移审批") == "HD-9001")

    retired = hall.client.post("/api/admin/matters/HD-9001/retire", headers=hall.auth("ed"))
    assert retired.json()["status"] == "retired"
    eventually(lambda: _first(hall, "古树名木迁移审批") != "HD-9001")
    restored = hall.client.post("/api/admin/matters/HD-9001/restore", headers=hall.auth("ed"))
    assert restored.json()["status"] == "active"
    actions = [e["action"] for e in _audit(hall, target_id="HD-9001")]
    assert actions == ["restore", "retire", "create"]


def test_question_banks_list_by_source(hall: Hall) -> None:
    hall.client.post(
        "/api/admin/matters/HD-0407/questions",
        json={"question": "出国要办的本子"},
        headers=hall.auth("ed"),
    )
    admin = hall.client.get(
        "/api/admin/questions", params={"source": "admin"}, headers=hall.auth("vi")
    ).json()
    assert [q["question"] for q in admin["data"]] == ["出国要办的本子"]
    imported = hall.client.get(
        "/api/admin/questions", params={"source": "imported", "size": 5}, headers=hall.auth("vi")
    ).json()
    assert imported["count"] > 100
    assert len(imported["data"]) == 5


# -- general FAQ ------------------------------------------------------------------------------


def test_faq_create_read_update_delete(hall: Hall) -> None:
    body = {
        "question": "政务服务中心周末上班吗",
        "answer": "周六上午提供延时服务，周日休息。",
        "questions": ["星期六开门吗"],
    }
    created = hall.client.post("/api/admin/faq", json=body, headers=hall.auth("ed"))
    assert created.status_code == 201
    code = created.json()["code"]
    assert code.startswith("FAQ-")
    assert created.json()["kind"] == "faq"
    assert [q["text"] for q in created.json()["questions"]] == ["星期六开门吗"]
    eventually(lambda: _first(hall, "星期六开门吗") == code)

    listed = hall.client.get("/api/admin/faq", headers=hall.auth("vi")).json()
    assert code in [f["code"] for f in listed["data"]]
    changed = hall.client.put(
        f"/api/admin/faq/{code}", json={**body, "answer": "周末休息。"}, headers=hall.auth("ed")
    )
    assert changed.json()["answer"] == "周末休息。"
    assert hall.client.get(f"/api/admin/faq/{code}", headers=hall.auth("vi")).json()["answer"] == (
        "周末休息。"
    )
    not_faq = hall.client.get("/api/admin/faq/HD-0101", headers=hall.auth("vi"))
    assert not_faq.status_code == 422
    assert hall.client.delete(f"/api/admin/faq/{code}", headers=hall.auth("ed")).status_code == 204
    assert hall.client.get(f"/api/admin/faq/{code}", headers=hall.auth("vi")).status_code == 404
    deleted = _audit(hall, target_id=code)[0]
    assert deleted["action"] == "delete"
    assert deleted["before"]["answer"] == "周末休息。"


# -- lexicons ---------------------------------------------------------------------------------


def test_a_bank_reads_as_the_clis_export(hall: Hall, tmp_path: Any) -> None:
    export_bank(hall.store, Bank.SYNONYMS, tmp_path / "synonyms.txt")
    response = hall.client.get("/api/admin/lexicons/synonyms", headers=hall.auth("vi"))
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == (tmp_path / "synonyms.txt").read_text(encoding="utf-8")
    banks = hall.client.get("/api/admin/lexicons", headers=hall.auth("vi")).json()
    assert {b["bank"] for b in banks} == {b.value for b in Bank}
    download = hall.client.get(
        "/api/admin/lexicons/particles", params={"download": True}, headers=hall.auth("vi")
    )
    assert "attachment" in download.headers["content-disposition"]


def test_put_a_bank_with_a_dry_run_first(hall: Hall) -> None:
    headers = {**hall.auth("ed"), "Content-Type": "text/plain; charset=utf-8"}
    text = hall.client.get("/api/admin/lexicons/synonyms", headers=hall.auth("vi")).text
    lines = text.splitlines()
    new_text = "\n".join([*lines[1:], "护照=小蓝本本"]) + "\n"

    dry = hall.client.put(
        "/api/admin/lexicons/synonyms?dry_run=true", content=new_text.encode(), headers=headers
    )
    assert dry.status_code == 200
    assert dry.json()["added"] == ["护照=小蓝本本"]
    assert dry.json()["removed"] == [lines[0]]
    assert "+护照=小蓝本本" in dry.json()["diff"]
    assert hall.client.get("/api/admin/lexicons/synonyms", headers=hall.auth("vi")).text == text

    saved = hall.client.put(
        "/api/admin/lexicons/synonyms", content=new_text.encode(), headers=headers
    )
    assert saved.json()["dry_run"] is False
    assert hall.client.get("/api/admin/lexicons/synonyms", headers=hall.auth("vi")).text == new_text
    entry = _audit(hall, target_type="lexicon")[0]
    assert (entry["actor"], entry["action"], entry["target_id"]) == ("ed", "replace", "synonyms")
    eventually(lambda: _first(hall, "小蓝本本") == "HD-0407")


def test_a_bad_line_refuses_the_whole_text_naming_it(hall: Hall) -> None:
    headers = {**hall.auth("ed"), "Content-Type": "text/plain"}
    before = hall.client.get("/api/admin/lexicons/synonyms", headers=hall.auth("vi")).text
    response = hall.client.put(
        "/api/admin/lexicons/synonyms",
        content="驾照=驾驶证\n只有一个词\n".encode(),
        headers=headers,
    )
    assert response.status_code == 422
    assert "line 2" in response.json()["detail"]
    assert hall.client.get("/api/admin/lexicons/synonyms", headers=hall.auth("vi")).text == before
    binary = hall.client.put(
        "/api/admin/lexicons/synonyms", content=b"\xff\xfe\x00bad", headers=headers
    )
    assert binary.status_code == 422
    unknown = hall.client.put("/api/admin/lexicons/nonsense", content=b"x", headers=headers)
    assert unknown.status_code == 404


def test_add_and_remove_one_entry(hall: Hall) -> None:
    added = hall.client.post(
        "/api/admin/lexicons/particles/entries", json={"entry": "嗦"}, headers=hall.auth("ed")
    )
    assert added.json() == {"added": True}
    assert "嗦" in hall.client.get("/api/admin/lexicons/particles", headers=hall.auth("vi")).text
    removed = hall.client.delete(
        "/api/admin/lexicons/particles/entries", params={"entry": "嗦"}, headers=hall.auth("ed")
    )
    assert removed.json() == {"removed": True}
    again = hall.client.delete(
        "/api/admin/lexicons/particles/entries", params={"entry": "嗦"}, headers=hall.auth("ed")
    )
    assert again.json() == {"removed": False}
    bad = hall.client.post(
        "/api/admin/lexicons/synonyms/entries", json={"entry": "独词"}, headers=hall.auth("ed")
    )
    assert bad.status_code == 422


def test_import_a_lexicon_file(hall: Hall) -> None:
    files = {"file": ("more.txt", io.BytesIO("老二 二孩 第二个子女\n".encode()), "text/plain")}
    response = hall.client.post(
        "/api/admin/lexicons/synonyms/import",
        files=files,
        data={"format": "cnsyn"},
        headers=hall.auth("ed"),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 1, "removed": 0}


# -- catalogue import and export ---------------------------------------------------------------


def _upload(hall: Hall, rows: list[dict[str, Any]], **form: Any) -> Any:
    data = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    return hall.client.post(
        "/api/admin/imports",
        files={"file": ("next.jsonl", io.BytesIO(data), "application/x-ndjson")},
        data=form,
        headers=hall.auth("ed"),
    )


def test_import_preview_then_commit(hall: Hall) -> None:
    passport = hall.client.get("/api/admin/matters/HD-0407", headers=hall.auth("vi")).json()
    rows = [
        {"code": "NEW-1", "title": "新事项甲"},
        {"code": "HD-0407", "title": passport["title"], "fee": "200元"},
    ]
    preview = _upload(hall, rows)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] is True
    assert (body["created"], body["updated"]) == (1, 1)
    assert body["created_codes"] == ["NEW-1"]
    assert "fee" in body["updated_fields"]["HD-0407"]
    assert hall.client.get("/api/admin/matters/NEW-1", headers=hall.auth("vi")).status_code == 404

    committed = hall.client.post(
        f"/api/admin/imports/{body['upload_id']}/commit", headers=hall.auth("ed")
    )
    assert committed.status_code == 200
    assert committed.json()["dry_run"] is False
    assert committed.json()["created"] == 1
    assert hall.client.get("/api/admin/matters/NEW-1", headers=hall.auth("vi")).status_code == 200
    entry = _audit(hall, action="import")[0]
    assert (entry["actor"], entry["target_id"]) == ("ed", "next.jsonl")
    again = hall.client.post(
        f"/api/admin/imports/{body['upload_id']}/commit", headers=hall.auth("ed")
    )
    assert again.status_code == 404


def test_a_bad_file_is_refused_whole(hall: Hall) -> None:
    rows = [{"code": "NEW-2", "title": "好行"}, {"code": "NEW-3"}]
    response = _upload(hall, rows)
    assert response.status_code == 422
    assert "title" in response.json()["detail"]
    assert hall.client.get("/api/admin/matters/NEW-2", headers=hall.auth("vi")).status_code == 404
    garbage = hall.client.post(
        "/api/admin/imports",
        files={"file": ("x.xlsx", io.BytesIO(b"\x00\x01garbage"), "application/octet-stream")},
        headers=hall.auth("ed"),
    )
    assert garbage.status_code == 422


@pytest.mark.parametrize(("fmt", "marker"), [("jsonl", b'"code"'), ("csv", b"code,title")])
def test_export_downloads_the_catalogue(hall: Hall, fmt: str, marker: bytes) -> None:
    response = hall.client.get("/api/admin/export", params={"format": fmt}, headers=hall.auth("vi"))
    assert response.status_code == 200
    assert marker in response.content
    assert f"hall-catalogue.{fmt}" in response.headers["content-disposition"]
    assert b"HD-0101" in response.content
    refused = hall.client.get(
        "/api/admin/export", params={"format": "gdzwfw"}, headers=hall.auth("vi")
    )
    assert refused.status_code == 422


# -- persona and hall -------------------------------------------------------------------------


def test_persona_edit_is_live_and_validated(hall: Hall) -> None:
    body = hall.client.get("/api/admin/persona", headers=hall.auth("vi")).json()
    body["name"] = "小安"
    body["phrasings"]["welcome"] = ["您好，我是{name}，今天想办什么事？"]
    body["looks"]["welcome"] = {"expression": "happy", "gesture": "bow"}
    body["voice"] = {"rate": 150}
    saved = hall.client.put("/api/admin/persona", json=body, headers=hall.auth("ed"))
    assert saved.status_code == 200, saved.text
    eventually(lambda: hall.client.get("/api/persona").json()["name"] == "小安")
    assert hall.client.get("/api/persona").json()["looks"]["welcome"] == {
        "expression": "happy",
        "gesture": "bow",
    }
    hello = hall.client.post("/api/chat", json={"message": ""}).json()["reply"]
    assert hello["text"] == "您好，我是小安，今天想办什么事？"
    assert _audit(hall, target_type="setting")[0]["actor"] == "ed"

    bad = hall.client.put(
        "/api/admin/persona",
        json={"phrasings": {"welcome": ["{secret}"]}},
        headers=hall.auth("ed"),
    )
    assert bad.status_code == 422
    assert "phrasings.welcome[0]" in bad.json()["detail"]
    rate = hall.client.put(
        "/api/admin/persona", json={"voice": {"rate": 5}}, headers=hall.auth("ed")
    )
    assert rate.status_code == 422


def test_hall_information_edit_is_live(hall: Hall) -> None:
    info = hall.client.get("/api/admin/hall", headers=hall.auth("vi")).json()
    info["phone"] = "0755-12345678"
    info["announcements"] = [
        {"title": "端午节安排", "body": "端午节当天暂停窗口服务。", "date": "2027-06-19"}
    ]
    saved = hall.client.put("/api/admin/hall", json=info, headers=hall.auth("ed"))
    assert saved.status_code == 200, saved.text
    eventually(lambda: hall.client.get("/api/hall").json()["phone"] == "0755-12345678")
    assert hall.client.get("/api/hall").json()["announcements"][0]["title"] == "端午节安排"
    bad = hall.client.put(
        "/api/admin/hall", json={**info, "bus_lines": ["x" * 41]}, headers=hall.auth("ed")
    )
    assert bad.status_code == 422


# -- users --------------------------------------------------------------------------------------


def test_users_are_managed_by_admins(hall: Hall) -> None:
    created = hall.client.post(
        "/api/admin/users",
        json={"name": "li.na", "role": "viewer", "password": "li na's password"},
        headers=hall.auth("ann"),
    )
    assert created.status_code == 201
    assert created.json()["role"] == "viewer"
    token = hall.client.post("/api/admin/users/li.na/tokens", headers=hall.auth("ann")).json()
    assert token["token"].startswith("hall_")
    mine = {"Authorization": f"Bearer {token['token']}"}
    assert hall.client.get("/api/admin/whoami", headers=mine).json()["name"] == "li.na"

    promoted = hall.client.patch(
        "/api/admin/users/li.na", json={"role": "editor"}, headers=hall.auth("ann")
    )
    assert promoted.json()["role"] == "editor"
    disabled = hall.client.patch(
        "/api/admin/users/li.na", json={"disabled": True}, headers=hall.auth("ann")
    )
    assert disabled.json()["disabled"] is True
    assert hall.client.get("/api/admin/whoami", headers=mine).status_code == 401
    names = [
        u["name"] for u in hall.client.get("/api/admin/users", headers=hall.auth("ann")).json()
    ]
    assert names == ["ann", "ed", "li.na", "vi"]
    text = json.dumps(_audit(hall, target_type="user"), ensure_ascii=False)
    assert "li na's password" not in text
    assert "argon2" not in text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(
            {"name": "ed", "role": "viewer", "password": "long enough pw"}, 409, id="taken"
        ),
        pytest.param({"name": "bob", "role": "root", "password": "long enough pw"}, 422, id="role"),
        pytest.param({"name": "bob", "role": "viewer", "password": "short"}, 422, id="weak"),
        pytest.param(
            {"name": "cli", "role": "viewer", "password": "long enough pw"}, 422, id="cli"
        ),
        pytest.param(
            {"name": "a b", "role": "viewer", "password": "long enough pw"}, 422, id="space"
        ),
    ],
)
def test_bad_accounts_are_refused(hall: Hall, body: dict[str, Any], status: int) -> None:
    response = hall.client.post("/api/admin/users", json=body, headers=hall.auth("ann"))
    assert response.status_code == status


def test_an_admin_cannot_lock_themselves_out(hall: Hall) -> None:
    for body in ({"disabled": True}, {"role": "viewer"}):
        response = hall.client.patch("/api/admin/users/ann", json=body, headers=hall.auth("ann"))
        assert response.status_code == 422


# -- audit ------------------------------------------------------------------------------------


def test_the_audit_is_read_only_and_filterable(hall: Hall) -> None:
    hall.client.post(
        "/api/admin/matters/HD-0101/questions",
        json={"question": "审计测试"},
        headers=hall.auth("ed"),
    )
    entries = _audit(hall, actor="ed")
    assert entries
    assert all(e["actor"] == "ed" for e in entries)
    one = hall.client.get(f"/api/admin/audit/{entries[0]['id']}", headers=hall.auth("vi")).json()
    assert one == entries[0]
    assert _audit(hall, q="审计测试")[0]["id"] == entries[0]["id"]
    assert _audit(hall, since="2999-01-01T00:00:00") == []
    for method in ("put", "patch", "delete", "post"):
        response = hall.client.request(
            method, f"/api/admin/audit/{entries[0]['id']}", headers=hall.auth("ann")
        )
        assert response.status_code == 405
    spec = hall.client.get("/openapi.json").json()["paths"]
    assert set(spec["/api/admin/audit"]) == {"get"}
    assert set(spec["/api/admin/audit/{entry_id}"]) == {"get"}


def test_a_banks_whole_text_may_be_bigger_than_a_citizens_body(hall: Hall) -> None:
    """The public API refuses bodies over 64 KB; the back office takes a bank's whole text."""
    text = "".join(f"词语{n:05d}\n" for n in range(12_000))  # ~130 KB of UTF-8
    response = hall.client.put(
        "/api/admin/lexicons/stopwords?dry_run=true",
        content=text.encode(),
        headers={**hall.auth("ed"), "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.text[:200]
    assert len(response.json()["added"]) == 12_000
    public = hall.client.post(
        "/api/chat",
        content=b'{"message": "' + b"x" * 100_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert public.status_code == 413
