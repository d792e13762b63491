"""The platform interchange: importers bring matters into the store, exporters write them back.

Formats: the interchange (JSONL, JSON), CSV and XLSX with the same columns (list fields separated
by ``；``), and two real platform exports (Guangdong gdzwfw, Sichuan sczwfw). An import is an upsert
by code in one transaction: any invalid row rejects the whole file and leaves the store as it was.
"""

from __future__ import annotations

from hall.importers.demo import demo_catalogue, load_demo
from hall.importers.errors import (
    InterchangeError,
    InvalidFile,
    InvalidRecords,
    Problem,
    UnknownFormat,
)
from hall.importers.exporters import export_file, render
from hall.importers.formats import EXPORT_FORMATS, Format, detect_format, parse_format
from hall.importers.service import ImportResult, import_file, load_records

__all__ = [
    "EXPORT_FORMATS",
    "Format",
    "ImportResult",
    "InterchangeError",
    "InvalidFile",
    "InvalidRecords",
    "Problem",
    "UnknownFormat",
    "demo_catalogue",
    "detect_format",
    "export_file",
    "import_file",
    "load_demo",
    "load_records",
    "parse_format",
    "render",
]
