"""A tiny encoder without a model: hashed character n-grams, L2-normalised.

For tests and for a site that wants keyword-grade matching without torch
(``HALL_EMBEDDING_MODEL=hashing``). It has no notion of meaning: 驾照 and 驾驶证 only share 驾.
"""

from __future__ import annotations

import hashlib

import numpy as np

from hall.models.encoder import Vectors

__all__ = ["HashingEncoder"]


class HashingEncoder:
    """Character 1-3-gram counts hashed into ``dim`` buckets; counts its calls for tests."""

    name = "hashing"
    #: Bags of n-grams know no meaning: they read the normalised terms, synonyms applied.
    reads_sentences = False

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.encoded = 0  # texts encoded so far: tests check what a reload re-encodes

    def load(self) -> HashingEncoder:
        return self

    def _vector(self, text: str) -> Vectors:
        vector = np.zeros(self.dim, dtype=np.float32)
        for size in (1, 2, 3):
            for start in range(max(len(text) - size + 1, 0)):
                gram = text[start : start + size].encode()
                bucket = int.from_bytes(hashlib.blake2b(gram, digest_size=4).digest(), "little")
                vector[bucket % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def _encode(self, texts: list[str]) -> Vectors:
        self.encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(text) for text in texts])

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._encode(texts)
