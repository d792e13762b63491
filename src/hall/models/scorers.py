"""Scorers: one retrieval signal each, over the index's units, on one 0-1 scale.

A unit is one searchable text of a matter (its title, an alias, a question). Every scorer has
the same small contract: ``fit(units)`` once per build, ``score(query)`` gives one score per unit
in ``[0, 1]``; an empty query scores 0 everywhere.

Units that read alike score alike, and a national catalogue has each text many times over (every
region publishes the same matters): each scorer fits its weights on all units, as before, but
keeps one row per distinct text and scores only those, handing every unit its text's score (at
100,000 matters, 28 times less work and memory, the same scores).
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


def distinct(keys: Sequence[object]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The first position of each distinct key, and for every position its key's number: rows
    kept, and how to hand their scores back to every unit (``scores[inverse]``)."""
    numbers: dict[object, int] = {}
    first: list[int] = []
    inverse = np.empty(len(keys), dtype=np.intp)
    for position, key in enumerate(keys):
        number = numbers.get(key)
        if number is None:
            number = numbers[key] = len(first)
            first.append(position)
        inverse[position] = number
    return np.array(first, dtype=np.intp), inverse


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
        documents = [u.terms or u.tokens for u in units]
        counts = self._vectorizer.fit_transform(documents).tocsr().astype(np.float32)
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
        first, self._inverse = distinct([tuple(d) for d in documents])
        self._weights = counts[first].tocsc()  # the weights of all, one row per text
        self._size = len(first)

    def score(self, query: Normalized) -> Scores:
        scores = np.zeros(self._size, dtype=np.float32)
        terms = list(dict.fromkeys(query.terms or query.tokens))
        if not terms:
            return scores[self._inverse]
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
        if best > 0:
            scores = np.clip(scores / best, 0.0, 1.0)
        return scores[self._inverse]


class CharScorer:
    """Cosine of character 1-2-gram TF-IDF: robust to segmentation and to small typos.

    scikit-learn's ``TfidfVectorizer`` fits the weights; a question is scored by adding up the
    unit columns of its own n-grams (a dozen or two), not by a sparse product over every unit.
    """

    name = "char"

    def fit(self, units: Sequence[Unit]) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        texts = [u.text or " " for u in units]
        matrix = self._vectorizer.fit_transform(texts).tocsr()
        first, self._inverse = distinct(texts)
        self._columns: sparse.csc_matrix = matrix[first].tocsc().astype(np.float32)
        self._idf = self._vectorizer.idf_.astype(np.float32)
        self._vocabulary: dict[str, int] = self._vectorizer.vocabulary_
        self._analyzer = self._vectorizer.build_analyzer()

    def score(self, query: Normalized) -> Scores:
        scores = np.zeros(self._columns.shape[0], dtype=np.float32)
        if not query.text:
            return scores[self._inverse]
        counts: dict[int, int] = {}
        for gram in self._analyzer(query.text):
            column = self._vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        if not counts:
            return scores[self._inverse]
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        weights = (1.0 + np.log(tf)) * self._idf[columns]  # sublinear tf, as fitted
        weights /= np.linalg.norm(weights)
        indptr, indices, data = self._columns.indptr, self._columns.indices, self._columns.data
        for column, weight in zip(columns, weights, strict=True):
            start, end = indptr[column], indptr[column + 1]
            scores[indices[start:end]] += weight * data[start:end]
        return scores[self._inverse]


class FuzzyScorer:
    """RapidFuzz's normalised edit similarity of the normalised texts: near-identical wording.

    Plain ``ratio`` on purpose: set or partial ratios give 100 to any query contained in a
    longer text, which rewards a one-word query for every unit that mentions the word.
    """

    name = "fuzzy"

    def fit(self, units: Sequence[Unit]) -> None:
        texts = [u.text for u in units]
        first, self._inverse = distinct(texts)
        self._texts = [texts[i] for i in first]
        # The same as an array: a question's candidates are taken by fancy indexing (a Python
        # loop over thousands of them was the scorer's largest cost).
        self._text_array = np.array(self._texts, dtype=object)
        # Which texts hold each character: a text sharing none with the question scores 0
        # (no edit keeps a character), so only the others are compared.
        holders: dict[str, list[int]] = {}
        for position, text in enumerate(self._texts):
            for char in set(text):
                holders.setdefault(char, []).append(position)
        self._holders = {c: np.array(p, dtype=np.intp) for c, p in holders.items()}

    def score(self, query: Normalized) -> Scores:
        scores = np.zeros(len(self._texts), dtype=np.float32)
        if not query.text or not self._texts:
            return scores[self._inverse]
        found = [self._holders[c] for c in set(query.text) if c in self._holders]
        if not found:
            return scores[self._inverse]
        candidates = np.unique(np.concatenate(found))
        texts = self._text_array[candidates].tolist()
        matrix = process.cdist([query.text], texts, scorer=fuzz.ratio, workers=1)
        scores[candidates] = (np.asarray(matrix[0], dtype=np.float32) / 100.0).clip(0.0, 1.0)
        return scores[self._inverse]


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
        self._inverse: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)

    @property
    def vectors(self) -> Vectors:
        """The units' embeddings, one row per unit (made on demand: the scorer keeps one row
        per distinct text)."""
        return self._matrix[self._inverse]

    def fit_vectors(self, vectors: Vectors, inverse: npt.NDArray[np.intp] | None = None) -> None:
        """The embeddings to compare with: one row per unit, or one per distinct text with
        ``inverse`` giving each unit's row."""
        self._matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        self._inverse = np.arange(len(vectors), dtype=np.intp) if inverse is None else inverse

    def fit(self, units: Sequence[Unit]) -> None:
        texts = [self.unit_text(u) for u in units]
        first, inverse = distinct(texts)
        self.fit_vectors(self.encoder.encode_queries([texts[i] for i in first]), inverse)

    @property
    def vectors_count(self) -> int:
        """How many distinct embeddings it compares with."""
        return int(self._matrix.shape[0]) if self._matrix.size else 0

    def cosines(self, unit: int) -> Scores:
        """The cosine of one unit's embedding with every unit's."""
        rows = self._matrix @ self._matrix[self._inverse[unit]]
        return np.asarray(rows[self._inverse], dtype=np.float32)

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
            return np.zeros(len(self._inverse), dtype=np.float32)
        return self.score_vector(self.query_vector(query))

    def best(self, vector: Vectors) -> float:
        """The best score of any unit (every distinct row is some unit's: no gather needed)."""
        if not self._matrix.size:
            return 0.0
        cosine = float((self._matrix @ vector).max())
        return min(max((cosine - self.floor) / (1.0 - self.floor), 0.0), 1.0)

    def score_vector(self, vector: Vectors) -> Scores:
        cosine = self._matrix @ vector
        scores = ((cosine - self.floor) / (1.0 - self.floor)).clip(0.0, 1.0).astype(np.float32)
        return scores[self._inverse]
