"""Lexicons (词库) an admin maintains, and the normaliser built from them.

Banks: synonyms, the citizens' colloquial wording, modal particles, stopwords, blocked words,
civility prompts, chit-chat answers and their trigger phrases, keywords, the jieba dictionary,
life events and the phrases that ask for an element of a guide (``Bank``); the question banks and
the history live in the store's own tables. Shipped defaults are in ``hall/data/lexicons``.
"""

from __future__ import annotations

from hall.lexicons.automaton import Match, PhraseMatcher
from hall.lexicons.banks import (
    BANK_FILES,
    CUE_KINDS,
    ELEMENT_KEYS,
    Bank,
    Entry,
    LifeEvent,
    parse_bank,
)
from hall.lexicons.errors import InvalidEntry, LexiconError, LexiconFileError, UnknownBank
from hall.lexicons.files import FileFormat, dump_entries, parse_file, parse_text
from hall.lexicons.lexicon_set import LexiconSet, shipped_entries
from hall.lexicons.normalizer import Fired, Normalized, Normalizer
from hall.lexicons.privacy import redact
from hall.lexicons.service import (
    add_entries,
    export_bank,
    import_bank,
    load_lexicons,
    remove_entries,
    seed_defaults,
)

__all__ = [
    "BANK_FILES",
    "CUE_KINDS",
    "ELEMENT_KEYS",
    "Bank",
    "Entry",
    "FileFormat",
    "Fired",
    "InvalidEntry",
    "LexiconError",
    "LexiconFileError",
    "LexiconSet",
    "LifeEvent",
    "Match",
    "Normalized",
    "Normalizer",
    "PhraseMatcher",
    "UnknownBank",
    "add_entries",
    "dump_entries",
    "export_bank",
    "import_bank",
    "load_lexicons",
    "parse_bank",
    "parse_file",
    "parse_text",
    "redact",
    "remove_entries",
    "seed_defaults",
    "shipped_entries",
]
