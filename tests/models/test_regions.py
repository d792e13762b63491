"""Region preference: components, which matters serve the home, adjustments per question."""

from __future__ import annotations

import numpy as np
import pytest

from hall.lexicons import Normalizer
from hall.models import HashingEncoder, IndexSettings, MatterIndex
from hall.models.regions import RegionPreference, applies, components, place_names
from tests.models.conftest import make_matter


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("广东省深圳市大鹏新区", ("广东省", "深圳市", "大鹏新区")),
        ("四川省广安市广安区", ("四川省", "广安市", "广安区")),
        ("广东省广州市", ("广东省", "广州市")),  # 州 is part of the name, not a level
        ("延边朝鲜族自治州延吉市", ("延边朝鲜族自治州", "延吉市")),
        ("广西壮族自治区南宁市", ("广西壮族自治区", "南宁市")),
        ("香港特别行政区", ("香港特别行政区",)),
        ("北京市 朝阳区", ("北京市", "朝阳区")),
        ("本市", ("本市",)),
        ("", ()),
        (None, ()),
    ],
)
def test_components(region: str | None, expected: tuple[str, ...]) -> None:
    assert components(region) == expected


HOME = components("广东省深圳市")


@pytest.mark.parametrize(
    ("region", "serves_home"),
    [
        ("深圳市", True),  # ours
        ("广东省深圳市", True),
        ("广东省", True),  # the province's matters serve its cities
        ("深圳市大鹏新区", True),  # a district of ours
        ("广东省深圳市福田区", True),
        ("", True),  # no region: everywhere
        ("广东省广州市", False),
        ("四川省广安市广安区", False),
        ("四川省", False),
    ],
)
def test_applies(region: str, serves_home: bool) -> None:
    assert applies(components(region), HOME) is serves_home


def test_place_names_have_short_forms() -> None:
    names = place_names(["广东省广州市", "深圳市大鹏新区", None])
    assert names["广州"] == "广州市"
    assert names["广州市"] == "广州市"
    assert names["大鹏"] == "大鹏新区"
    assert names["深圳"] == "深圳市"
    assert all(len(name) >= 2 for name in names)


REGIONS = ["深圳市", "广东省", "广东省广州市", "四川省广安市广安区", None]


@pytest.mark.parametrize(
    ("home", "question", "expected"),
    [
        # no home: nothing moves unless the question names a place
        (None, "户口迁出", [0, 0, 0, 0, 0]),
        (None, "广州户口迁出", [0, 0, 0.05, 0, 0]),
        # a home: other places' matters drop
        ("广东省深圳市", "户口迁出", [0, 0, -0.15, -0.15, 0]),
        # a named place lifts its matters, over the home's penalty
        ("广东省深圳市", "广州户口迁出", [0, 0, 0.05, -0.15, 0]),
        # naming the home's province lifts every matter that serves the home
        ("广东省深圳市", "广东生育津贴", [0.05, 0.05, 0.05, -0.15, 0.05]),
        ("广东省深圳市", "广安区的事", [0, 0, -0.15, 0.05, 0]),
    ],
)
def test_adjustment(home: str | None, question: str, expected: list[float]) -> None:
    preference = RegionPreference(REGIONS, home=home)
    assert preference.adjustment(question) == pytest.approx(np.array(expected, dtype=np.float32))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # the city's own matter (and a district's) over the province's, which still applies
        ("户口迁出", [0.05, 0, -0.15, -0.15, 0, 0.05]),
        # a named place overrides both
        ("广州户口迁出", [0.05, 0, 0.05, -0.15, 0, 0.05]),
    ],
)
def test_local_bonus_lifts_the_homes_own_matters(question: str, expected: list[float]) -> None:
    preference = RegionPreference([*REGIONS, "深圳市福田区"], home="广东省深圳市", local=0.05)
    assert preference.adjustment(question) == pytest.approx(np.array(expected, dtype=np.float32))


def test_local_bonus_alone_keeps_the_preference_active() -> None:
    preference = RegionPreference(REGIONS, home="广东省深圳市", penalty=0.0, bonus=0.0, local=0.05)
    assert preference.active
    assert preference.adjustment("户口迁出") == pytest.approx(
        np.array([0.05, 0, 0, 0, 0], dtype=np.float32)
    )


def test_a_place_every_matter_serves_moves_nothing() -> None:
    preference = RegionPreference(["本市", "本市"])
    assert not preference.adjustment("本市生育登记").any()


def test_penalty_zero_turns_the_home_off() -> None:
    preference = RegionPreference(REGIONS, home="广东省深圳市", penalty=0.0, bonus=0.0)
    assert not preference.active
    assert not preference.adjustment("广州户口迁出").any()


def test_index_prefers_the_home_region_and_says_why(normalizer: Normalizer) -> None:
    matters = [
        make_matter("GZ-1", "户口迁出", region="广东省广州市"),
        make_matter("SZ-1", "户口迁出", region="广东省深圳市"),
    ]
    plain = MatterIndex(normalizer, HashingEncoder())
    plain.build(matters)
    tied = plain.search("户口迁出", k=2)
    assert tied[0].score == tied[1].score
    assert tied[0].code == "GZ-1"  # a tie keeps the code order

    index = MatterIndex(
        normalizer, HashingEncoder(), settings=IndexSettings(home_region="广东省深圳市")
    )
    index.build(matters)
    hits = index.search("户口迁出", k=2)
    assert [h.code for h in hits] == ["SZ-1", "GZ-1"]
    # the other city's matter drops by the penalty, ours rises by the local bonus
    assert hits[0].score - hits[1].score == pytest.approx(0.15 + 0.05, abs=1e-4)
    assert hits[1].signals["region"] == pytest.approx(-0.15)
    assert hits[1].evidence["region"] == "region: 广东省广州市"
    assert hits[0].signals["region"] == pytest.approx(0.05)
    assert hits[0].evidence["region"] == "region: 广东省深圳市"
    # the citizen names the other city: its matter comes first
    assert index.search("广州户口迁出", k=1)[0].code == "GZ-1"
