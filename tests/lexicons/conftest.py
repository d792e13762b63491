"""The shipped lexicons and one normaliser built from them, loaded once per session."""

from __future__ import annotations

import pytest

from hall.lexicons import LexiconSet, Normalizer

#: A few matter titles, as the engine hands the normaliser the catalogue's titles.
VOCABULARY = ("结婚登记", "住房公积金提取", "居民身份证换领", "出生医学证明补发")


@pytest.fixture(scope="session")
def shipped() -> LexiconSet:
    return LexiconSet.shipped()


@pytest.fixture(scope="session")
def normalizer(shipped: LexiconSet) -> Normalizer:
    """Built once (about two seconds): after ``load`` it holds no state a test can change."""
    return Normalizer(shipped, vocabulary=VOCABULARY).load()


@pytest.fixture(scope="session")
def canonical(shipped: LexiconSet) -> dict[str, str]:
    """Every synonym member -> its group's canonical form, as the files say."""
    return {member: members[0] for members in shipped.synonym_groups for member in members}
