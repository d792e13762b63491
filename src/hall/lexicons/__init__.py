"""Lexicons (词库) an admin maintains, and the normaliser built from them. (Engine work.)"""

from __future__ import annotations

__all__: list[str] = []
