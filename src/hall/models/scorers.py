"""Scorers: one retrieval signal each, over the index's units, on one 0-1 scale.

A unit is one searchable text of a matter (its title, an alias, a question). Every scorer has
the same small contract: ``fit(units)`` once per build, ``score(query)`` gives one score per unit
in ``[0, 1]``; an empty query scores 0 everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from hall.lexicons import Normalized
from hall.models.encoder import Encoder, QueryCache, Vectors

__all__ = ["CharScorer", "FuzzyScorer", "KeywordScorer", "Scorer", "SemanticScorer", "Unit"]

Scores = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Unit:
    """One searchable text of a matter."""

    matter: int  # position of the matter in the index
    field: str  # "title", "alias", "question", "keywords", "parent"
    text: str  # normalised text
    tokens: tuple[str, ...]
    raw: str  # the text as written, for explanations
    terms: tuple[str, ...] = ()  # tokens and their sub-words, for keyword scoring
    plain: str = ""  # the text as a sentence (see Normalized.plain), for a sentence encoder


class Scorer(Protocol):
    """A retrieval signal: fitted on the units, scores a query against each of them."""

    name: str

    def fit(self, units: Sequence[Unit]) -> None: ...

    def score(self, query: Normalized) -> Scores: ...


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    return tokens


class KeywordScorer:
    """BM25 over the normalised terms, as the share of the query's term weight a unit explains.

    The score is BM25 divided by the best any unit could get for this query (every term present,
    unknown terms counted at the highest IDF), so it reads as a coverage in ``[0, 1]``.
    """

    name = "keyword"

    def __init__(self, *, k1: float = 1.2, b: float = 0.5) -> None:
        self.k1 = k1
        self.b = b

    def fit(self, units: Sequence[Unit]) -> None:
        self._vectorizer = CountVectorizer(analyzer=_identity, lowercase=False)
        counts = (
            self._vectorizer.fit_transform([u.terms or u.tokens for u in units])
            .tocsr()
            .astype(np.float32)
        )
        n = max(counts.shape[0], 1)
        df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float32)
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self._max_idf = float(self._idf.max()) if self._idf.size else 1.0
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        average = float(lengths.mean()) if lengths.size else 1.0
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        tf = counts.data
        norm = self.k1 * (1 - self.b + self.b * lengths[rows] / max(average, 1e-6))
        counts.data = self._idf[counts.indices] * tf * (self.k1 + 1) / (tf + norm)
        self._weights = counts.tocsc()
        self._size = counts.shape[0]

    def score(self, query: Normalized) -> Scores:
        scores = np.zeros(self._size, dtype=np.float32)
        terms = list(dict.fromkeys(query.terms or query.tokens))
        if not terms:
            return scores
        vocabulary = self._vectorizer.vocabulary_
        best = 0.0
        for term in terms:
            column = vocabulary.get(term)
            if column is None:
                best += self._max_idf * (self.k1 + 1)
                continue
            best += float(self._idf[column]) * (self.k1 + 1)
            start, end = self._weights.indptr[column], self._weights.indptr[column + 1]
            scores[self._weights.indices[start:end]] += self._weights.data[start:end]
        return np.clip(scores / best, 0.0, 1.0) if best > 0 else scores


class CharScorer:
    """Cosine of character 1-2-gram TF-IDF: robust to segmentation and to small typos.

    scikit-learn's ``TfidfVectorizer`` fits the weights; a question is scored by adding up the
    unit columns of its own n-grams (a dozen or two), not by a sparse product over every unit.
    """

    name = "char"

    def fit(self, units: Sequence[Unit]) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        texts = [u.text or " " for u in units]
        matrix = self._vectorizer.fit_transform(texts)
        self._columns: sparse.csc_matrix = matrix.tocsc().astype(np.float32)
        self._idf = self._vectorizer.idf_.astype(np.float32)
        self._vocabulary: dict[str, int] = self._vectorizer.vocabulary_
        self._analyzer = self._vectorizer.build_analyzer()

    def score(self, query: Normalized) -> Scores:
        scores = np.zeros(self._columns.shape[0], dtype=np.float32)
        if not query.text:
            return scores
        counts: dict[int, int] = {}
        for gram in self._analyzer(query.text):
            column = self._vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return scores
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (1.0 + np.log(tf)) * self._idf[columns]  # sublinear tf, as fitted
        weights /= np.linalg.norm(weights)
        indptr, indices, data = self._columns.indptr, self._columns.indices, self._columns.data
        for column, weight in zip(columns, weights, strict=True):
            start, end = indptr[column], indptr[column + 1]
            scores[indices[start:end]] += weight * data[start:end]
        return scores


class FuzzyScorer:
    """RapidFuzz's normalised edit similarity of the normalised texts: near-identical wording.

    Plain ``ratio`` on purpose: set or partial ratios give 100 to any query contained in a
    longer text, which rewards a one-word query for every unit that mentions the word.
    """

    name = "fuzzy"

    def fit(self, units: Sequence[Unit]) -> None:
        self._texts = [u.text for u in units]
        # Which units hold each character: a unit sharing none with the question scores 0
        # (no edit keeps a character), so only the others are compared.
        holders: dict[str, list[int]] = {}
        for position, text in enumerate(self._texts):
            for char in set(text):
                holders.setdefault(char, []).append(position)
        self._holders = {c: np.array(p, dtype=np.intp) for c, p in holders.items()}

    def score(self, query: Normalized) -> Scores:
        scores = np.zeros(len(self._texts), dtype=np.float32)
        if not query.text or not self._texts:
            return scores
        found = [self._holders[c] for c in set(query.text) if c in self._holders]
        if not found:
            return scores
        candidates = np.unique(np.concatenate(found))
        texts = [self._texts[i] for i in candidates]
        matrix = process.cdist([query.text], texts, scorer=fuzz.ratio, workers=1)
        scores[candidates] = (np.asarray(matrix[0], dtype=np.float32) / 100.0).clip(0.0, 1.0)
        return scores


class SemanticScorer:
    """Cosine of sentence embeddings, rescaled so unrelated texts sit near 0.

    An encoder that ``reads_sentences`` gets both sides as sentences (``plain``), not as the
    keyword terms: it was trained on natural text (semantic top-1 on the bench's i深圳 queries:
    50% vs 47%).

    ``floor`` is the cosine of two unrelated texts for the encoder (e5 puts them near 0.75);
    scores are ``(cos - floor) / (1 - floor)`` clipped to ``[0, 1]``. With a ``cache``, a
    question asked before is not encoded again.
    """

    name = "semantic"

    def __init__(
        self, encoder: Encoder, *, floor: float = 0.75, cache: QueryCache | None = None
    ) -> None:
        self.encoder = encoder
        self.floor = floor
        self.cache = cache
        self._matrix: Vectors = np.zeros((0, 0), dtype=np.float32)

    @property
    def vectors(self) -> Vectors:
        """The units' embeddings, one row per unit (what :meth:`score` compares with)."""
        return self._matrix

    def fit_vectors(self, vectors: Vectors) -> None:
        self._matrix = np.ascontiguousarray(vectors, dtype=np.float32)

    def fit(self, units: Sequence[Unit]) -> None:
        self.fit_vectors(self.encoder.encode_queries([self.unit_text(u) for u in units]))

    def unit_text(self, unit: Unit) -> str:
        """What the encoder reads of a unit."""
        if self.encoder.reads_sentences and unit.plain:
            return unit.plain
        return unit.text or unit.raw

    def query_text(self, query: Normalized) -> str:
        """What the encoder reads of a query."""
        return (query.plain if self.encoder.reads_sentences else "") or query.text

    def query_vector(self, query: Normalized) -> Vectors:
        if self.cache is not None:
            return self.cache.vector(self.encoder, self.query_text(query))
        vector = self.encoder.encode_queries([self.query_text(query)])[0]
        return np.asarray(vector, dtype=np.float32)

    def score(self, query: Normalized) -> Scores:
        if not query.text or not self._matrix.size:
            return np.zeros(self._matrix.shape[0], dtype=np.float32)
        return self.score_vector(self.query_vector(query))

    def score_vector(self, vector: Vectors) -> Scores:
        cosine = self._matrix @ vector
        return ((cosine - self.floor) / (1.0 - self.floor)).clip(0.0, 1.0).astype(np.float32)
