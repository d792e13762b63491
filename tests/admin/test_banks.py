"""The back office names every lexicon bank."""

from __future__ import annotations

from hall.admin.banks import BANK_LABELS
from hall.lexicons import Bank


def test_every_bank_has_a_label_and_a_line_format() -> None:
    assert set(BANK_LABELS) == set(Bank)
    assert all(name and line for name, line in BANK_LABELS.values())
