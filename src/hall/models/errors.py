"""Errors of the retrieval models.

ModelError
├── EncoderUnavailable   the configured encoder cannot be loaded (not installed, bad path)
├── IndexNotBuilt        a search before the index was built or loaded
└── IndexCorrupt         a persisted index folder that cannot be read
"""

from __future__ import annotations

from hall.errors import HallError

__all__ = ["EncoderUnavailable", "IndexCorrupt", "IndexNotBuilt", "ModelError"]


class ModelError(HallError):
    """Base of every model error."""


class EncoderUnavailable(ModelError):
    pass


class IndexNotBuilt(ModelError):
    pass


class IndexCorrupt(ModelError):
    pass
