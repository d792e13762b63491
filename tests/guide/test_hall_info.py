"""The hall's introduction: shipped demo, validated field by field, stored over the shipped one."""

from __future__ import annotations

import datetime
import logging
import re
from typing import Any

import pytest

from hall.guide.errors import HallInfoInvalid
from hall.guide.hall_info import (
    HALL_KEY,
    Announcement,
    HallInfo,
    load_hall_info,
    parse_hall_info,
    save_hall_info,
    shipped_hall_info,
)
from hall.settings import Settings
from hall.store import Store, put_hall_setting

SHIPPED = shipped_hall_info()
VALID: dict[str, Any] = {
    "name": "示例区政务服务中心",
    "introduction": "示例介绍。",
    "address": "本市示例路2号",
    "hours": "每天 8:00-20:00",
    "phone": "0000-1234567",
    "transport": ["地铁示例2号线"],
    "bus_lines": ["示例3路"],
    "announcements": [{"title": "通知", "body": "正文", "date": "2024-05-06"}],
}


def with_(**changes: Any) -> dict[str, Any]:
    return {**VALID, **changes}


def announcement(**changes: Any) -> dict[str, Any]:
    return {"title": "通知", "body": "正文", "date": "2024-05-06", **changes}


@pytest.fixture
def local(settings: Settings) -> Settings:
    """Settings of a hall with its own phone and hours."""
    return settings.model_copy(
        update={"hall_phone": "0000-7654321", "hall_hours": "每天 8:00-20:00"}
    )


# --- shipped and parsing -------------------------------------------------------------------


def test_the_shipped_hall_is_demo_content() -> None:
    assert SHIPPED.name == "本市政务服务中心"
    assert "示例" in SHIPPED.address
    assert "示例" in SHIPPED.introduction
    assert SHIPPED.transport
    assert SHIPPED.bus_lines
    assert all(a.date <= datetime.date.today() for a in SHIPPED.announcements)


def test_the_shipped_hall_is_handed_out_as_copies() -> None:
    first = shipped_hall_info()
    first.bus_lines.append("改过")
    first.announcements[0].title = "改过"
    assert shipped_hall_info() == SHIPPED


def test_valid_input_is_parsed_and_stripped() -> None:
    info = parse_hall_info(with_(name="  示例区政务服务中心 ", bus_lines=[" 示例3路 "]))
    assert info.model_dump(mode="json") == {
        **VALID,
        "announcements": [{**VALID["announcements"][0], "url": None}],
    }
    assert info.announcements[0].date == datetime.date(2024, 5, 6)


@pytest.mark.parametrize(
    "url", [None, "https://example.org/notice/1", "http://example.org", "/notices/1"]
)
def test_announcement_urls(url: str | None) -> None:
    assert Announcement.model_validate(announcement(url=url)).url == url


def test_the_openapi_examples_are_valid() -> None:
    for model in (HallInfo, Announcement):
        examples = model.model_json_schema()["examples"]
        assert examples
        for example in examples:
            model.model_validate(example)


# (transport, bus lines) -> what the guide's {transport} says
WAYS = [
    (["地铁示例2号线。"], ["示例3路"], "地铁示例2号线；途经公交：示例3路"),
    (["地铁示例2号线", "自驾：地下停车场"], [], "地铁示例2号线；自驾：地下停车场"),
    ([], ["示例3路", "示例5路"], "途经公交：示例3路、示例5路"),
    ([], [], "路线请拨打0000-1234567咨询"),  # nothing entered: the phone, never an empty line
]


@pytest.mark.parametrize(("transport", "bus_lines", "said"), WAYS)
def test_the_guide_s_fills_say_the_hall(
    transport: list[str], bus_lines: list[str], said: str
) -> None:
    info = parse_hall_info(with_(transport=transport, bus_lines=bus_lines))
    assert info.fills() == {
        "hall": "示例区政务服务中心",
        "address": "本市示例路2号",
        "hours": "每天 8:00-20:00",
        "phone": "0000-1234567",
        "transport": said,
    }


def test_lists_may_be_empty() -> None:
    info = parse_hall_info(with_(transport=[], bus_lines=[], announcements=[]))
    assert (info.transport, info.bus_lines, info.announcements) == ([], [], [])


