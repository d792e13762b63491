"""The guide: understand -> retrieve -> decide, then the dialogue, the persona and speech.

Built on ``lexicons``, ``models`` and the store's functions; knows nothing of HTTP or SQL.
"""

from __future__ import annotations

from hall.guide.decision import NAMED_CAP, Decision, Reason, Scope, Thresholds, decide
from hall.guide.dialogue import ELEMENT_LABELS, Dialogue, Element, Reply, Suggestion, Turn
from hall.guide.engine import Answer, Engine, Result, Snapshot, history_fields, history_row
from hall.guide.errors import (
    ConversationConflict,
    EngineNotReady,
    GuideError,
    HallInfoInvalid,
    PersonaInvalid,
    SpeechBusy,
    SpeechError,
    SpeechFailed,
    SpeechFormatInvalid,
    SpeechNotFound,
    SpeechUnavailable,
)
from hall.guide.evaluation import EvalReport, EvalRow, evaluate, read_eval_file
from hall.guide.hall_info import (
    Announcement,
    HallInfo,
    load_hall_info,
    parse_hall_info,
    save_hall_info,
)
from hall.guide.history import HistoryWriter
from hall.guide.housekeeping import Purged, housekeeping
from hall.guide.live import Refresher
from hall.guide.persona import Look, Persona, State, load_persona, save_persona
from hall.guide.speech import Clip, Speaker

__all__ = [
    "ELEMENT_LABELS",
    "NAMED_CAP",
    "Announcement",
    "Answer",
    "Clip",
    "ConversationConflict",
    "Decision",
    "Dialogue",
    "Element",
    "Engine",
    "EngineNotReady",
    "EvalReport",
    "EvalRow",
    "GuideError",
    "HallInfo",
    "HallInfoInvalid",
    "HistoryWriter",
    "Look",
    "Persona",
    "PersonaInvalid",
    "Purged",
    "Reason",
    "Refresher",
    "Reply",
    "Result",
    "Scope",
    "Snapshot",
    "Speaker",
    "SpeechBusy",
    "SpeechError",
    "SpeechFailed",
    "SpeechFormatInvalid",
    "SpeechNotFound",
    "SpeechUnavailable",
    "State",
    "Suggestion",
    "Thresholds",
    "Turn",
    "decide",
    "evaluate",
    "history_fields",
    "history_row",
    "housekeeping",
    "load_hall_info",
    "load_persona",
    "parse_hall_info",
    "read_eval_file",
    "save_hall_info",
    "save_persona",
]
