"""Scorers: one score per unit in [0, 1], zeros for an empty query, checked against references.

KeywordScorer is compared with a brute-force BM25 written from its docstring, FuzzyScorer with
RapidFuzz's ``ratio`` on the normalised texts (RapidFuzz's own differential tests).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from hall.lexicons import Normalized, Normalizer
from hall.models import (
    CharScorer,
    FuzzyScorer,
    HashingEncoder,
    KeywordScorer,
    Scorer,
    SemanticScorer,
    Unit,
)
from hall.store import Matter
from tests.models.strategies import QUERIES

SCORERS: dict[str, Callable[[], Scorer]] = {
    "keyword": KeywordScorer,
    "char": CharScorer,
    "fuzzy": FuzzyScorer,
    "semantic": lambda: SemanticScorer(HashingEncoder()),
}


def query_of(text: str, tokens: Sequence[str] = (), terms: Sequence[str] = ()) -> Normalized:
    """A normalised query made by hand: the scorers read only ``text``, ``tokens``, ``terms``."""
    return Normalized(
        original=text, masked=text, text=text, tokens=tuple(tokens), terms=tuple(terms)
    )


def unit_of(position: int, tokens: Sequence[str], terms: Sequence[str] = ()) -> Unit:
    text = "".join(tokens)
    return Unit(position, "title", text, tuple(tokens), text, tuple(terms))


@pytest.fixture(scope="module")
def demo_units(demo_matters: tuple[Matter, ...], normalizer: Normalizer) -> list[Unit]:
    """Titles, aliases and questions of the demo catalogue, normalised as the index does."""
    units = []
    for position, matter in enumerate(demo_matters):
        r = matter.record
        texts = [("title", r.title)]
        texts += [("alias", a) for a in r.aliases] + [("question", q) for q in r.questions]
        for field, raw in texts:
            norm = normalizer.normalize(raw)
            if norm.tokens:
                units.append(
                    Unit(position, field, norm.text, norm.tokens, raw, norm.terms, norm.plain)
                )
    return units


@pytest.fixture(scope="module")
def fitted(demo_units: list[Unit]) -> dict[str, Scorer]:
    scorers = {name: make() for name, make in SCORERS.items()}
    for scorer in scorers.values():
        scorer.fit(demo_units)
    return scorers


# -- the contract shared by every scorer ----------------------------------------------------


@hypothesis_settings(max_examples=150, deadline=None)
@given(text=QUERIES)
def test_every_scorer_gives_one_score_per_unit_in_range(
    fitted: dict[str, Scorer], demo_units: list[Unit], normalizer: Normalizer, text: str
) -> None:
    query = normalizer.normalize(text)
    for name, scorer in fitted.items():
        scores = scorer.score(query)
        assert scores.shape == (len(demo_units),), name
        assert scores.dtype == np.float32, name
        assert np.isfinite(scores).all(), name
        assert ((scores >= 0.0) & (scores <= 1.0)).all(), (name, float(scores.min()), scores.max())
        if query.is_empty:
            assert not scores.any(), name


@pytest.mark.parametrize("text", ["", " \t\n", "？！。，", "吗呢吧", "请问"])
@pytest.mark.parametrize("name", list(SCORERS))
def test_an_empty_query_scores_zero_everywhere(
    fitted: dict[str, Scorer], demo_units: list[Unit], normalizer: Normalizer, name: str, text: str
) -> None:
    query = normalizer.normalize(text)
    assert query.is_empty  # the precondition: nothing left to search
    assert query.text == ""
    scores = fitted[name].score(query)
    assert scores.shape == (len(demo_units),)
    assert not scores.any()


@pytest.mark.parametrize("name", ["char", "fuzzy", "semantic"])
@pytest.mark.parametrize("raw", ["居民身份证换领", "驾照丢了怎么办", "公积金贷款", "养犬登记"])
def test_a_query_identical_to_a_unit_scores_one_on_it(
    fitted: dict[str, Scorer],
    demo_units: list[Unit],
    normalizer: Normalizer,
    name: str,
    raw: str,
) -> None:
    query = normalizer.normalize(raw)
    positions = [i for i, u in enumerate(demo_units) if u.text == query.text]
    assert positions, f"{raw!r} is not a unit of the demo catalogue"
    scores = fitted[name].score(query)
    assert scores[positions] == pytest.approx(1.0, abs=1e-5)
    assert float(scores.max()) == pytest.approx(1.0, abs=1e-5)


# -- KeywordScorer against brute-force BM25 --------------------------------------------------


def bm25_reference(
    corpus: Sequence[Sequence[str]], query: Sequence[str], *, k1: float, b: float
) -> list[float]:
    """BM25 with idf = ln(1 + (N - df + 0.5) / (df + 0.5)), over the best any unit could get.

    The best is every distinct query term present once at full weight, a term no unit has
    counted at the highest idf of the corpus; the ratio is clipped to [0, 1].
    """
    terms = list(dict.fromkeys(query))
    if not terms:
        return [0.0] * len(corpus)
    n = len(corpus)
    df = Counter(term for doc in corpus for term in set(doc))
    idf = {term: math.log(1 + (n - d + 0.5) / (d + 0.5)) for term, d in df.items()}
    max_idf = max(idf.values())
    average = sum(len(doc) for doc in corpus) / n
    best = sum(idf.get(term, max_idf) * (k1 + 1) for term in terms)
    scores = []
    for doc in corpus:
        tf = Counter(doc)
        norm = k1 * (1 - b + b * len(doc) / average)
        raw = sum(idf[t] * tf[t] * (k1 + 1) / (tf[t] + norm) for t in terms if tf[t])
        scores.append(min(max(raw / best, 0.0), 1.0))
    return scores


WORDS = ["户口", "迁移", "身份证", "补领", "驾驶证", "公积金", "提取", "护照", "a", "b"]
UNKNOWN = ["未知", "zz"]
DOCS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    corpus=st.lists(st.tuples(DOCS, st.booleans()), min_size=1, max_size=12),
    query=st.lists(st.sampled_from(WORDS + UNKNOWN), max_size=6),
    query_as_terms=st.booleans(),
    k1=st.floats(0.2, 3.0),
    b=st.floats(0.0, 1.0),
)
def test_keyword_scorer_is_bm25_over_its_best_possible_score(
    corpus: list[tuple[list[str], bool]],
    query: list[str],
    query_as_terms: bool,
    k1: float,
    b: float,
) -> None:
    # A unit's terms (tokens and sub-words) are what BM25 counts; a unit or a query without
    # terms falls back to its tokens. "x" marks tokens that must not be counted.
    units = [
        unit_of(i, ["x"], doc) if as_terms else unit_of(i, doc)
        for i, (doc, as_terms) in enumerate(corpus)
    ]
    scorer = KeywordScorer(k1=k1, b=b)
    scorer.fit(units)
    if query_as_terms:
        normalized = query_of("".join(query), ["x"] if query else [], query)
    else:
        normalized = query_of("".join(query), query)
    expected = bm25_reference([doc for doc, _ in corpus], query, k1=k1, b=b)
    np.testing.assert_allclose(scorer.score(normalized), expected, rtol=1e-4, atol=1e-6)


def test_keyword_scorer_orders_units_by_coverage() -> None:
    units = [
        unit_of(0, ["居民", "身份证", "补领"]),
        unit_of(1, ["身份证", "补领"]),
        unit_of(2, ["户口", "迁移"]),
    ]
    scorer = KeywordScorer()
    scorer.fit(units)
    both = scorer.score(query_of("身份证补领", ["身份证", "补领"]))
    assert both[1] > both[0] > both[2] == 0.0
    one = scorer.score(query_of("户口", ["户口"]))
    assert one[2] > 0.0
    assert one[0] == one[1] == 0.0
    # A query term no unit has counts at the highest idf in the best score: coverage drops.
    known = scorer.score(query_of("户口迁移", ["户口", "迁移"]))
    with_unknown = scorer.score(query_of("户口迁移", ["户口", "迁移", "未知", "没有"]))
    assert 0.0 < with_unknown[2] < known[2]


# -- FuzzyScorer against RapidFuzz -------------------------------------------------------------


@hypothesis_settings(max_examples=200, deadline=None)
@given(text=QUERIES)
def test_fuzzy_scorer_is_rapidfuzz_ratio_of_the_normalised_texts(
    fitted: dict[str, Scorer], demo_units: list[Unit], normalizer: Normalizer, text: str
) -> None:
    query = normalizer.normalize(text)
    expected = [fuzz.ratio(query.text, u.text) / 100 if query.text else 0.0 for u in demo_units]
    np.testing.assert_allclose(fitted["fuzzy"].score(query), expected, atol=1e-6)


@hypothesis_settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=15), min_size=1, max_size=8), query=st.text(max_size=15))
def test_fuzzy_scorer_on_any_unicode(texts: list[str], query: str) -> None:
    scorer = FuzzyScorer()
    scorer.fit([Unit(i, "title", t, (t,), t) for i, t in enumerate(texts)])
    expected = [fuzz.ratio(query, t) / 100 if query else 0.0 for t in texts]
    np.testing.assert_allclose(scorer.score(query_of(query, [query])), expected, atol=1e-6)


# -- CharScorer and SemanticScorer -------------------------------------------------------------


def test_char_scorer_needs_shared_characters() -> None:
    units = [unit_of(0, ["身份证", "补领"]), unit_of(1, ["护照", "签发"])]
    scorer = CharScorer()
    scorer.fit(units)
    scores = scorer.score(query_of("身份证", ["身份证"]))
    assert scores[0] > 0.0
    assert scores[1] == 0.0
    assert scorer.score(query_of("护照签发", ["护照", "签发"]))[1] == pytest.approx(1.0)


@given(
    texts=st.lists(st.text(max_size=15), min_size=1, max_size=8).filter(
        lambda texts: any(t.strip() for t in texts)
    ),
    query=st.text(max_size=15),
)
def test_char_scorer_equals_scikit_learns_cosine(texts: list[str], query: str) -> None:
    """Adding up the query's n-gram columns gives the sparse product over every unit."""
    scorer = CharScorer()
    units = [Unit(i, "title", t, (t,), t) for i, t in enumerate(texts)]
    scorer.fit(units)
    vectorizer = scorer._vectorizer
    matrix = vectorizer.transform([t or " " for t in texts])
    expected = (matrix @ vectorizer.transform([query]).T).toarray().ravel() if query else 0.0
    np.testing.assert_allclose(scorer.score(query_of(query, [query])), expected, atol=1e-5)


