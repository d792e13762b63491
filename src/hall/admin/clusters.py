"""Grouping the questions the guide could not serve into needs, for the admins to teach.

A need is what a question is about, not how it asks: "小蓝本本怎么弄", "小蓝本本在哪里办" and
"小蓝本本要带啥材料" are one need (the topic 小蓝本本), "小红本本怎么弄" another. So each question
is reduced to its topic (``hall.guide.topic``: element phrases and fillers gone, and the ways of
asking how), and questions are compared by

    similarity = (1 - w) * cos(char 1-2-gram TF-IDF of the topics) + w * semantic

where ``semantic`` is the engine's own sentence vectors' cosine, rescaled from the encoder's
unrelated-text floor to 1. Topics written alike dominate: two topics sharing no characters are
joined only when their meaning is very close, and two that differ in the one word that names the
thing (小蓝本本, 小红本本) stay apart.

Clustering is scikit-learn's agglomerative clustering, average linkage on the precomputed
distance (1 - similarity) with a distance threshold, so no cluster holds two questions whose
mean distance exceeds it. For thousands of questions the exact matrix would not fit: questions
are first split into blocks, the connected components of a nearest-neighbour graph of the topics
(scikit-learn's brute-force cosine neighbours on the sparse TF-IDF), and clustered block by block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

__all__ = ["ClusterSettings", "Item", "cluster", "how_words_removed"]

#: The ways of asking how or whether, which say nothing of the need.
_HOW = re.compile(
    r"(怎么样|怎么办|怎么弄|怎么搞|怎么整|怎么|咋办|咋弄|咋整|咋搞|咋个|咋|如何|怎样|能不能|"
    r"可不可以|可以|能否|在哪里|在哪儿|在哪|哪里|去哪|多少|多久|手续|流程|办理|申请|"
    r"问问|问一下|请问|你好|您好|谢谢)"
)


def how_words_removed(topic: str) -> str:
    """The topic without the words of asking; the topic itself when less than a word would be
    left ("怎么办理" is no topic, and "理" neither)."""
    rest = _HOW.sub("", topic)
    return rest if len(rest) >= 2 else topic


@dataclass(frozen=True)
class Item:
    """One question the guide could not serve."""

    id: int
    text: str
    topic: str
    vector: npt.NDArray[np.float32] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ClusterSettings:
    #: Largest mean distance within a cluster (average linkage).
    threshold: float = 0.38
    #: Weight of the sentence vectors against the topics' characters.
    semantic_weight: float = 0.3
    #: The encoder's cosine of unrelated texts (e5 puts them near 0.8): rescaled to 0.
    semantic_floor: float = 0.8
    #: Neighbours per topic in the graph that splits the questions into blocks.
    neighbours: int = 10
    #: Least character similarity of neighbours in one block.
    block_similarity: float = 0.2
    #: Most topics clustered exactly at once (the distance matrix is this squared).
    max_block: int = 1500


def cluster(items: Sequence[Item], settings: ClusterSettings | None = None) -> list[list[Item]]:
    """The items grouped by need, largest group first (ties: the earliest item first)."""
    settings = settings or ClusterSettings()
    if not items:
        return []
    topics: dict[str, list[Item]] = {}
    for item in items:
        topics.setdefault(how_words_removed(item.topic) or item.text, []).append(item)
    keys = list(topics)
    labels = _labels(keys, [topics[k] for k in keys], settings)
    groups: dict[int, list[Item]] = {}
    for key, label in zip(keys, labels, strict=True):
        groups.setdefault(label, []).extend(topics[key])
    ordered = [sorted(group, key=lambda i: i.id) for group in groups.values()]
    return sorted(ordered, key=lambda g: (-len(g), g[0].id))


def _labels(keys: list[str], members: list[list[Item]], settings: ClusterSettings) -> list[int]:
    if len(keys) == 1:
        return [0]
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        keys
    )
    vectors = _mean_vectors(members)
    labels = np.full(len(keys), -1, dtype=np.int64)
    next_label = 0
    for block in _blocks(chars, settings):
        if len(block) == 1:
            labels[block[0]] = next_label
            next_label += 1
            continue
        similarity = (chars[block] @ chars[block].T).toarray()
        if vectors is not None:
            cosine = vectors[block] @ vectors[block].T
            semantic = np.clip(
                (cosine - settings.semantic_floor) / (1.0 - settings.semantic_floor), 0.0, 1.0
            )
            weight = settings.semantic_weight
            similarity = (1.0 - weight) * similarity + weight * semantic
        distance = np.clip(1.0 - similarity, 0.0, None)
        np.fill_diagonal(distance, 0.0)
        found = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=settings.threshold,
        ).fit_predict(distance)
        for index, label in zip(block, found, strict=True):
            labels[index] = next_label + int(label)
        next_label += int(found.max()) + 1
    return [int(label) for label in labels]


def _mean_vectors(members: list[list[Item]]) -> npt.NDArray[np.float32] | None:
    """One unit vector per topic (the mean of its questions'); None unless every item has one."""
    rows = []
    for group in members:
        vectors = [i.vector for i in group if i.vector is not None]
        if not vectors:
            return None
        mean = np.mean(np.stack(vectors), axis=0)
        norm = float(np.linalg.norm(mean))
        rows.append(mean / norm if norm else mean)
    return np.stack(rows).astype(np.float32)


def _blocks(chars: csr_matrix, settings: ClusterSettings) -> list[list[int]]:
    """Connected components of the topics' neighbour graph, none over ``max_block``."""
    count = chars.shape[0]
    if count <= settings.max_block:
        return [list(range(count))]
    neighbours = min(settings.neighbours, count - 1)
    finder = NearestNeighbors(n_neighbors=neighbours + 1, metric="cosine", algorithm="brute")
    distances, indices = finder.fit(chars).kneighbors(chars)
    floor = settings.block_similarity
    blocks: list[list[int]] = []
    pending = [(np.arange(count), floor)]
    while pending:
        members, least = pending.pop()
        keep = (1.0 - distances[members]) >= least
        lookup = {int(m): position for position, m in enumerate(members)}
        rows, cols = [], []
        for position, member in enumerate(members):
            for neighbour, ok in zip(indices[member], keep[position], strict=True):
                if ok and int(neighbour) in lookup:
                    rows.append(position)
                    cols.append(lookup[int(neighbour)])
        graph = csr_matrix(
            (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(len(members),) * 2
        )
        _, component = connected_components(graph, directed=False)
        for label in np.unique(component):
            part = members[component == label]
            if len(part) > settings.max_block and least < 0.95:
                pending.append((part, least + 0.1))  # a stricter graph splits it further
            else:
                # Still too big at the strictest graph (near-identical topics): in slices.
                for start in range(0, len(part), settings.max_block):
                    blocks.append([int(i) for i in part[start : start + settings.max_block]])
    return blocks
