"""MatterRecord: what the interchange accepts, how it normalises, and what it refuses."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hall.store import FIELD_ORDER, MatterKind, MatterRecord, MatterStatus

BASE = {"code": "A1", "title": "出生登记"}


def failing_fields(exc: ValidationError) -> set[str]:
    """The fields a validation error is about; model-level checks name theirs in the message."""
    fields = set()
    for error in exc.errors():
        if error["loc"]:
            fields.add(str(error["loc"][0]))
        else:
            match = re.search(r"field '(\w+)'", error["msg"])
            assert match, f"a model-level error that names no field: {error['msg']}"
            fields.add(match.group(1))
    return fields


# (data, context, expected attribute values)
VALID = [
    pytest.param(
        {"code": " A1 ", "title": "\u3000出生登记 \n"},
        None,
        {"code": "A1", "title": "出生登记"},
        id="strings-stripped",
    ),
    pytest.param(
        {**BASE, "materials": "身份证；户口簿；；出生医学证明"},
        None,
        {"materials": ("身份证", "户口簿", "出生医学证明")},
        id="str-list-split-on-full-width-semicolon",
    ),
    pytest.param(
        {**BASE, "process": "申请\n受理\n\n办结"},
        None,
        {"process": ("申请", "受理", "办结")},
        id="str-list-split-on-newline",
    ),
    pytest.param(
        {**BASE, "aliases": [" 准生证 ", "准生证", "生育服务证 ", "", "  "]},
        None,
        {"aliases": ("准生证", "生育服务证")},
        id="list-items-stripped-deduplicated-blank-dropped",
    ),
    pytest.param(
        {**BASE, "materials": ["身份证；户口簿；", "户口簿"]},
        None,
        {"materials": ("身份证", "户口簿")},
        id="list-items-split-like-cells",
    ),
    pytest.param(
        {**BASE, "materials": ("a, b", '"引号"')},
        None,
        {"materials": ("a, b", '"引号"')},
        id="commas-and-quotes-kept-in-items",
    ),
    pytest.param(
        {**BASE, "conditions": "第一条\r\n第二条\r第三条\n\t第四条"},
        None,
        {"conditions": "第一条\n第二条\n第三条\n\t第四条"},
        id="line-ends-normalised-tab-kept",
    ),
    pytest.param(
        {**BASE, "department": "  ", "region": None, "url": ""},
        None,
        {"department": None, "region": None, "url": None},
        id="blank-and-null-are-missing",
    ),
    pytest.param(
        {**BASE, "TASK_CODE": "X", "foo": 1, "materials_count": "many"},
        None,
        {"code": "A1"},
        id="unknown-fields-ignored",
    ),
    pytest.param(
        {**BASE, "kind": "faq", "status": "retired", "answer": "带身份证。"},
        None,
        {"kind": MatterKind.FAQ, "status": MatterStatus.RETIRED, "answer": "带身份证。"},
        id="faq-retired",
    ),
    pytest.param(
        {**BASE, "conditions": "x" * 150},
        {"max_chars": 200},
        {"conditions": "x" * 150},
        id="under-max-chars-context",
    ),
    pytest.param(
        {**BASE, "conditions": "x" * 20_000},
        None,
        {"conditions": "x" * 20_000},
        id="at-default-max-chars",
    ),
    pytest.param(
        {**BASE, "title": "'; DROP TABLE matters; --"},
        None,
        {"title": "'; DROP TABLE matters; --"},
        id="injection-looking-text-kept",
    ),
]


@pytest.mark.parametrize(("data", "context", "expected"), VALID)
def test_valid_records_are_normalised(
    data: dict[str, Any], context: dict[str, int] | None, expected: dict[str, Any]
) -> None:
    record = MatterRecord.model_validate(data, context=context)
    for name, value in expected.items():
        assert getattr(record, name) == value, name


def test_unknown_fields_are_not_kept() -> None:
    record = MatterRecord.model_validate({**BASE, "TASK_CODE": "X", "foo": 1})
    assert not hasattr(record, "foo")
    assert record.to_dict() == {"code": "A1", "title": "出生登记", "kind": "matter"}


# (data, context, the one field the error is about)
INVALID = [
    pytest.param({"title": "t"}, None, "code", id="code-missing"),
    pytest.param({"code": "", "title": "t"}, None, "code", id="code-empty"),
    pytest.param({"code": " \t ", "title": "t"}, None, "code", id="code-whitespace"),
    pytest.param({"code": "A1"}, None, "title", id="title-missing"),
    pytest.param({"code": "A1", "title": ""}, None, "title", id="title-empty"),
    pytest.param({"code": "A1", "title": "\u3000 \n"}, None, "title", id="title-whitespace"),
    pytest.param({"code": "A1", "title": None}, None, "title", id="title-null"),
    pytest.param({"code": "A1", "title": 12}, None, "title", id="title-number"),
    pytest.param({"code": "A1", "title": ["a"]}, None, "title", id="title-list"),
    pytest.param({"code": 440100, "title": "t"}, None, "code", id="code-number"),
    pytest.param({**BASE, "materials": 7}, None, "materials", id="materials-number"),
    pytest.param({**BASE, "materials": [1, 2]}, None, "materials", id="materials-items-numbers"),
    pytest.param({**BASE, "kind": "foo"}, None, "kind", id="kind-unknown"),
    pytest.param({**BASE, "status": "deleted"}, None, "status", id="status-unknown"),
    pytest.param({**BASE, "department": {"name": "x"}}, None, "department", id="text-as-object"),
    pytest.param({"code": "C" * 129, "title": "t"}, None, "code", id="code-over-128"),
    pytest.param({"code": "A1", "title": "题" * 501}, None, "title", id="title-over-500"),
    pytest.param(
        {**BASE, "conditions": "x" * 101}, {"max_chars": 100}, "conditions", id="over-max-chars"
    ),
    pytest.param(
        {**BASE, "conditions": "x" * 1_000_000}, None, "conditions", id="absurdly-long-field"
    ),
    pytest.param(
        {**BASE, "materials": ["x" * 101]}, {"max_chars": 100}, "materials", id="long-list-item"
    ),
    pytest.param({**BASE, "aliases": ["别" * 501]}, None, "aliases", id="alias-over-500"),
    pytest.param(
        {**BASE, "materials": "a；b；c；d"}, {"max_items": 3}, "materials", id="over-max-items"
    ),
    pytest.param({"code": "A1", "title": "出生\x00登记"}, None, "title", id="nul-in-title"),
    pytest.param({**BASE, "materials": ["ok", "bad\x00"]}, None, "materials", id="nul-in-item"),
    pytest.param({**BASE, "conditions": "\x1b[31m红"}, None, "conditions", id="escape-char"),
    pytest.param({**BASE, "phone": "020\x7f"}, None, "phone", id="delete-char"),
    pytest.param({**BASE, "answer": "a\ufffeb"}, None, "answer", id="noncharacter-fffe"),
]


@pytest.mark.parametrize(("data", "context", "field"), INVALID)
def test_invalid_records_are_refused_naming_the_field(
    data: dict[str, Any], context: dict[str, int] | None, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        MatterRecord.model_validate(data, context=context)
    assert failing_fields(caught.value) == {field}


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        pytest.param(BASE, ["code", "title", "kind"], id="minimal"),
        pytest.param(
            {
                "questions": ["怎么办出生登记"],
                "url": "https://example.gov.cn/1",
                "materials": ["身份证"],
                "status": "retired",
                "department": "公安局",
                "title": "出生登记",
                "code": "A1",
                "aliases": [],
                "answer": None,
                "conditions": "",
            },
            ["code", "title", "kind", "status", "department", "materials", "url", "questions"],
            id="interchange-order-empties-omitted",
        ),
        pytest.param(
            {**BASE, "status": "active", "kind": "faq", "answer": "是"},
            ["code", "title", "kind", "answer"],
            id="active-status-omitted",
        ),
    ],
)
def test_to_dict_order_and_omissions(data: dict[str, Any], keys: list[str]) -> None:
    out = MatterRecord.model_validate(data).to_dict()
    assert list(out) == keys
    assert [k for k in FIELD_ORDER if k in out] == keys
    assert all(isinstance(v, str | list) for v in out.values())


def test_to_dict_values_are_plain() -> None:
    out = MatterRecord.model_validate(
        {**BASE, "kind": "faq", "status": "retired", "materials": "a；b"}
    ).to_dict()
    assert type(out["kind"]) is str
    assert out["kind"] == "faq"
    assert type(out["status"]) is str
    assert out["status"] == "retired"
    assert out["materials"] == ["a", "b"]


# Text that the interchange must carry unchanged: no control characters, no list separators,
# already stripped (normalisation is what the other tests pin).
_TEXT = (
    st.text(
        st.characters(
            blacklist_categories=("Cs", "Cc"),
            blacklist_characters="；\ufffe\uffff",
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    code=_TEXT.filter(lambda s: len(s) <= 128),
    title=_TEXT,
    conditions=st.none() | _TEXT,
    aliases=st.lists(_TEXT, max_size=4, unique=True),
)
def test_to_dict_validates_back_to_the_same_record(
    code: str, title: str, conditions: str | None, aliases: list[str]
) -> None:
    record = MatterRecord(code=code, title=title, conditions=conditions, aliases=tuple(aliases))
    assert record.title == title
    assert record.aliases == tuple(aliases)
    assert MatterRecord.model_validate(record.to_dict()) == record
