"""The two platform exports: Guangdong gdzwfw guide lines and the Sichuan sczwfw matter list."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from hall.importers import Format, InvalidRecords, import_file, load_records
from hall.importers.platforms import map_gdzwfw, map_sczwfw
from hall.settings import Settings
from hall.store import MatterRecord, Store, iter_matters

GD_ROW: dict[str, Any] = {
    "_id": {"$oid": "60ae6f94e995f7e541f057f2"},
    "TASK_CODE": "11440000006939756B2440101007000",
    "TASK_NAME": "临时价格干预范围事项提价申报",
    "DEPT_NAME": "广东省发展和改革委员会 ",
    "AREA_CODE_TEXT": "广东省",
    "TASK_TYPE_TEXT": "行政许可",
    "parentCatalogName": "临时价格干预",
    "matter_short": "提价申报，价格干预、无",
    "matter_daily": "临时价格干预范围事项提价申报/调价申报",
    "accept_standard": "价格显著上涨的，实行提价申报。",
    "material_intro": ["提价申报申请报告", "无", " 成本表 "],
    "handle_time": "30(工作日)",
    "handle_time_limit": "7(工作日)",
    "handle_location": "办理地点：广州市越秀区东风中路305号",
    "consult_phone": "020-34121084",
    "URL": "https://www.gdzwfw.gov.cn/gaio/apply.html#/11440000006939756B2440101007000",
    "matter_code": "无",
    "ONLINECHECK": "1",
}
GD_RECORD = MatterRecord(
    code="11440000006939756B2440101007000",
    title="临时价格干预范围事项提价申报",
    department="广东省发展和改革委员会",
    region="广东省",
    type="行政许可",
    parent="临时价格干预",
    aliases=("提价申报", "价格干预", "调价申报"),
    conditions="价格显著上涨的，实行提价申报。",
    materials=("提价申报申请报告", "成本表"),
    time_limit="30(工作日)",
    promised_time_limit="7(工作日)",
    location="广州市越秀区东风中路305号",
    phone="020-34121084",
    url="https://www.gdzwfw.gov.cn/gaio/apply.html#/11440000006939756B2440101007000",
    source="gdzwfw",
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, {}, id="full-row"),
        pytest.param(
            {"matter_short": "无", "matter_daily": None, "accept_standard": "无。"},
            {"aliases": (), "conditions": None},
            id="none-words-are-missing",
        ),
        pytest.param(
            {"consult_phone": "暂无", "handle_time": "/", "handle_time_limit": "-"},
            {"phone": None, "time_limit": None, "promised_time_limit": None},
            id="more-none-words",
        ),
        pytest.param(
            {"handle_location": "办理地点：无"},
            {"location": None},
            id="label-of-nothing",
        ),
        pytest.param(
            {"handle_location": "广州市天河区"},
            {"location": "广州市天河区"},
            id="location-without-label",
        ),
        pytest.param(
            {"material_intro": "申请书；身份证"},
            {"materials": ("申请书", "身份证")},
            id="materials-as-text",
        ),
        pytest.param(
            {
                "TASK_NAME": None,
                "matter_name": "备用名称",
                "TASK_TYPE_TEXT": "",
                "matter_type": "公共服务",
            },
            {
                "title": "备用名称",
                "type": "公共服务",
                "aliases": ("提价申报", "价格干预", "临时价格干预范围事项提价申报", "调价申报"),
            },
            id="fallback-fields",
        ),
        pytest.param(
            {"matter_short": "临时价格干预范围事项提价申报;提价", "matter_daily": "提价"},
            {"aliases": ("提价",)},
            id="alias-equal-to-title-dropped",
        ),
    ],
)
def test_map_gdzwfw(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    record = MatterRecord.model_validate(map_gdzwfw({**GD_ROW, **changes}))
    assert record == GD_RECORD.model_copy(update=expected)


SC_LINK = (
    "http://www.sczwfw.gov.cn/jiq/front/transition/ywTransToDetail?areaCode=511602000000"
    "&itemCode=511Z07001006-511602000000-000-11511301008778183N-1-00&taskType=10"
)


def digest_code(department: str, name: str) -> str:
    return "GA-" + hashlib.sha1(f"{department}|{name}".encode()).hexdigest()[:16]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {
                "department": "区经信局",
                "main_item": "未分类",
                "name": "企业投资项目备案",
                "link": SC_LINK,
            },
            {
                "code": "GA-511Z07001006-511602000000-000-11511301008778183N-1-00",
                "title": "企业投资项目备案",
                "department": "区经信局",
                "url": SC_LINK,
                "source": "sczwfw",
            },
            id="code-from-item-code-unclassified-parent-dropped",
        ),
        pytest.param(
            {"department": "区公安分局", "main_item": "户口迁移", "name": "迁入", "link": SC_LINK},
            {"parent": "户口迁移"},
            id="parent-kept",
        ),
        pytest.param(
            {"department": "区公安分局", "main_item": "迁入", "name": "迁入", "link": SC_LINK},
            {"parent": None},
            id="parent-equal-to-name-dropped",
        ),
        pytest.param(
            {"department": "区民政局", "main_item": "未分类", "name": "结婚登记", "link": "无"},
            {"code": digest_code("区民政局", "结婚登记"), "url": None},
            id="no-link-code-from-digest",
        ),
        pytest.param(
            {"department": "区民政局", "name": "离婚登记", "link": "http://x.gov.cn/a?b=1"},
            {"code": digest_code("区民政局", "离婚登记"), "url": "http://x.gov.cn/a?b=1"},
            id="link-without-item-code",
        ),
    ],
)
def test_map_sczwfw(raw: dict[str, Any], expected: dict[str, Any]) -> None:
    mapped = map_sczwfw(raw)
    for name, value in expected.items():
        assert mapped[name] == value, name
    record = MatterRecord.model_validate(mapped)
    assert record.title == raw["name"]
    assert record.code.startswith("GA-")


def test_sczwfw_digest_codes_are_stable_and_distinct() -> None:
    one = map_sczwfw({"department": "区民政局", "name": "结婚登记"})["code"]
    assert one == map_sczwfw({"department": "区民政局", "name": "结婚登记"})["code"]
    assert one != map_sczwfw({"department": "区公安分局", "name": "结婚登记"})["code"]


def gd_lines(rows: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode() + b"\n"


GD_SECOND = {
    **GD_ROW,
    "TASK_CODE": "11440000006940116U2440102002003",
    "TASK_NAME": "中小学地方课程教材初审",
    "DEPT_NAME": "广东省教育厅",
    "matter_short": "无",
    "matter_daily": "无",
    "material_intro": "无",
}
SC_ITEMS = [
    {"department": "区经信局", "main_item": "未分类", "name": "企业投资项目备案", "link": SC_LINK},
    {"department": "区民政局", "main_item": "婚姻登记", "name": "结婚登记", "link": ""},
]


@pytest.mark.parametrize(
    ("name", "content", "fmt", "codes"),
    [
        pytest.param(
            "policy.jsonl",
            gd_lines([GD_ROW, GD_SECOND]),
            "auto",
            [GD_ROW["TASK_CODE"], GD_SECOND["TASK_CODE"]],
            id="gdzwfw-jsonl-auto",
        ),
        pytest.param(
            "policy.json",
            json.dumps([GD_ROW, GD_SECOND], ensure_ascii=False).encode(),
            "auto",
            [GD_ROW["TASK_CODE"], GD_SECOND["TASK_CODE"]],
            id="gdzwfw-json-array-auto",
        ),
        pytest.param(
            "export.dat.jsonl",
            gd_lines([GD_ROW]),
            "gdzwfw",
            [GD_ROW["TASK_CODE"]],
            id="gdzwfw-explicit",
        ),
        pytest.param(
            "bszl.json",
            json.dumps(SC_ITEMS, ensure_ascii=False, indent=0).encode(),
            "auto",
            [
                "GA-511Z07001006-511602000000-000-11511301008778183N-1-00",
                digest_code("区民政局", "结婚登记"),
            ],
            id="sczwfw-auto",
        ),
        pytest.param(
            "bszl.json",
            json.dumps({"data": SC_ITEMS}, ensure_ascii=False).encode(),
            "sczwfw",
            [
                "GA-511Z07001006-511602000000-000-11511301008778183N-1-00",
                digest_code("区民政局", "结婚登记"),
            ],
            id="sczwfw-explicit-object",
        ),
    ],
)
def test_platform_files_import(
    store: Store,
    settings: Settings,
    tmp_path: Path,
    name: str,
    content: bytes,
    fmt: str,
    codes: list[str],
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    first = import_file(store, path, settings=settings, fmt=fmt)
    again = import_file(store, path, settings=settings, fmt=fmt)

    assert first.format in (Format.GDZWFW, Format.SCZWFW)
    assert first.ignored_fields == []  # platform fields are mapped, not "unknown"
    assert first.report.created == len(codes)
    assert again.report.unchanged == len(codes)
    with store.session(commit=False) as session:
        matters = iter_matters(session)
    assert [m.code for m in matters] == sorted(codes)
    if first.format is Format.GDZWFW:
        assert matters[codes.index(GD_ROW["TASK_CODE"])].record == GD_RECORD


@pytest.mark.parametrize(
    ("name", "content", "problems", "fragments"),
    [
        pytest.param(
            "policy.jsonl",
            gd_lines([GD_ROW, {**GD_SECOND, "TASK_NAME": "无"}]),
            [("line 2", "title")],
            ["line 2, field 'title'"],
            id="gdzwfw-without-name",
        ),
        pytest.param(
            "policy.jsonl",
            gd_lines([GD_ROW, GD_SECOND, GD_ROW]),
            [("line 3", "code")],
            [f"line 3, field 'code': code '{GD_ROW['TASK_CODE']}' already used at line 1"],
            id="gdzwfw-code-twice",
        ),
        pytest.param(
            "bszl.json",
            json.dumps([*SC_ITEMS, {**SC_ITEMS[0], "name": "另一个名字"}]).encode(),
            [("item 3", "code")],
            ["item 3, field 'code'", "already used at item 1"],
            id="sczwfw-item-code-twice",
        ),
        pytest.param(
            "bszl.json",
            json.dumps([SC_ITEMS[0], {"department": "区民政局", "link": ""}]).encode(),
            [("item 2", "code"), ("item 2", "title")],
            ["item 2, field 'title'"],
            id="sczwfw-without-name",
        ),
    ],
)
def test_bad_platform_rows_are_named(
    tmp_path: Path,
    name: str,
    content: bytes,
    problems: list[tuple[str, str]],
    fragments: list[str],
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidRecords) as caught:
        load_records(path, settings=Settings(environment="test", data_dir=tmp_path))
    assert [(p.where, p.field) for p in caught.value.problems] == problems
    for fragment in [str(path), *fragments]:
        assert fragment in str(caught.value)
