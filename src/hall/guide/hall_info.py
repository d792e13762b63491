"""The hall's introduction (``GET /api/hall``): where it is, when it is open, how to get there.

Admins edit it in the back office; the store keeps it as JSON under ``"hall"``, merged field by
field over the shipped demo in ``hall/data/hall.json``, whose phone and hours give way to
``HALL_HALL_PHONE`` and ``HALL_HALL_HOURS``. A corrupt stored value is logged and ignored: the
portal keeps showing the shipped introduction rather than an error.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hall.guide.errors import HallInfoInvalid
from hall.settings import Settings
from hall.store import Store, get_hall_setting, put_hall_setting

__all__ = [
    "HALL_KEY",
    "Announcement",
    "HallInfo",
    "load_hall_info",
    "parse_hall_info",
    "save_hall_info",
    "shipped_hall_info",
]

logger = logging.getLogger(__name__)

HALL_KEY = "hall"

_Transport = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
_BusLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

_EXAMPLE_ANNOUNCEMENT: dict[str, Any] = {
    "title": "节假日办事安排",
    "body": "法定节假日期间中心窗口暂停服务，网上审批大厅正常受理申请。",
    "date": "2024-01-01",
    "url": "/notices/holiday",
}
_EXAMPLE: dict[str, Any] = {
    "name": "本市政务服务中心",
    "introduction": "集中办理行政审批和公共服务事项的综合服务平台。",
    "address": "本市示例大道1号",
    "hours": "周一至周五 9:00-12:00，13:30-17:30（法定节假日除外）",
    "phone": "12345",
    "transport": ["地铁：示例1号线“政务中心站”B出口，步行约200米。"],
    "bus_lines": ["示例1路", "示例12路"],
    "announcements": [_EXAMPLE_ANNOUNCEMENT],
}


class Announcement(BaseModel):
    """A notice on the hall's front page; ``url`` links to the full text (absolute or a path)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [_EXAMPLE_ANNOUNCEMENT]},
    )

    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=2000)
    date: datetime.date
    url: str | None = Field(default=None, max_length=500, pattern=r"^(https?://|/)\S*$")


class HallInfo(BaseModel):
    """The hall's introduction as the portal shows it."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [_EXAMPLE]}
    )

    name: str = Field(min_length=1, max_length=60)
    introduction: str = Field(min_length=1, max_length=2000)
    address: str = Field(min_length=1, max_length=200)
    hours: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=60)
    transport: list[_Transport] = Field(default_factory=list, max_length=20)
    bus_lines: list[_BusLine] = Field(default_factory=list, max_length=100)
    announcements: list[Announcement] = Field(default_factory=list, max_length=50)

    def fills(self) -> dict[str, str]:
        """What the guide's replies may say of the hall (``{hall}``, ``{address}``, ``{hours}``,
        ``{phone}``, ``{transport}``), so "大厅几点下班" is answered with what an admin entered
        here, never with text written into the replies."""
        ways = "；".join(line.rstrip("。；;") for line in self.transport)
        if self.bus_lines:
            ways += ("；" if ways else "") + "途经公交：" + "、".join(self.bus_lines)
        return {
            "hall": self.name,
            "address": self.address,
            "hours": self.hours,
            "phone": self.phone,
            "transport": ways or f"路线请拨打{self.phone}咨询",
        }


def parse_hall_info(data: Any) -> HallInfo:
    """Validate ``data``; :class:`HallInfoInvalid` names each bad field (``bus_lines[2]``)."""
    try:
        return HallInfo.model_validate(data)
    except ValidationError as exc:
        raise HallInfoInvalid("; ".join(_problems(exc))) from exc


def shipped_hall_info() -> HallInfo:
    """The demo introduction shipped in ``hall/data/hall.json`` (a fresh copy each call)."""
    return _shipped().model_copy(deep=True)


def load_hall_info(store: Store, settings: Settings) -> HallInfo:
    """The store's introduction over the shipped one, phone and hours from ``settings``.

    A stored value that no longer validates is logged and ignored, never raised.
    """
    base = _shipped().model_dump(mode="json")
    base.update({"phone": settings.hall_phone, "hours": settings.hall_hours})
    with store.session(commit=False) as session:
        stored = get_hall_setting(session, HALL_KEY)
    if stored is not None:
        try:
            if not isinstance(stored, Mapping):
                raise HallInfoInvalid(f"hall: expected an object, got {type(stored).__name__}")
            return parse_hall_info({**base, **stored})
        except HallInfoInvalid as exc:
            logger.warning("ignoring the stored hall introduction, using the shipped one: %s", exc)
    return parse_hall_info(base)


def save_hall_info(store: Store, info: HallInfo, *, by: str) -> None:
    """Validate and store the whole introduction; raises :class:`HallInfoInvalid` before writing."""
    data = parse_hall_info(info.model_dump(mode="json")).model_dump(mode="json")
    with store.session() as session:
        put_hall_setting(session, HALL_KEY, data, by=by)


@cache
def _shipped() -> HallInfo:
    text = (resources.files("hall.data") / "hall.json").read_text(encoding="utf-8-sig")
    try:
        return parse_hall_info(json.loads(text))
    except (ValueError, HallInfoInvalid) as exc:  # a packaging bug, not an admin's edit
        raise HallInfoInvalid(f"hall/data/hall.json: {exc}") from exc


def _problems(exc: ValidationError) -> list[str]:
    found = []
    for error in exc.errors(include_url=False):
        where = ""
        for part in error["loc"]:
            where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
        found.append(f"{where or 'hall'}: {error['msg']}")
    return found
