"""Retrieval models: encoders, lexical/fuzzy/semantic scorers, fusion, the index. (Engine work.)"""

from __future__ import annotations

__all__: list[str] = []
