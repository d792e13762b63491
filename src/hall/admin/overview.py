"""The back office's home: the catalogue's size, today's questions and the engine's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hall.guide import Engine
from hall.store import MatterKind, MatterStatus, count_matters, history_counts, search_matters

__all__ = ["HALL_TIMEZONE", "Overview", "overview", "start_of_day"]

#: A day of the hall is a day in China's one time zone.
HALL_TIMEZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Overview:
    matters: int
    retired: int
    faqs: int
    questions: int
    today: dict[str, int]
    snapshot_revision: int
    snapshot_age_s: float
    snapshot_matters: int
    encoder: str

    @property
    def asked_today(self) -> int:
        return sum(self.today.values())


def start_of_day(now: datetime | None = None) -> datetime:
    local = (now or datetime.now(HALL_TIMEZONE)).astimezone(HALL_TIMEZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def overview(engine: Engine, *, now: datetime | None = None) -> Overview:
    snap = engine.snapshot
    with engine.store.session(commit=False) as session:
        active = count_matters(session, status=MatterStatus.ACTIVE)
        retired = count_matters(session, status=MatterStatus.RETIRED)
        faqs = search_matters(session, kind=MatterKind.FAQ, limit=1)[1]
        today = history_counts(session, since=start_of_day(now))
    return Overview(
        matters=active,
        retired=retired,
        faqs=faqs,
        questions=snap.questions,
        today={d: today.get(d, 0) for d in ("answer", "element", "clarify", "none", "welcome")}
        | {d: n for d, n in today.items()},
        snapshot_revision=snap.revision,
        snapshot_age_s=round(snap.age_s(), 1),
        snapshot_matters=len(snap.matters),
        encoder=engine.encoder.name,
    )
