"""Retrieval models: the encoder, keyword/character/fuzzy/semantic scorers, fusion, the index,
and the out-of-scope examples the decision compares a question with.

Importing this package does not import torch; the encoder loads its model in ``load()``.
"""

from __future__ import annotations

from hall.models.encoder import Encoder, QueryCache, SentenceEncoder, make_encoder
from hall.models.errors import EncoderUnavailable, IndexCorrupt, IndexNotBuilt, ModelError
from hall.models.hashing import HashingEncoder
from hall.models.index import BuildReport, Hit, IndexSettings, MatterIndex, catalogue_digest
from hall.models.scope import OutOfScope
from hall.models.scorers import (
    CharScorer,
    FuzzyScorer,
    KeywordScorer,
    Scorer,
    SemanticScorer,
    Unit,
)

__all__ = [
    "BuildReport",
    "CharScorer",
    "Encoder",
    "EncoderUnavailable",
    "FuzzyScorer",
    "HashingEncoder",
    "Hit",
    "IndexCorrupt",
    "IndexNotBuilt",
    "IndexSettings",
    "KeywordScorer",
    "MatterIndex",
    "ModelError",
    "OutOfScope",
    "QueryCache",
    "Scorer",
    "SemanticScorer",
    "SentenceEncoder",
    "Unit",
    "catalogue_digest",
    "make_encoder",
]