# input -> the start of one problem in the message, which names the field
BAD = [
    pytest.param([], "hall: Input should be a valid dictionary", id="not-an-object"),
    pytest.param(
        {k: v for k, v in VALID.items() if k != "phone"}, "phone: Field required", id="missing"
    ),
    pytest.param(with_(name=""), "name: String should have at least 1 character", id="empty"),
    pytest.param(with_(name="  "), "name: String should have at least 1 character", id="blank"),
    pytest.param(with_(name="长" * 61), "name: String should have at most 60", id="long-name"),
    pytest.param(with_(phone=12345), "phone: Input should be a valid string", id="phone-int"),
    pytest.param(with_(website="x"), "website: Extra inputs are not permitted", id="extra"),
    pytest.param(with_(transport="地铁"), "transport: Input should be a valid list", id="str"),
    pytest.param(
        with_(transport=["a" * 301]), "transport[0]: String should have at most 300", id="long"
    ),
    pytest.param(
        with_(transport=["地铁", " "]), "transport[1]: String should have at least 1", id="blank"
    ),
    pytest.param(
        with_(bus_lines=["1路"] * 101), "bus_lines: List should have at most 100", id="many"
    ),
    pytest.param(
        with_(announcements=[announcement(date="2024-13-01")]),
        "announcements[0].date: Input should be a valid date",
        id="bad-date",
    ),
    pytest.param(
        with_(announcements=[announcement(), {"title": "t", "date": "2024-01-01"}]),
        "announcements[1].body: Field required",
        id="no-body",
    ),
    pytest.param(
        with_(announcements=[announcement(url="javascript:alert(1)")]),
        "announcements[0].url: String should match pattern",
        id="script-url",
    ),
    pytest.param(
        with_(announcements=[announcement(pinned=True)]),
        "announcements[0].pinned: Extra inputs are not permitted",
        id="extra-in-announcement",
    ),
]


@pytest.mark.parametrize(("data", "problem"), BAD)
def test_invalid_input_is_refused_naming_the_field(data: Any, problem: str) -> None:
    with pytest.raises(HallInfoInvalid, match=r"(^|; )" + re.escape(problem)):
        parse_hall_info(data)


# --- the store -----------------------------------------------------------------------------


def test_an_empty_store_gives_the_shipped_hall_with_the_settings_phone(
    store: Store, local: Settings
) -> None:
    info = load_hall_info(store, local)
    assert info == SHIPPED.model_copy(update={"phone": "0000-7654321", "hours": "每天 8:00-20:00"})


def test_save_and_load_round_trip(store: Store, local: Settings) -> None:
    info = parse_hall_info(VALID)
    save_hall_info(store, info, by="admin")
    assert load_hall_info(store, local) == info  # the stored phone and hours win


def test_a_partial_stored_value_is_merged(store: Store, local: Settings) -> None:
    with store.session() as session:
        put_hall_setting(session, HALL_KEY, {"name": "示例区政务服务中心"})
    info = load_hall_info(store, local)
    assert info.name == "示例区政务服务中心"
    assert (info.phone, info.hours) == ("0000-7654321", "每天 8:00-20:00")
    assert info.announcements == SHIPPED.announcements


def test_an_invalid_introduction_is_not_saved(store: Store, local: Settings) -> None:
    broken = parse_hall_info(VALID).model_copy(update={"name": ""})
    with pytest.raises(HallInfoInvalid, match=r"^name: "):
        save_hall_info(store, broken, by="admin")
    assert load_hall_info(store, local).name == SHIPPED.name


CORRUPT = [
    pytest.param("garbage", "hall: expected an object, got str", id="text"),
    pytest.param([1], "hall: expected an object, got list", id="list"),
    pytest.param({"website": "x"}, "website: Extra inputs", id="extra"),
    pytest.param({"phone": ""}, "phone: String should have at least 1", id="empty-phone"),
    pytest.param({"announcements": [{"title": "t"}]}, "announcements[0].body", id="announcement"),
]


@pytest.mark.parametrize(("value", "message"), CORRUPT)
def test_a_corrupt_stored_value_falls_back_with_a_warning(
    store: Store, local: Settings, caplog: pytest.LogCaptureFixture, value: Any, message: str
) -> None:
    with store.session() as session:
        put_hall_setting(session, HALL_KEY, value)
    with caplog.at_level(logging.WARNING, logger="hall.guide.hall_info"):
        info = load_hall_info(store, local)
    assert info == load_hall_info_without_store(local)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert message in caplog.records[0].getMessage()


def load_hall_info_without_store(settings: Settings) -> HallInfo:
    return SHIPPED.model_copy(update={"phone": settings.hall_phone, "hours": settings.hall_hours})
