"""The out-of-scope examples, embedded: nearest example, vectors reused, persisted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hall.lexicons import Normalizer
from hall.models import HashingEncoder, IndexCorrupt, OutOfScope

EXAMPLES = ["顺丰快递怎么寄件", "信用卡怎么提高额度", "可乐鸡翅怎么做"]


def vector(normalizer: Normalizer, encoder: HashingEncoder, text: str) -> np.ndarray:
    return encoder.encode_queries([normalizer.normalize(text).text])[0]


@pytest.mark.parametrize(
    ("question", "nearest"),
    [
        pytest.param("顺丰快递怎么寄件", "顺丰快递怎么寄件", id="an-example-itself"),
        pytest.param("信用卡额度怎么提高", "信用卡怎么提高额度", id="a-paraphrase"),
        pytest.param("可乐鸡翅的做法", "可乐鸡翅怎么做", id="shares-the-topic"),
    ],
)
def test_nearest_names_the_example(normalizer: Normalizer, question: str, nearest: str) -> None:
    encoder = HashingEncoder()
    # Hashed n-grams of a paraphrase sit below e5's "unrelated" cosine: no floor here.
    scope = OutOfScope(encoder, floor=0.0).build(EXAMPLES, normalizer)
    score, example = scope.nearest(vector(normalizer, encoder, question))
    assert example == nearest
    assert 0.0 < score <= 1.0
    assert scope.scores(vector(normalizer, encoder, question)).shape == (len(EXAMPLES),)


def test_an_example_scores_one_against_itself(normalizer: Normalizer) -> None:
    encoder = HashingEncoder()
    scope = OutOfScope(encoder).build(EXAMPLES, normalizer)
    score, _ = scope.nearest(vector(normalizer, encoder, "顺丰快递怎么寄件"))
    assert score == pytest.approx(1.0, abs=1e-5)


def test_without_examples_nothing_is_near(normalizer: Normalizer) -> None:
    encoder = HashingEncoder()
    scope = OutOfScope(encoder).build([], normalizer)
    assert len(scope) == 0
    assert scope.nearest(vector(normalizer, encoder, "顺丰快递")) == (0.0, "")


def test_examples_of_stopwords_only_are_left_out(normalizer: Normalizer) -> None:
    scope = OutOfScope(HashingEncoder()).build(["的了吗", *EXAMPLES, EXAMPLES[0]], normalizer)
    assert scope.examples == tuple(EXAMPLES)


def test_a_rebuild_encodes_only_new_examples(normalizer: Normalizer) -> None:
    encoder = HashingEncoder()
    first = OutOfScope(encoder).build(EXAMPLES, normalizer)
    assert encoder.encoded == len(EXAMPLES)
    second = OutOfScope(encoder).build(
        [*EXAMPLES, "奶茶店加盟要多少钱"], normalizer, previous=first
    )
    assert encoder.encoded == len(EXAMPLES) + 1
    assert second.examples[-1] == "奶茶店加盟要多少钱"
    assert first.examples == tuple(EXAMPLES)  # the previous one is left as it was


def test_vectors_persist_and_load_again(normalizer: Normalizer, tmp_path: Path) -> None:
    encoder = HashingEncoder()
    saved = OutOfScope(encoder).build(EXAMPLES, normalizer).save(tmp_path)
    assert saved is not None
    assert saved.name.startswith("scope-")
    again = OutOfScope(encoder)
    assert again.load_cache(tmp_path) == len(EXAMPLES)
    again.build(EXAMPLES, normalizer)
    assert encoder.encoded == len(EXAMPLES)  # nothing encoded twice
    OutOfScope(encoder).build(EXAMPLES[:1], normalizer).save(tmp_path)
    assert len(list(tmp_path.glob("scope-*.npz"))) == 1  # the older file is gone


def test_a_corrupt_file_is_refused_by_name(normalizer: Normalizer, tmp_path: Path) -> None:
    (tmp_path / "scope-0000.npz").write_bytes(b"not a zip")
    with pytest.raises(IndexCorrupt, match=r"scope-0000\.npz"):
        OutOfScope(HashingEncoder()).load_cache(tmp_path)
