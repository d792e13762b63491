"""Where a matter applies: the hall's own region first, other places' matters after.

A hall often imports more than its own catalogue (the province's matters beside the city's, a
neighbour's export for reference). A citizen of the hall's city who asks "户口迁出" wants the
city's matter, not the same title from another city. Regions are compared by their
administrative components ("广东省深圳市大鹏新区" -> 广东省, 深圳市, 大鹏新区) without a gazetteer:

* a matter with no region, or whose components are all among the home's, applies (a province's
  matter applies to its cities);
* a matter of a sub-area of the home applies (a district's matter, for a city hall);
* anything else is another place's matter, and ranks below ours by a fixed penalty.

Among the matters that apply, the home's own (the city's, or a district's of it) rank a little
above the broader ones that also apply (the province's): when the city and the province publish
a near-equal match ("公积金提取"), a citizen deals with the city's office.

A place the question names ("广州的户口怎么迁") gives the matters of that place a small bonus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["RegionPreference", "components", "place_names"]

# Lazy, so "广东省广州市越秀区" splits after 省, 市 and 区; 新区 and 自治州/县 end a level too.
# A bare 州 does not end a level: 广州 and 杭州 are city names, always followed by 市.
_LEVELS = "特别行政区|自治区|自治州|自治县|新区|省|市|县|区"
_LEVEL = re.compile(rf".{{2,}}?(?:{_LEVELS})|.+?(?:省|市|县|区)")
_SUFFIX = re.compile(rf"(?:{_LEVELS})$")


def components(region: str | None) -> tuple[str, ...]:
    """The administrative levels of a region name, broadest first; ``()`` for none."""
    text = re.sub(r"\s+", "", region or "")
    if not text:
        return ()
    parts = _LEVEL.findall(text)
    rest = text[sum(len(p) for p in parts) :]
    if rest:
        parts.append(rest)
    return tuple(parts)


def _short(component: str) -> str:
    """ "深圳市" -> "深圳": the form citizens type; a short name of one character is too vague."""
    short = _SUFFIX.sub("", component)
    return short if len(short) >= 2 else component


def place_names(regions: Iterable[str | None]) -> dict[str, str]:
    """Place names a question may mention (full and short forms) -> their component."""
    names: dict[str, str] = {}
    for region in regions:
        for part in components(region):
            names.setdefault(part, part)
            names.setdefault(_short(part), part)
    return {name: part for name, part in names.items() if len(name) >= 2}


def _local(matter: Sequence[str], home: Sequence[str]) -> bool:
    """Whether a matter is the home's own: of the home itself or of a sub-area of it."""
    return bool(matter and home) and home[-1] in matter


def applies(matter: Sequence[str], home: Sequence[str]) -> bool:
    """Whether a matter of region ``matter`` serves citizens of ``home``: one with no region, a
    broader one the home lies in (the province's), or the home's own."""
    if not matter or not home:
        return True
    return set(matter) <= set(home) or _local(matter, home)


class RegionPreference:
    """Score adjustments for the matters of an index, by region.

    ``penalty`` is subtracted from other places' matters when a home region is set, ``local`` is
    added to the home's own matters, and ``bonus`` to the matters of a place the question names.
    """

    def __init__(
        self,
        regions: Sequence[str | None],
        *,
        home: str | None = None,
        penalty: float = 0.15,
        bonus: float = 0.05,
        local: float = 0.0,
    ) -> None:
        self._regions = [components(r) for r in regions]
        self.home = components(home)
        self.penalty = penalty
        self.bonus = bonus
        self.local = local
        self._names = place_names(regions)
        # Longest first, so "大鹏新区" is read before a shorter name inside it.
        self._ordered = sorted(self._names, key=len, reverse=True)
        base = np.zeros(len(self._regions), dtype=np.float32)
        if self.home and penalty:
            base -= np.array(
                [0.0 if applies(r, self.home) else penalty for r in self._regions],
                dtype=np.float32,
            )
        if self.home and local:
            base += np.array(
                [local if _local(r, self.home) else 0.0 for r in self._regions], dtype=np.float32
            )
        self._base = base
        self._by_place: dict[str, npt.NDArray[np.float32]] = {}

    @property
    def active(self) -> bool:
        """Whether any adjustment can happen (a home region, or places to name)."""
        return bool(self.home and (self.penalty or self.local)) or bool(self._names and self.bonus)

    def named(self, text: str) -> list[str]:
        """The catalogue's places that ``text`` names, as components."""
        found: list[str] = []
        for name in self._ordered:
            if name in text:
                part = self._names[name]
                if part not in found:
                    found.append(part)
                text = text.replace(name, " ")
        return found

    def adjustment(self, text: str) -> npt.NDArray[np.float32]:
        """Per-matter score adjustment for a question (its normalised text)."""
        places = self.named(text) if self.bonus else []
        if not places:
            return self._base
        extra = np.zeros_like(self._base)
        for place in places:
            mask = self._by_place.get(place)
            if mask is None:
                # A place of the home itself ("广东" in a 深圳 hall) covers all our matters.
                ours = place in self.home
                mask = self._by_place[place] = np.array(
                    [place in r or (ours and applies(r, self.home)) for r in self._regions],
                    dtype=np.float32,
                )
            extra = np.maximum(extra, mask)
        if extra.all():  # a place every matter serves ("本市" in a one-city hall) tells nothing
            return self._base
        # A named place overrides the home's penalty for its own matters.
        return np.where(extra > 0, self.bonus, self._base).astype(np.float32)
