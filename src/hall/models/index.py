"""The matter index: units of every active matter, scored by each signal and fused.

Built from the store's matters and the normaliser; persisted as a self-describing folder::

    manifest.json        stages with their settings, encoder, hashes of catalogue and lexicons
    vectors-<hash>.npz   the unit embeddings, keyed by a hash of (encoder, text)
    built-<key>.pickle   everything else the build made (units, fitted scorers), keyed by what it
                         was built from: catalogue, lexicons, settings, encoder and this code

A process that starts on a catalogue and lexicons already built (another worker, a restart)
loads the built index under its key instead of building it again; otherwise it recomputes the
units and takes their vectors from the cache, so a reload or an update encodes only texts it
has never seen. The folder is the data folder's: hall reads back only what it wrote there.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hall.background import give_way
from hall.lexicons import Normalized, Normalizer
from hall.models.encoder import Encoder, QueryCache, Vectors
from hall.models.errors import IndexCorrupt, IndexNotBuilt
from hall.models.regions import RegionPreference
from hall.models.scorers import (
    CharScorer,
    FuzzyScorer,
    KeywordScorer,
    Scores,
    SemanticScorer,
    Unit,
    distinct,
)
from hall.models.variants import VariantPreference
from hall.store import Matter

__all__ = ["BuildReport", "Hit", "IndexSettings", "MatterIndex", "atomic_write", "catalogue_digest"]

FORMAT = 1


@dataclass(frozen=True)
class IndexSettings:
    """Weights of the fields and signals; the manifest records them."""

    field_weights: dict[str, float] = field(
        default_factory=lambda: {
            "title": 1.0,
            "alias": 0.97,
            "question": 0.95,
            "keywords": 0.8,
            "parent": 0.85,
        }
    )
    #: Chosen on our own examples (tests/data/demo_queries.jsonl and each demo matter question
    #: held out, against the demo and bench catalogues together): the middle of the plateau of
    #: best mean reciprocal rank (bench/calibrate.py --weights prints it). Never on bench queries.
    signal_weights: dict[str, float] = field(
        default_factory=lambda: {"semantic": 0.65, "keyword": 0.10, "char": 0.15, "fuzzy": 0.10}
    )
    #: With an encoder of bags of n-grams (``reads_sentences`` false: the hashing encoder) the
    #: semantic signal is one more lexical signal, and the lexical ones weigh more.
    term_signal_weights: dict[str, float] = field(
        default_factory=lambda: {"semantic": 0.45, "keyword": 0.25, "char": 0.15, "fuzzy": 0.15}
    )
    semantic_floor: float = 0.75
    #: The hall's own region ("广东省深圳市"): other places' matters rank below ours.
    home_region: str = ""
    region_penalty: float = 0.15
    #: Added to the matters of a place the question names.
    region_bonus: float = 0.05
    #: Added to the home's own matters (the city's), over broader ones (the province's).
    region_local: float = 0.05
    #: Subtracted from a matter whose title names a variant (变更, 注销, 查询 …) the question
    #: does not ask for (:mod:`hall.models.variants`).
    variant_penalty: float = 0.03
    #: Subtracted instead from a matter for an audience (外国人, 工伤 …) the question names not.
    audience_penalty: float = 0.09


@dataclass(frozen=True)
class Hit:
    """One matter found for a query, with the evidence for the explanation."""

    code: str
    title: str
    department: str | None
    kind: str
    score: float
    signals: dict[str, float]
    evidence: dict[str, str]  # signal -> "field: text" of the unit that scored best


@dataclass(frozen=True)
class BuildReport:
    matters: int
    units: int
    encoded: int
    seconds: float
    loaded: bool = False  # taken whole from a built index under the same key


def _code_digest() -> str:
    """A hash of the code that builds an index (this package and the lexicons'): a built index
    of other code is built again."""
    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(__file__).parents[1] / "lexicons"):
        for path in sorted(package.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_CODE = _code_digest()
#: What a built index holds besides its vectors (the semantic matrix is made from those).
_BUILT = (
    "_entries",
    "_units",
    "_starts",
    "_field_weight",
    "_regions",
    "_variants",
    "_positions",
    "_columns",
    "_with_keywords",
    "_names",
    "keyword",
    "char",
    "fuzzy",
    "catalogue_digest",
)


@dataclass(frozen=True)
class _Entry:
    code: str
    title: str
    department: str | None
    kind: str
    region: str | None
    parent: str | None = None
    keywords: frozenset[str] = frozenset()


def catalogue_digest(matters: Iterable[Matter]) -> str:
    """A hash of what the index reads from the catalogue (searchable fields of active matters)."""
    digest = hashlib.sha256()
    for matter in sorted(matters, key=lambda m: m.code):
        r = matter.record
        payload = [
            r.code,
            r.title,
            r.kind,
            r.department,
            r.region,
            r.parent,
            r.aliases,
            r.keywords,
            r.questions,
        ]
        digest.update(json.dumps(payload, ensure_ascii=False, default=list).encode())
    return digest.hexdigest()


def _units(
    matters: Sequence[Matter], normalizer: Normalizer, memo: dict[str, Normalized]
) -> list[Unit]:
    """Every searchable text of every matter, normalised (``memo`` spares repeated work)."""
    units: list[Unit] = []
    for position, matter in enumerate(matters):
        give_way()  # a rebuild beside requests lets the questions in flight go first
        r = matter.record
        texts: list[tuple[str, str]] = [("title", r.title)]
        texts += [("alias", a) for a in r.aliases]
        texts += [("question", q) for q in r.questions]
        if r.keywords:
            texts.append(("keywords", " ".join(r.keywords)))
        if r.parent and r.parent != r.title:
            texts.append(("parent", r.parent))
        # Two texts of one matter are one unit when they read alike for every signal: 准生证
        # normalises like the title 生育登记, but the encoder reads it as written.
        seen: set[tuple[str, str]] = set()
        for kind, raw in texts:
            norm = memo.get(raw)
            if norm is None:
                norm = memo[raw] = normalizer.normalize(raw)
            if not norm.tokens or (norm.text, norm.plain) in seen:
                continue
            seen.add((norm.text, norm.plain))
            units.append(Unit(position, kind, norm.text, norm.tokens, raw, norm.terms, norm.plain))
        if not seen:  # every matter keeps one unit, even a title made only of stopwords
            units.append(Unit(position, "title", r.title, (r.title,), r.title, (r.title,)))
    return units


class MatterIndex:
    """Hybrid retrieval over matters; build or load it once, then search from any thread."""

    def __init__(
        self,
        normalizer: Normalizer,
        encoder: Encoder,
        *,
        settings: IndexSettings | None = None,
        lexicons_digest: str = "",
        query_cache: QueryCache | None = None,
    ) -> None:
        self.normalizer = normalizer
        self.encoder = encoder
        self.settings = settings or IndexSettings()
        self.lexicons_digest = lexicons_digest
        self.keyword = KeywordScorer()
        self.char = CharScorer()
        self.fuzzy = FuzzyScorer()
        self.semantic = SemanticScorer(
            encoder, floor=self.settings.semantic_floor, cache=query_cache
        )
        self._entries: list[_Entry] = []
        self._units: list[Unit] = []
        self._starts: npt.NDArray[np.intp] = np.zeros(0, dtype=np.intp)
        self._field_weight: Scores = np.zeros(0, dtype=np.float32)
        self._cache: dict[str, Vectors] = {}
        self._regions = RegionPreference([])
        self._variants = VariantPreference([])
        self._positions: dict[str, int] = {}
        self._columns: dict[str, npt.NDArray[np.object_]] = {}
        self._with_keywords: list[int] = []
        self._names: list[frozenset[str]] = []
        self._memo: dict[str, Normalized] = {}
        self.catalogue_digest = ""

    # -- building -------------------------------------------------------------------------

    @property
    def weights(self) -> dict[str, float]:
        """The fusion's signal weights for this index's encoder."""
        if self.encoder.reads_sentences:
            return self.settings.signal_weights
        return self.settings.term_signal_weights

    @property
    def size(self) -> int:
        return len(self._entries)

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.encoder.name}\x00query\x00{text}".encode()).hexdigest()

    def carry_over(self, previous: MatterIndex) -> None:
        """Take a previous index's vectors, and the normalised texts this index's normaliser
        reads alike (all of them when it is the same; see :meth:`Normalizer.reads_alike`)."""
        self._cache.update(previous._cache)
        mine, theirs = self.normalizer, previous.normalizer
        self._memo.update(
            (raw, seen) for raw, seen in previous._memo.items() if mine.reads_alike(theirs, seen)
        )

    def build(self, matters: Sequence[Matter]) -> BuildReport:
        """(Re)build from these matters; vectors already in the cache are not encoded again."""
        started = time.perf_counter()
        active = sorted((m for m in matters if m.record.status == "active"), key=lambda m: m.code)
        memo = self._memo
        self._memo = {}
        units = _units(active, self.normalizer, memo)
        self._memo = {u.raw: memo[u.raw] for u in units if u.raw in memo}
        texts = [self.semantic.unit_text(u) for u in units]
        missing = sorted({t for t in texts if self._key(t) not in self._cache})
        if missing:
            # Units are short, question-like texts: e5's symmetric use ("query:" on both sides)
            # ranks them better than "passage:" (semantic top-1 on the bench: 47% vs 44%).
            vectors = self.encoder.encode_queries(missing)
            for text, vector in zip(missing, vectors, strict=True):
                self._cache[self._key(text)] = vector
        self.semantic.fit_vectors(*self._matrix(texts))
        if units:  # the vectorizers refuse an empty corpus; an empty index finds nothing anyway
            for scorer in (self.keyword, self.char, self.fuzzy):
                scorer.fit(units)
        self._entries = [
            _Entry(
                m.code,
                m.record.title,
                m.record.department,
                str(m.record.kind),
                m.record.region,
                m.record.parent or None,
                frozenset(m.record.keywords),
            )
            for m in active
        ]
        self._regions = RegionPreference(
            [e.region for e in self._entries],
            home=self.settings.home_region or None,
            penalty=self.settings.region_penalty,
            bonus=self.settings.region_bonus,
            local=self.settings.region_local,
        )
        self._variants = VariantPreference(
            [e.title for e in self._entries],
            penalty=self.settings.variant_penalty,
            audience_penalty=self.settings.audience_penalty,
        )
        self._units = units
        positions = np.array([u.matter for u in units], dtype=np.intp)
        self._starts = np.searchsorted(positions, np.arange(len(active)))
        weights = self.settings.field_weights
        self._field_weight = np.array([weights.get(u.field, 1.0) for u in units], dtype=np.float32)
        self._positions = {e.code: i for i, e in enumerate(self._entries)}
        self._columns = {
            name: np.array([getattr(e, name) or "" for e in self._entries], dtype=object)
            for name in ("parent", "department", "title")
        }
        self._with_keywords = [i for i, e in enumerate(self._entries) if e.keywords]
        names: list[set[str]] = [set() for _ in active]
        for unit in units:
            if unit.field in ("title", "alias"):
                names[unit.matter].add(unit.text)
        self._names = [frozenset(n) for n in names]
        self.catalogue_digest = catalogue_digest(active)
        live = {self._key(t) for t in texts}
        self._cache = {k: v for k, v in self._cache.items() if k in live}
        return BuildReport(len(active), len(units), len(missing), time.perf_counter() - started)

    def _matrix(self, texts: list[str]) -> tuple[Vectors, npt.NDArray[np.intp]]:
        """The vectors of the distinct unit texts (from the cache), and each unit's row."""
        first, inverse = distinct(texts)
        dim = next(iter(self._cache.values())).shape[0] if self._cache else 0
        if not len(first):
            return np.zeros((0, dim), dtype=np.float32), inverse
        return np.stack([self._cache[self._key(texts[i])] for i in first]), inverse

    # -- persistence ----------------------------------------------------------------------

    def built_key(self, matters: Sequence[Matter]) -> str:
        """The key of an index of these matters: catalogue, lexicons, settings, encoder, code."""
        active = [m for m in matters if m.record.status == "active"]
        parts = [
            FORMAT,
            _CODE,
            self.encoder.name,
            catalogue_digest(active),
            self.lexicons_digest,
            asdict(self.settings),
        ]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:24]

    @staticmethod
    @contextmanager
    def building(folder: Path) -> Iterator[None]:
        """One process at a time builds in ``folder``: workers started together build once, and
        the others load what the first saved."""
        import fcntl

        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".build.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def load_built(self, folder: Path, matters: Sequence[Matter]) -> BuildReport | None:
        """Take the index of these matters whole from ``folder`` when it was built there under
        the same key (its vectors from the vector cache, read first); None when it was not."""
        started = time.perf_counter()
        path = folder / f"built-{self.built_key(matters)}.pickle"
        try:
            with open(path, "rb") as handle:
                state = pickle.load(handle)  # our own file, in our own data folder
        except FileNotFoundError:
            return None
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError) as exc:
            path.unlink(missing_ok=True)  # built again, and saved anew
            raise IndexCorrupt(f"cannot read the built index {path}: {exc}") from exc
        if not isinstance(state, dict) or set(state) != set(_BUILT):
            path.unlink(missing_ok=True)
            raise IndexCorrupt(f"{path} is not a built index")
        texts = [self.semantic.unit_text(u) for u in state["_units"]]
        keys = [self._key(t) for t in texts]
        if any(k not in self._cache for k in keys):
            return None  # its vectors are gone: build again
        for name in _BUILT:
            setattr(self, name, state[name])
        self.semantic.fit_vectors(*self._matrix(texts))
        live = set(keys)
        self._cache = {k: v for k, v in self._cache.items() if k in live}
        return BuildReport(
            self.size, len(self._units), 0, time.perf_counter() - started, loaded=True
        )

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "encoder": self.encoder.name,
            "catalogue_sha256": self.catalogue_digest,
            "lexicons_sha256": self.lexicons_digest,
            "matters": self.size,
            "units": len(self._units),
            "settings": asdict(self.settings),
            "stages": [
                {"name": "normalizer", "type": type(self.normalizer).__name__},
                {
                    "name": self.keyword.name,
                    "type": "KeywordScorer",
                    "settings": {"k1": self.keyword.k1, "b": self.keyword.b},
                },
                {"name": self.char.name, "type": "CharScorer", "settings": {"ngrams": [1, 2]}},
                {
                    "name": self.fuzzy.name,
                    "type": "FuzzyScorer",
                    "settings": {"scorer": "ratio"},
                },
                {
                    "name": self.semantic.name,
                    "type": "SemanticScorer",
                    "settings": {
                        "floor": self.semantic.floor,
                        "encoder": self.encoder.name,
                        "input": "sentence" if self.encoder.reads_sentences else "terms",
                    },
                },
                {
                    "name": "fusion",
                    "type": "WeightedSum",
                    "settings": {"signals": self.weights},
                },
            ],
        }

    def save(self, folder: Path, *, built_key: str | None = None) -> Path:
        """Write the manifest and the vector cache atomically, and with ``built_key`` the built
        index too; returns the manifest path."""
        folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._cache)
        vectors = np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 0))
        content = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        name = f"vectors-{content}.npz"
        if not (folder / name).exists():
            atomic_write(folder / name, lambda h: np.savez(h, keys=np.array(keys), vectors=vectors))
        built = f"built-{built_key}.pickle" if built_key else None
        if built and not (folder / built).exists():
            state = {attr: getattr(self, attr) for attr in _BUILT}
            atomic_write(folder / built, lambda h: pickle.dump(state, h, protocol=5))
        manifest = {**self.manifest(), "vectors": name, "built": built}
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        atomic_write(folder / "manifest.json", lambda h: h.write(data))
        for pattern, keep in (("vectors-*.npz", name), ("built-*.pickle", built)):
            for old in folder.glob(pattern):
                if old.name != keep and keep is not None:
                    old.unlink(missing_ok=True)
        return folder / "manifest.json"

    def load_cache(self, folder: Path) -> dict[str, Any] | None:
        """Read a saved folder's vectors into the cache; returns its manifest (or None)."""
        path = folder / "manifest.json"
        if not path.is_file():
            return None
        try:
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("the manifest is not a JSON object")
            if manifest.get("format") != FORMAT or manifest.get("encoder") != self.encoder.name:
                return None
            if not isinstance(manifest.get("vectors"), str):
                raise ValueError(f"the manifest names no vectors file: {manifest.get('vectors')!r}")
            with np.load(folder / manifest["vectors"]) as data:
                keys = [str(k) for k in data["keys"]]
                vectors = np.asarray(data["vectors"], dtype=np.float32)
            if vectors.ndim != 2 or len(vectors) != len(keys):
                raise ValueError(f"{len(keys)} keys for vectors of shape {vectors.shape}")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            # np.load raises EOFError on an empty file and BadZipFile on a truncated one.
            raise IndexCorrupt(f"cannot read the index in {folder}: {exc}") from exc
        self._cache.update(zip(keys, vectors, strict=True))
        return manifest

    # -- searching ------------------------------------------------------------------------

    def query_vector(self, query: Normalized) -> Vectors:
        """The question's embedding, as :meth:`search` compares it (encode once, use twice)."""
        return self.semantic.query_vector(query)

    def closeness(self, vector: Vectors) -> float:
        """How near the question comes to the catalogue: the best semantic score of any unit,
        unweighted by field (0 for an empty index)."""
        if not self._units or not self.semantic.vectors_count:
            return 0.0
        return self.semantic.best(vector)

    def signals(
        self, query: Normalized, *, vector: Vectors | None = None
    ) -> tuple[dict[str, Scores], dict[str, Scores]]:
        """Per-matter scores of each signal (max over the matter's weighted units), per unit.

        ``vector`` is the question's embedding when the caller already has it.
        """
        if not self._entries:
            raise IndexNotBuilt("the index has not been built")
        semantic = (
            self.semantic.score(query)
            if vector is None or not query.text or not self.semantic.vectors_count
            else self.semantic.score_vector(vector)
        )
        unit_scores = {
            "keyword": self.keyword.score(query),
            "char": self.char.score(query),
            "fuzzy": self.fuzzy.score(query),
            "semantic": semantic,
        }
        return {name: self.per_matter(scores) for name, scores in unit_scores.items()}, unit_scores

    def per_matter(self, unit_scores: Scores) -> Scores:
        """One signal per matter: the best of its units, each weighted by its field."""
        if not unit_scores.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.maximum.reduceat(unit_scores * self._field_weight, self._starts)

    def adjustment(self, text: str) -> Scores | None:
        """The region adjustment of every matter for a question's normalised text, if any."""
        return self._regions.adjustment(text) if self._regions.active else None

    def fuse(
        self,
        per_matter: dict[str, Scores],
        adjustment: Scores | None,
        weights: dict[str, float] | None = None,
    ) -> Scores:
        """The fused 0-1 score of every matter (``weights`` default to :attr:`weights`)."""
        weights = weights or self.weights
        fused = sum(weights[name] * per_matter[name] for name in weights)
        if adjustment is not None:
            fused = fused + adjustment
        return np.asarray(fused, dtype=np.float32).clip(0.0, 1.0)

    def search(
        self,
        query: str | Normalized,
        *,
        k: int = 5,
        vector: Vectors | None = None,
        focus: Normalized | None = None,
        focus_weight: float = 0.0,
    ) -> list[Hit]:
        """The ``k`` best matters, best first, scores in ``[0, 1]``; "" gives nothing.

        ``vector``: the question's embedding (:meth:`query_vector`), when already computed.
        ``focus``: a part of the question that weighs more than its share (the request clause
        of a long story): each matter's score is ``focus_weight`` times its fused score for the
        part plus the rest times its score for the whole question.
        """
        norm = self.normalizer.normalize(query) if isinstance(query, str) else query
        if k <= 0 or norm.is_empty or not self._entries:
            return []
        per_matter, per_unit = self.signals(norm, vector=vector)
        weights = self.weights
        adjustment = self.adjustment(norm.text)
        fused = self.fuse(per_matter, adjustment)
        focused = None
        if focus is not None and not focus.is_empty and focus_weight > 0:
            focused = self.fuse(self.signals(focus)[0], adjustment)
            fused = (1.0 - focus_weight) * fused + focus_weight * focused
        # A variant (变更, 查询 …) the question does not ask for, in any of its readings (as
        # typed, as decoded, as rewritten), ranks below its plain sibling.
        readings = "\n".join((norm.original, norm.plain, norm.text))
        fused, lowered = self._variants.adjust(fused, readings)
        # A stable sort: equal scores keep the code order, so a smaller k gives a prefix
        # (argpartition picked arbitrary matters among those tied at the k-th score).
        top = np.argsort(-fused, kind="stable")[:k]
        hits = []
        for position in top:
            entry = self._entries[int(position)]
            start = int(self._starts[position])
            end = int(self._starts[position + 1]) if position + 1 < self.size else len(self._units)
            evidence = {}
            for name, scores in per_unit.items():
                local = scores[start:end]
                if local.size and float(local.max()) > 0:
                    unit = self._units[start + int(local.argmax())]
                    evidence[name] = f"{unit.field}: {unit.raw}"
            signals = {n: round(float(per_matter[n][position]), 4) for n in weights}
            if focused is not None and focus is not None:
                signals["clause"] = round(float(focused[position]), 4)
                evidence["clause"] = f"clause: {focus.text}"
            if adjustment is not None and adjustment[position]:
                signals["region"] = round(float(adjustment[position]), 4)
                evidence["region"] = f"region: {entry.region}"
            if int(position) in lowered:
                signals["variant"] = -self._variants.penalty_of(lowered[int(position)])
                named = self._variants.words(entry.title, lowered[int(position)])
                evidence["variant"] = f"title: {entry.title} ({'、'.join(named)}, not asked)"
            hits.append(
                Hit(
                    code=entry.code,
                    title=entry.title,
                    department=entry.department,
                    kind=entry.kind,
                    score=round(float(fused[position]), 4),
                    signals=signals,
                    evidence=evidence,
                )
            )
        return hits

    def title(self, code: str) -> str | None:
        """The title of an indexed matter; None for a code the index does not hold."""
        position = self._positions.get(code)
        return None if position is None else self._entries[position].title

    def names(self, code: str, text: str) -> bool:
        """Whether ``text`` (normalised) is the whole of this matter's title or one alias."""
        position = self._positions.get(code)
        return position is not None and text in self._names[position]

    def named_in(self, term: str, codes: Sequence[str]) -> int:
        """How many of these matters have ``term`` (normalised) in their title or an alias."""
        positions = (self._positions.get(code) for code in codes)
        return sum(1 for p in positions if p is not None and any(term in n for n in self._names[p]))

    def codes_and_titles(self) -> list[tuple[str, str]]:
        """Every indexed matter as ``(code, title)``, in code order."""
        return [(e.code, e.title) for e in self._entries]

    # -- neighbours -----------------------------------------------------------------------

    def similar(self, code: str, *, k: int = 3) -> list[tuple[str, str]]:
        """Matters a citizen of this one may also need: embedding neighbours of its title,
        lifted when they share its parent (a sub-item of the same matter), its department, or
        keywords (the theme words an admin gave both).

        Returns ``(code, title)`` pairs, best first; ``[]`` for an unknown code.
        """
        position = self._positions.get(code)
        if position is None or k <= 0 or not self._units:
            return []
        own = self._entries[position]
        start = int(self._starts[position])
        if self.semantic.vectors_count:
            cosine = self.semantic.cosines(start)  # the matter's first unit is its title
            scores = np.maximum.reduceat(cosine, self._starts).astype(np.float32)
        else:
            scores = np.zeros(self.size, dtype=np.float32)
        columns = self._columns
        if own.parent:
            scores += 0.1 * (columns["parent"] == own.parent)
        if own.department:
            scores += 0.05 * (columns["department"] == own.department)
        if own.keywords:
            for i in self._with_keywords:
                if own.keywords & self._entries[i].keywords:
                    scores[i] += 0.05
        scores[columns["title"] == own.title] = -np.inf  # itself, and other regions' copies
        top = np.argsort(-scores, kind="stable")[:k]
        return [
            (self._entries[i].code, self._entries[i].title) for i in top if np.isfinite(scores[i])
        ]


def atomic_write(path: Path, write: Any) -> None:
    """Write ``path`` through a temporary file beside it: readers see the old or the new."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
