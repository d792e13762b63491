"""The guide engine: understand -> retrieve -> decide (then dialogue, persona and speech).

Built on ``lexicons`` and ``models``; knows nothing of HTTP or SQL.
"""

from __future__ import annotations

from hall.guide.decision import Decision, Reason, Thresholds, decide
from hall.guide.engine import Answer, Engine, Result
from hall.guide.errors import EngineNotReady, GuideError
from hall.guide.evaluation import EvalReport, EvalRow, evaluate, read_eval_file

__all__ = [
    "Answer",
    "Decision",
    "Engine",
    "EngineNotReady",
    "EvalReport",
    "EvalRow",
    "GuideError",
    "Reason",
    "Result",
    "Thresholds",
    "decide",
    "evaluate",
    "read_eval_file",
]