@given(
    texts=st.lists(st.text(alphabet="证件身份护照补领 a", max_size=8), min_size=1, max_size=8),
    query=st.text(alphabet="证件身份护照补领换 b", max_size=8),
)
def test_fuzzy_scorer_skips_only_units_without_a_shared_character(
    texts: list[str], query: str
) -> None:
    scorer = FuzzyScorer()
    scorer.fit([Unit(i, "title", t, (t,), t) for i, t in enumerate(texts)])
    expected = [fuzz.ratio(query, t) / 100 if query else 0.0 for t in texts]
    np.testing.assert_allclose(scorer.score(query_of(query, [query])), expected, atol=1e-6)


# (cosine of query and unit, floor) -> score: (cos - floor) / (1 - floor), clipped to [0, 1]
SEMANTIC_TABLE = [
    (1.0, 0.75, 1.0),
    (0.875, 0.75, 0.5),
    (0.75, 0.75, 0.0),
    (0.5, 0.75, 0.0),
    (-1.0, 0.75, 0.0),
    (0.9, 0.5, 0.8),
    (0.0, 0.0, 0.0),
    (0.6, 0.0, 0.6),
]


@pytest.mark.parametrize(("cosine", "floor", "expected"), SEMANTIC_TABLE)
def test_semantic_scorer_rescales_the_cosine_above_the_floor(
    cosine: float, floor: float, expected: float
) -> None:
    scorer = SemanticScorer(HashingEncoder(), floor=floor)
    scorer.fit_vectors(np.array([[1.0, 0.0]], dtype=np.float32))
    vector = np.array([cosine, math.sqrt(1 - cosine**2)], dtype=np.float32)
    assert scorer.score_vector(vector)[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(("cosine", "floor", "expected"), SEMANTIC_TABLE)
def test_semantic_best_is_the_best_units_score(
    cosine: float, floor: float, expected: float
) -> None:
    """``best`` (how near a question comes to the catalogue) without gathering every unit."""
    scorer = SemanticScorer(HashingEncoder(), floor=floor)
    rows = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    scorer.fit_vectors(rows, np.array([0, 1, 0, 0], dtype=np.intp))
    vector = np.array([cosine, -math.sqrt(1 - cosine**2)], dtype=np.float32)
    assert scorer.best(vector) == pytest.approx(expected, abs=1e-6)
    assert scorer.best(vector) == pytest.approx(float(scorer.score_vector(vector).max()))


def test_semantic_scorer_encodes_units_once_and_each_query() -> None:
    encoder = HashingEncoder()
    scorer = SemanticScorer(encoder)
    scorer.fit([unit_of(0, ["身份证", "补领"]), unit_of(1, ["护照"])])
    assert encoder.encoded == 2
    scorer.score(query_of("护照", ["护照"]))
    assert encoder.encoded == 3
    scorer.score(query_of("", ()))  # an empty query is not encoded
    assert encoder.encoded == 3


# -- units that read alike ----------------------------------------------------------------------


def test_units_that_read_alike_are_kept_once_and_score_as_before() -> None:
    """A national catalogue: every text many times over (each region's copy). Each scorer keeps
    one row per distinct text and still gives every unit the score a row of its own would."""
    corpus = [["户口", "迁移"], ["身份证", "补领"], ["护照"], ["身份证", "补领", "护照"]]
    copies = corpus * 25  # 100 units, 4 distinct texts
    units = [unit_of(i, doc) for i, doc in enumerate(copies)]
    query = query_of("身份证补领", ["身份证", "补领"])

    keyword = KeywordScorer()
    keyword.fit(units)
    expected = bm25_reference(copies, ["身份证", "补领"], k1=keyword.k1, b=keyword.b)
    np.testing.assert_allclose(keyword.score(query), expected, rtol=1e-4, atol=1e-6)
    assert keyword._weights.shape[0] == 4

    char = CharScorer()
    char.fit(units)
    matrix = char._vectorizer.transform([u.text for u in units])
    reference = (matrix @ char._vectorizer.transform([query.text]).T).toarray().ravel()
    np.testing.assert_allclose(char.score(query), reference, atol=1e-5)
    assert char._columns.shape[0] == 4

    fuzzy = FuzzyScorer()
    fuzzy.fit(units)
    np.testing.assert_allclose(
        fuzzy.score(query), [fuzz.ratio(query.text, u.text) / 100 for u in units], atol=1e-6
    )
    assert len(fuzzy._texts) == 4

    encoder = HashingEncoder()
    semantic = SemanticScorer(encoder, floor=0.0)
    semantic.fit(units)
    assert encoder.encoded == 4
    vectors = encoder.encode_queries([u.text for u in units])
    np.testing.assert_allclose(semantic.vectors, vectors, atol=1e-6)
    np.testing.assert_allclose(semantic.cosines(1), vectors @ vectors[1], atol=1e-6)
