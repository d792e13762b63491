"""HTTP API on top of the engine: routes, schemas and the translation of errors to HTTP."""

from __future__ import annotations

from hall.api.app import create_app

__all__ = ["create_app"]
