"""The repository: upserts by code, question provenance, retiring, listing and lookup."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hall.store import (
    Matter,
    MatterKind,
    MatterNotFound,
    MatterRecord,
    MatterStatus,
    QuestionSource,
    Store,
    UpsertReport,
    count_matters,
    get_matter,
    iter_matters,
    search_matters,
    upsert_matters,
)
from hall.store.tables import MatterRow, QuestionRow, utcnow


def rec(code: str, title: str = "出生登记", **fields: Any) -> MatterRecord:
    return MatterRecord.model_validate({"code": code, "title": title, **fields})


def upsert(store: Store, records: list[MatterRecord], **options: Any) -> UpsertReport:
    with store.session() as session:
        return upsert_matters(session, records, **options)


def get(store: Store, code: str) -> Matter:
    with store.session(commit=False) as session:
        return get_matter(session, code)


def counts(report: UpsertReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.retired


BEFORE = {
    "department": "公安局",
    "materials": ["身份证", "出生医学证明"],
    "questions": ["怎么给孩子上户口", "新生儿落户"],
}

# (fields of the second upsert of code A1, updated?)
CHANGES = [
    pytest.param(BEFORE, False, id="identical"),
    pytest.param({**BEFORE, "department": " 公安局 "}, False, id="same-after-normalising"),
    pytest.param(
        {**BEFORE, "questions": ["新生儿落户", "怎么给孩子上户口"]}, False, id="questions-reordered"
    ),
    pytest.param({**BEFORE, "department": "民政局"}, True, id="text-changed"),
    pytest.param({**BEFORE, "department": None}, True, id="text-removed"),
    pytest.param({**BEFORE, "materials": ["出生医学证明", "身份证"]}, True, id="list-reordered"),
    pytest.param({**BEFORE, "questions": ["新生儿落户"]}, True, id="question-removed"),
    pytest.param(
        {**BEFORE, "questions": [*BEFORE["questions"], "入户"]}, True, id="question-added"
    ),
    pytest.param({**BEFORE, "status": "retired"}, True, id="retired"),
    pytest.param({**BEFORE, "kind": "faq", "answer": "带出生证。"}, True, id="kind-changed"),
]


@pytest.mark.parametrize(("after", "updated"), CHANGES)
def test_upsert_updates_only_real_changes(
    store: Store, after: dict[str, Any], updated: bool
) -> None:
    assert counts(upsert(store, [rec("A1", **BEFORE), rec("B1")])) == (2, 0, 0, 0)
    first = get(store, "A1")

    report = upsert(store, [rec("A1", **after), rec("B1"), rec("C1")])

    assert counts(report) == (1, 1, 1, 0) if updated else (1, 0, 2, 0)
    assert report.total == 3
    second = get(store, "A1")
    assert second.record == rec("A1", **after) if updated else first.record
    assert second.created_at == first.created_at
    if updated:
        assert second.revision == first.revision + 1
        assert second.updated_at > first.updated_at
    else:
        assert (second.revision, second.updated_at) == (first.revision, first.updated_at)


def test_reimport_changes_nothing(store: Store) -> None:
    records = [
        rec("A1", **BEFORE),
        rec("B1", "社保转移", kind="faq", answer="在线办理。", status="retired"),
        rec("C1", "结婚登记", aliases=["领证"], process="预约；登记"),
    ]
    upsert(store, records)
    with store.session(commit=False) as session:
        before = [(m.record, m.revision, m.updated_at) for m in iter_matters(session)]

    report = upsert(store, records)

    assert counts(report) == (0, 0, 3, 0)
    with store.session(commit=False) as session:
        after = [(m.record, m.revision, m.updated_at) for m in iter_matters(session)]
    assert after == before


def test_upsert_refuses_duplicate_codes(store: Store) -> None:
    with pytest.raises(ValueError, match="distinct codes"):
        upsert(store, [rec("A1"), rec("A1", "另一个")])
    with store.session(commit=False) as session:
        assert count_matters(session) == 0


def test_upsert_is_all_or_nothing_with_its_session(store: Store) -> None:
    upsert(store, [rec("A1")])

    def upsert_then_fail() -> None:
        with store.session() as session:
            upsert_matters(session, [rec("A1", "改了"), rec("B1")])
            raise RuntimeError("the caller fails after the upsert")

    with pytest.raises(RuntimeError, match="after the upsert"):
        upsert_then_fail()
    with store.session(commit=False) as session:  # a dry run
        upsert_matters(session, [rec("C1")])
    with store.session(commit=False) as session:
        assert [m.record for m in iter_matters(session)] == [rec("A1")]


def add_question(store: Store, code: str, text: str, source: QuestionSource) -> None:
    with store.session() as session:
        row = session.scalars(select(MatterRow).where(MatterRow.code == code)).one()
        session.add(
            QuestionRow(matter_id=row.id, text=text, source=source.value, created_at=utcnow())
        )


def test_import_replaces_imported_questions_and_keeps_admin_ones(store: Store) -> None:
    upsert(store, [rec("A1", questions=["旧问法一", "旧问法二"])])
    add_question(store, "A1", "管理员加的问法", QuestionSource.ADMIN)
    add_question(store, "A1", "从反馈学到的问法", QuestionSource.LEARNED)

    report = upsert(store, [rec("A1", questions=["旧问法二", "新问法"])])

    assert counts(report) == (0, 1, 0, 0)
    matter = get(store, "A1")
    assert {(q.text, q.source) for q in matter.question_items} == {
        ("旧问法二", QuestionSource.IMPORTED),
        ("新问法", QuestionSource.IMPORTED),
        ("管理员加的问法", QuestionSource.ADMIN),
        ("从反馈学到的问法", QuestionSource.LEARNED),
    }
    # A file without questions removes only the imported ones.
    upsert(store, [rec("A1")])
    assert {(q.text, q.source) for q in get(store, "A1").question_items} == {
        ("管理员加的问法", QuestionSource.ADMIN),
        ("从反馈学到的问法", QuestionSource.LEARNED),
    }


def test_a_file_question_equal_to_an_admin_one_stays_admin(store: Store) -> None:
    upsert(store, [rec("A1")])
    add_question(store, "A1", "同一个问法", QuestionSource.ADMIN)
    upsert(store, [rec("A1", questions=["同一个问法"])])
    assert [(q.text, q.source) for q in get(store, "A1").question_items] == [
        ("同一个问法", QuestionSource.ADMIN)
    ]
    upsert(store, [rec("A1")])
    assert [q.text for q in get(store, "A1").question_items] == ["同一个问法"]


def test_retire_missing_retires_only_active_matters_missing_from_the_file(store: Store) -> None:
    upsert(store, [rec("A1"), rec("B1"), rec("C1"), rec("D1", status="retired")])
    retired_before = get(store, "D1")

    report = upsert(store, [rec("A1"), rec("C1")], retire_missing=True)

    assert counts(report) == (0, 0, 2, 1)
    statuses = {code: get(store, code).record.status for code in ("A1", "B1", "C1", "D1")}
    assert statuses == {
        "A1": MatterStatus.ACTIVE,
        "B1": MatterStatus.RETIRED,
        "C1": MatterStatus.ACTIVE,
        "D1": MatterStatus.RETIRED,
    }
    assert get(store, "B1").revision == 2
    assert get(store, "D1").revision == retired_before.revision

    # Without retire_missing nothing is retired; a later import with the code reactivates it.
    report = upsert(store, [rec("B1")])
    assert counts(report) == (0, 1, 0, 0)
    assert get(store, "B1").record.status is MatterStatus.ACTIVE
    assert get(store, "B1").revision == 3


def test_retire_missing_with_many_codes(store: Store) -> None:
    upsert(store, [rec(f"K{i:04d}") for i in range(1200)])
    report = upsert(store, [rec(f"K{i:04d}") for i in range(0, 1200, 2)], retire_missing=True)
    assert counts(report) == (0, 0, 600, 600)
    with store.session(commit=False) as session:
        assert count_matters(session, status=MatterStatus.RETIRED) == 600
        assert count_matters(session, status=MatterStatus.ACTIVE) == 600
        assert count_matters(session) == 1200


def test_get_matter_raises_matter_not_found(store: Store) -> None:
    upsert(store, [rec("A1")])
    with pytest.raises(MatterNotFound, match="'A2'") as caught, store.session() as session:
        get_matter(session, "A2")
    assert caught.value.code == "A2"


def test_get_matter_returns_the_record(store: Store) -> None:
    record = rec(
        "A1",
        kind="faq",
        answer="带户口簿。",
        aliases=["上户口"],
        materials=["户口簿", "出生证"],
        questions=["怎么上户口"],
    )
    upsert(store, [record])
    matter = get(store, "A1")
    assert matter.code == "A1"
    assert matter.record == record
    assert matter.revision == 1
    assert matter.created_at.tzinfo is not None
    assert matter.updated_at == matter.created_at


def test_iter_matters_orders_by_code_point_not_collation(store: Store) -> None:
    codes = ["b", "B", "a", "中", "10", "9", "a-1", "a_1", "Ａ"]
    upsert(store, [rec(code) for code in codes])
    with store.session(commit=False) as session:
        assert [m.code for m in iter_matters(session)] == sorted(codes)


SEARCHABLE = [
    rec("M01", "100%达标认证", department="市场监督管理局"),
    rec("M02", "a_b 测试事项"),
    rec("M03", "生育登记", aliases=["准生证", "二胎登记"], department="卫生健康委员会"),
    rec("M04", "出生登记", department="公安局"),
    rec("M05", "已取消的登记", status="retired"),
    rec("M06", "社保怎么转移", kind="faq", answer="在线办理。"),
    rec("M07", "100达标"),
    rec("M08", "aXb 测试事项"),
    *(rec(f"P{i:02d}", f"户籍事项{i}") for i in range(12)),
]
PAGED = [f"P{i:02d}" for i in range(12)]


@pytest.mark.parametrize(
    ("query", "options", "codes", "total"),
    [
        pytest.param("%", {}, ["M01"], 1, id="percent-escaped"),
        pytest.param("100%", {}, ["M01"], 1, id="percent-literal"),
        pytest.param("_", {}, ["M02"], 1, id="underscore-escaped"),
        pytest.param("a_b", {}, ["M02"], 1, id="underscore-literal"),
        pytest.param("准生", {}, ["M03"], 1, id="alias-chinese"),
        pytest.param("二胎登记", {}, ["M03"], 1, id="alias-whole"),
        pytest.param("登记", {}, ["M03", "M04"], 2, id="retired-excluded"),
        pytest.param(
            "登记", {"include_retired": True}, ["M03", "M04", "M05"], 3, id="retired-included"
        ),
        pytest.param("公安", {}, ["M04"], 1, id="department"),
        pytest.param("M0", {"limit": 3}, ["M01", "M02", "M03"], 7, id="code-limit"),
        pytest.param(None, {"kind": MatterKind.FAQ}, ["M06"], 1, id="kind-filter"),
        pytest.param("登记", {"kind": MatterKind.FAQ}, [], 0, id="kind-and-query"),
        pytest.param("  户籍事项  ", {"offset": 5, "limit": 5}, PAGED[5:10], 12, id="page-2"),
        pytest.param("户籍事项", {"offset": 10, "limit": 5}, PAGED[10:], 12, id="last-page"),
        pytest.param("户籍事项", {"offset": 20}, [], 12, id="past-the-end"),
        pytest.param("", {"offset": 7, "limit": 3}, ["P00", "P01", "P02"], 19, id="empty-query"),
        pytest.param("   ", {"limit": 1}, ["M01"], 19, id="blank-query"),
        pytest.param("不存在的事项", {}, [], 0, id="no-match"),
        pytest.param("'; DROP TABLE matters; --", {}, [], 0, id="injection-looking"),
        pytest.param("m0", {"limit": 1}, ["M01"], 7, id="case-insensitive-code"),
        pytest.param("A_B", {}, ["M02"], 1, id="case-insensitive-title"),
        pytest.param("[", {}, [], 0, id="no-json-syntax-bracket"),
        pytest.param(",", {}, [], 0, id="no-json-syntax-comma"),
        pytest.param('"', {}, [], 0, id="no-json-syntax-quote"),
    ],
)
def test_search_matters(
    store: Store, query: str | None, options: dict[str, Any], codes: list[str], total: int
) -> None:
    upsert(store, SEARCHABLE)
    with store.session(commit=False) as session:
        page, count = search_matters(session, query, **options)
    assert [m.code for m in page] == codes
    assert count == total
