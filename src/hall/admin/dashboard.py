"""The back office's figures: questions per day, what the guide did with them, what citizens
thought of it, what they asked most, how long the guide took. All read from the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from hall.admin.overview import HALL_TIMEZONE, start_of_day
from hall.guide import Engine
from hall.store import ClusterRecord, daily_counts, latencies, list_clusters, top_matters

__all__ = ["Dashboard", "dashboard"]

#: The decisions a citizen sees, as the shares report them (follow-ups count as answers).
SHARES = ("answer", "clarify", "none")
KEYS = ("answer", "element", "clarify", "none", "welcome", "helpful", "unhelpful")


@dataclass(frozen=True)
class Dashboard:
    days: dict[str, dict[str, int]]  # day -> decision and feedback counts
    total: int
    shares: dict[str, float]  # answer / clarify / none, of the questions (welcomes left out)
    helpful: int
    unhelpful: int
    helpful_rate: float | None  # of the replies that got a verdict
    top_matters: list[tuple[str, str, int]]  # code, title, times answered
    clusters: list[ClusterRecord]
    latency_p50: float | None
    latency_p95: float | None


def dashboard(engine: Engine, *, days: int = 30) -> Dashboard:
    today = start_of_day()
    since = today - timedelta(days=days - 1)
    offset = today.utcoffset() or timedelta(hours=8)
    with engine.store.session(commit=False) as session:
        counts = daily_counts(session, since=since, offset=offset)
        top = top_matters(session, since=since)
        times = latencies(session, since=since)
        clusters = list_clusters(session)[:10]
    every_day = {}
    for n in range(days):
        day = (since + timedelta(days=n)).astimezone(HALL_TIMEZONE).date().isoformat()
        every_day[day] = counts.get(day) or {
            k: 0
            for k in ("answer", "element", "clarify", "none", "welcome", "helpful", "unhelpful")
        }
    sums = {k: sum(d.get(k, 0) for d in every_day.values()) for k in next(iter(every_day.values()))}
    asked = {
        "answer": sums["answer"] + sums["element"],
        "clarify": sums["clarify"],
        "none": sums["none"],
    }
    total = sum(asked.values())
    rated = sums["helpful"] + sums["unhelpful"]
    index = engine.snapshot.index
    array = np.array(times) if times else None
    return Dashboard(
        days=every_day,
        total=total,
        shares={k: (asked[k] / total if total else 0.0) for k in SHARES},
        helpful=sums["helpful"],
        unhelpful=sums["unhelpful"],
        helpful_rate=sums["helpful"] / rated if rated else None,
        top_matters=[(code, index.title(code) or code, n) for code, n in top],
        clusters=clusters,
        latency_p50=round(float(np.percentile(array, 50)), 1) if array is not None else None,
        latency_p95=round(float(np.percentile(array, 95)), 1) if array is not None else None,
    )
