"""``/api/matters``: paging, the literal filter, one matter's whole guide, and the error shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hall.api import create_app
from hall.settings import Settings
from hall.store import MatterRecord, QuestionSource, Store, upsert_matters
from hall.store.tables import MatterRow, QuestionRow, utcnow

GUIDE = {
    "code": "HD-0101",
    "title": "生育登记",
    "kind": "matter",
    "status": "active",
    "department": "卫生健康局",
    "region": "深圳市",
    "type": "公共服务",
    "parent": None,
    "aliases": ["生娃登记", "准生证"],
    "keywords": ["生育"],
    "conditions": "夫妻双方至少一方户籍在本市",
    "materials": ["身份证", "结婚证"],
    "process": ["网上申请", "审核", "发证"],
    "time_limit": "5个工作日",
    "promised_time_limit": "1个工作日",
    "fee": "不收费",
    "legal_basis": "《人口与计划生育条例》",
    "location": "各街道办事处",
    "hours": "周一至周五 9:00-12:00",
    "phone": "12345",
    "url": "https://example.org/guide/HD-0101",
    "online_url": "https://example.org/apply/HD-0101",
    "answer": None,
    "source": "demo",
}

# Codes differ only in digits, so the order is the same under any database collation.
CATALOGUE = [
    MatterRecord.model_validate({**GUIDE, "questions": ["怎么办生育登记", "准生证在哪里办"]}),
    MatterRecord(code="HD-0102", title="居住证办理", department="公安局", aliases=("居住证",)),
    MatterRecord(code="HD-0103", title="个税100%退税申报", department="税务局"),
    MatterRecord(code="HD-0104", title="社保卡_补办", department="人力资源和社会保障局"),
    MatterRecord(code="HD-0105", title="港澳台居民'居住证'申领", department="公安局"),
    MatterRecord(code="HD-0199", title="已取消的生育服务", status="retired"),
]
ACTIVE = ["HD-0101", "HD-0102", "HD-0103", "HD-0104", "HD-0105"]


@pytest.fixture
def client(store: Store, settings: Settings) -> Iterator[TestClient]:
    """The app on a store holding ``CATALOGUE`` and one question an admin added."""
    with store.session() as session:
        upsert_matters(session, CATALOGUE)
        row = session.query(MatterRow).filter_by(code="HD-0101").one()
        row.questions.append(
            QuestionRow(text="二孩怎么登记", source=QuestionSource.ADMIN.value, created_at=utcnow())
        )
    with TestClient(create_app(settings)) as client:
        yield client


def codes(body: dict[str, Any]) -> list[str]:
    return [matter["code"] for matter in body["data"]]


PAGES = [
    pytest.param({}, 1, 20, ACTIVE, id="defaults"),
    pytest.param({"size": 2}, 1, 2, ACTIVE[:2], id="first-page"),
    pytest.param({"size": 2, "page": 2}, 2, 2, ACTIVE[2:4], id="middle-page"),
    pytest.param({"size": 2, "page": 3}, 3, 2, ACTIVE[4:], id="last-page"),
    pytest.param({"size": 2, "page": 4}, 4, 2, [], id="past-the-end"),
    pytest.param({"size": 100}, 1, 100, ACTIVE, id="size-100"),
    pytest.param({"size": 1, "page": 100_000}, 100_000, 1, [], id="page-limit"),
]


@pytest.mark.parametrize(("params", "page", "size", "expected"), PAGES)
def test_list_pages(
    client: TestClient, params: dict[str, int], page: int, size: int, expected: list[str]
) -> None:
    response = client.get("/api/matters", params=params)
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["size"], body["count"]) == (page, size, len(ACTIVE))
    assert codes(body) == expected


FILTERS = [
    pytest.param("生育", ["HD-0101"], id="title-chinese"),
    pytest.param("准生证", ["HD-0101"], id="alias"),
    pytest.param("公安局", ["HD-0102", "HD-0105"], id="department"),
    pytest.param("居住证", ["HD-0102", "HD-0105"], id="title-and-alias"),
    pytest.param("HD-0103", ["HD-0103"], id="code"),
    pytest.param("  生育  ", ["HD-0101"], id="spaces-stripped"),
    pytest.param("", ACTIVE, id="empty-is-no-filter"),
    pytest.param("已取消", [], id="retired-left-out"),
    pytest.param("不存在的事项", [], id="nothing"),
]


@pytest.mark.parametrize(("q", "expected"), FILTERS)
def test_list_filter(client: TestClient, q: str, expected: list[str]) -> None:
    response = client.get("/api/matters", params={"q": q})
    assert response.status_code == 200
    assert codes(response.json()) == expected
    assert response.json()["count"] == len(expected)


LITERAL = [
    pytest.param("' OR 1=1 --", [], id="sql-or"),
    pytest.param("'; DROP TABLE matters; --", [], id="sql-drop"),
    pytest.param("%", ["HD-0103"], id="percent"),
    pytest.param("100%", ["HD-0103"], id="percent-after-text"),
    pytest.param("_", ["HD-0104"], id="underscore"),
    pytest.param("社保卡_", ["HD-0104"], id="underscore-after-text"),
    pytest.param("'", ["HD-0105"], id="quote"),
    pytest.param("\\", [], id="backslash"),
    pytest.param("[", [], id="json-bracket"),
    pytest.param('"', [], id="json-quote"),
]


@pytest.mark.parametrize(("q", "expected"), LITERAL)
def test_list_filter_is_literal(client: TestClient, q: str, expected: list[str]) -> None:
    response = client.get("/api/matters", params={"q": q})
    assert response.status_code == 200
    assert codes(response.json()) == expected
    # The store is intact after whatever was sent.
    assert client.get("/api/matters").json()["count"] == len(ACTIVE)


REFUSED = [
    pytest.param({"size": 101}, "size", id="size-over-100"),
    pytest.param({"size": 0}, "size", id="size-0"),
    pytest.param({"page": 0}, "page", id="page-0"),
    pytest.param({"page": -1}, "page", id="page-negative"),
    pytest.param({"page": 100_001}, "page", id="page-over-limit"),
    pytest.param({"page": "two"}, "page", id="page-not-a-number"),
    pytest.param({"q": "办" * 201}, "q", id="q-over-200"),
]


@pytest.mark.parametrize(("params", "field"), REFUSED)
def test_list_refuses(client: TestClient, params: dict[str, Any], field: str) -> None:
    response = client.get("/api/matters", params=params)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert [error["field"] for error in response.json()["errors"]] == [f"query.{field}"]


def test_list_accepts_q_of_200(client: TestClient) -> None:
    response = client.get("/api/matters", params={"q": "办" * 200})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_read_matter_whole_guide(client: TestClient) -> None:
    response = client.get("/api/matters/HD-0101")
    assert response.status_code == 200
    body = response.json()
    updated_at = datetime.fromisoformat(body.pop("updated_at"))
    assert updated_at.utcoffset() is not None, "times are sent with their offset"
    questions = body.pop("questions")
    assert body == GUIDE
    assert questions == [
        {"text": "怎么办生育登记", "source": "imported"},
        {"text": "准生证在哪里办", "source": "imported"},
        {"text": "二孩怎么登记", "source": "admin"},
    ]


@pytest.mark.parametrize(
    ("code", "title", "status"),
    [
        pytest.param("HD-0104", "社保卡_补办", "active", id="active"),
        pytest.param("HD-0199", "已取消的生育服务", "retired", id="retired-still-readable"),
    ],
)
def test_read_matter(client: TestClient, code: str, title: str, status: str) -> None:
    response = client.get(f"/api/matters/{code}")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["title"], body["status"]) == (code, title, status)
    assert body["questions"] == []
    assert body["materials"] == []


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("NOPE", id="unknown"),
        pytest.param("hd-0101", id="case-matters"),
        pytest.param("不存在", id="chinese"),
        pytest.param("' OR 1=1 --", id="sql"),
        pytest.param("HD-010%", id="percent"),
    ],
)
def test_read_unknown_matter(client: TestClient, code: str) -> None:
    response = client.get(f"/api/matters/{code}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "no matter has this code", "error": "matter_not_found"}


def test_read_matter_code_too_long(client: TestClient) -> None:
    response = client.get("/api/matters/" + "X" * 129)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.code"
