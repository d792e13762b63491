"""The guide engine: understand -> retrieve -> decide -> dialogue -> persona -> speech.

Built on ``lexicons`` and ``models``; knows nothing of HTTP. (Filled in by the engine work.)
"""

from __future__ import annotations

__all__: list[str] = []
