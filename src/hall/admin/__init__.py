"""The back office: question banks, lexicons, persona, announcements, history. (Later work.)"""

from __future__ import annotations

__all__: list[str] = []
