"""The query-vector cache: a question asked again is not encoded again, and ranks the same."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from hall.lexicons import Normalizer
from hall.models import HashingEncoder, MatterIndex, QueryCache
from hall.models.encoder import Vectors
from hall.store import Matter


class Counting(HashingEncoder):
    """The hashing encoder, counting the query texts it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def encode_queries(self, texts: list[str]) -> Vectors:
        self.queries += texts
        return super().encode_queries(texts)


def test_a_text_is_encoded_once() -> None:
    encoder, cache = Counting(), QueryCache(8)
    first = cache.vector(encoder, "驾照丢了")
    again = cache.vector(encoder, "驾照丢了")
    assert again is first
    assert encoder.queries == ["驾照丢了"]
    assert (cache.hits, cache.misses) == (1, 1)
    assert not first.flags.writeable  # shared: nobody may change it


def test_the_least_recently_used_goes_first() -> None:
    encoder, cache = Counting(), QueryCache(2)
    for text in ("a", "b", "a", "c", "a", "b"):
        cache.vector(encoder, text)
    # "b" went when "c" came (a was used since); b is encoded again at the end.
    assert encoder.queries == ["a", "b", "c", "b"]
    assert len(cache) == 2


def test_size_zero_keeps_nothing() -> None:
    encoder, cache = Counting(), QueryCache(0)
    cache.vector(encoder, "a")
    cache.vector(encoder, "a")
    assert encoder.queries == ["a", "a"]
    assert len(cache) == 0
    with pytest.raises(ValueError, match="negative"):
        QueryCache(-1)


def test_cached_vectors_rank_the_same(
    normalizer: Normalizer, demo_matters: tuple[Matter, ...]
) -> None:
    plain_encoder, cached_encoder = Counting(), Counting()
    plain = MatterIndex(normalizer, plain_encoder)
    plain.build(demo_matters)
    cached = MatterIndex(normalizer, cached_encoder, query_cache=QueryCache(64))
    cached.build(demo_matters)
    built = len(cached_encoder.queries)
    questions = ["驾照丢了", "二胎要办啥", "gongjijin怎么取"] * 3
    for question in questions:
        assert cached.search(question, k=5) == plain.search(question, k=5)
    assert len(cached_encoder.queries) - built == 3  # each once, then from the cache


def test_many_threads_at_once() -> None:
    encoder, cache = Counting(), QueryCache(16)
    texts = [f"问题{i % 10}" for i in range(400)]
    with ThreadPoolExecutor(8) as pool:
        vectors = list(pool.map(lambda t: cache.vector(encoder, t), texts))
    for text, vector in zip(texts, vectors, strict=True):
        assert np.array_equal(vector, encoder.encode_queries([text])[0])
    assert len(cache) == 10
