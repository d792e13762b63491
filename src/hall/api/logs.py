"""Logging for ``hall serve``: no citizen's question in any log line.

The access log drops query strings (``/api/search?q=…`` is a question), the store hides SQL
parameters from its errors (``hide_parameters``), and a filter on every handler masks personal
numbers (:func:`hall.lexicons.redact`) in messages and tracebacks alike.
"""

from __future__ import annotations

import copy
import logging
import traceback
from typing import Any

from hall.lexicons import redact

__all__ = ["RedactFilter", "log_config"]


class RedactFilter(logging.Filter):
    """Masks personal numbers in a record, and the query string of an access line."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, version, status = args
            path = redact(str(path).split("?", 1)[0])
            record.args = (client, method, path, version, status)  # its formatter reads them
        else:
            message = record.getMessage()
            masked = redact(message)
            if masked != message:
                record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info))).rstrip()
        return True


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`RedactFilter` on every handler, and hall's
    own loggers beside uvicorn's."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "hall.api.logs.RedactFilter"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["loggers"]["hall"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    for name in ("uvicorn", "uvicorn.access"):
        config["loggers"][name]["level"] = level.upper()
    return config
