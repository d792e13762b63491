"""Questions the hall does not answer, embedded: how near a question comes to any of them.

The lexicon bank ``out_of_scope`` holds our examples of questions no approval matter answers (a
courier's own service, a phone to buy, a recipe). The decision compares a question's nearest
example with its nearest catalogue text (``hall.guide.decision.Scope``): the boundary between in
and out of scope is learned from both, not from a fixed score.

Built at each refresh of the lexicons from the bank as it is then, so an example an admin adds
at run time counts from the next snapshot on. The vectors are cached by text (a rebuild encodes
only new examples) and persisted beside the index as ``scope-<hash>.npz``.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from hall.lexicons import Normalizer
from hall.models.encoder import Encoder, Vectors
from hall.models.errors import IndexCorrupt
from hall.models.index import atomic_write
from hall.models.scorers import Scores, SemanticScorer

__all__ = ["OutOfScope"]


class OutOfScope:
    """The out-of-scope examples and their vectors; :meth:`nearest` scores a question's vector.

    Scores are on the semantic signal's scale (``SemanticScorer``: 0 unrelated, 1 the same), so
    they compare directly with the catalogue's.
    """

    def __init__(self, encoder: Encoder, *, floor: float = 0.75) -> None:
        self.encoder = encoder
        self._scorer = SemanticScorer(encoder, floor=floor)
        self._examples: tuple[str, ...] = ()
        self._cache: dict[str, Vectors] = {}

    @property
    def examples(self) -> tuple[str, ...]:
        """The examples as written, in the bank's order (those with words in them)."""
        return self._examples

    def __len__(self) -> int:
        return len(self._examples)

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.encoder.name}\x00query\x00{text}".encode()).hexdigest()

    def build(
        self,
        questions: Iterable[str],
        normalizer: Normalizer,
        *,
        previous: OutOfScope | None = None,
    ) -> OutOfScope:
        """Embed the examples as a question is embedded; ``previous`` lends its vectors."""
        if previous is not None:
            self._cache.update(previous._cache)
        examples, texts = [], []
        for question in dict.fromkeys(questions):
            norm = normalizer.normalize(question)
            if norm.is_empty:  # nothing to compare: stopwords only
                continue
            examples.append(question)
            texts.append(self._scorer.query_text(norm))
        missing = sorted({t for t in texts if self._key(t) not in self._cache})
        if missing:
            vectors = self.encoder.encode_queries(missing)
            self._cache.update(
                (self._key(t), np.asarray(v, dtype=np.float32))
                for t, v in zip(missing, vectors, strict=True)
            )
        live = {self._key(t) for t in texts}
        self._cache = {k: v for k, v in self._cache.items() if k in live}
        if texts:
            self._scorer.fit_vectors(np.stack([self._cache[self._key(t)] for t in texts]))
        self._examples = tuple(examples)
        return self

    def scores(self, vector: Vectors) -> Scores:
        """Every example's score for a question's vector, in :attr:`examples` order."""
        if not self._examples:
            return np.zeros(0, dtype=np.float32)
        return self._scorer.score_vector(vector)

    def nearest(self, vector: Vectors) -> tuple[float, str]:
        """The nearest example's score and text; ``(0.0, "")`` when none is related at all."""
        if not self._examples:
            return 0.0, ""
        scores = self.scores(vector)
        best = int(scores.argmax())
        score = float(scores[best])
        return (score, self._examples[best]) if score > 0 else (0.0, "")

    # -- persistence ----------------------------------------------------------------------

    def save(self, folder: Path) -> Path | None:
        """Write the vectors as ``scope-<hash>.npz`` (atomically; older ones removed)."""
        if not self._cache:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._cache)
        name = f"scope-{hashlib.sha256(''.join(keys).encode()).hexdigest()[:16]}.npz"
        path = folder / name
        if not path.exists():
            vectors = np.stack([self._cache[k] for k in keys])
            atomic_write(path, lambda h: np.savez(h, keys=np.array(keys), vectors=vectors))
        for old in folder.glob("scope-*.npz"):
            if old.name != name:
                old.unlink(missing_ok=True)
        return path

    def load_cache(self, folder: Path) -> int:
        """Take the vectors a saved folder holds (of this encoder); how many were read."""
        found = 0
        for path in sorted(folder.glob("scope-*.npz")):
            try:
                with np.load(path) as data:
                    keys = [str(k) for k in data["keys"]]
                    vectors = np.asarray(data["vectors"], dtype=np.float32)
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                raise IndexCorrupt(f"cannot read the out-of-scope vectors {path}: {exc}") from exc
            if vectors.ndim != 2 or len(vectors) != len(keys):
                raise IndexCorrupt(f"{path}: {len(keys)} keys for vectors of shape {vectors.shape}")
            self._cache.update(zip(keys, vectors, strict=True))
            found += len(keys)
        return found
