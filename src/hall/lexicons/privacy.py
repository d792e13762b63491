"""Personal numbers citizens type ("我的电话13812345678", an ID-card number, a bank card): masked
before a question is searched, stored or logged, so none of them is kept anywhere.

Masked are mobile and landline phone numbers, resident ID-card numbers (18 digits, or 17 and an
X; the old 15), and bank-card numbers (16 to 19 digits, in groups or not). Every digit becomes
``*`` and separators stay, so a reader still sees that a number was there. Digits are matched in
any width (``１３８…``), and a number counts only whole: "2024年", "12345热线", "3个工作日" and a
postcode stay. Blocked words are the normaliser's business (:meth:`Normalizer.mask`).
"""

from __future__ import annotations

import re

__all__ = ["MASK", "redact"]

MASK = "*"
#: Full-width forms read as ASCII, one character for one, so positions stay put.
_HALF = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "＋": "+",
        "（": "(",
        "）": ")",
        "－": "-",
        "Ｘ": "X",
        "ｘ": "x",
        "　": " ",
    }
)
_SEP = r"[ \t\-—]?"
_PATTERNS = [
    # resident ID card: 18 (the last may be X) or the old 15 digits
    rf"[0-9]{{6}}{_SEP}[0-9]{{8}}{_SEP}[0-9]{{3}}[0-9Xx](?![A-Za-z])",
    r"[0-9]{15}",
    # bank card: 16-19 digits, grouped by four or not
    rf"[0-9]{{4}}(?:{_SEP}[0-9]{{4}}){{3}}(?:{_SEP}[0-9]{{1,3}})?",
    r"[0-9]{16,19}",
    # mobile, with or without +86 and separators (138 1234 5678, 138-1234-5678)
    rf"(?:\+?86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}",
    # landline with its area code (0755-12345678, (010)12345678)
    rf"\(?0[0-9]{{2,3}}\)?{_SEP}[0-9]{{7,8}}",
]
_NUMBER = re.compile(r"(?<![0-9])(?:" + "|".join(_PATTERNS) + r")(?![0-9])")
_KEPT = frozenset(" \t-—+()")


def redact(text: str) -> str:
    """``text`` with every personal number's digits masked; unchanged when it has none."""
    if not any(ch.isdigit() for ch in text):
        return text
    probe = text.translate(_HALF)
    found = list(_NUMBER.finditer(probe))
    if not found:
        return text
    chars = list(text)
    for match in found:
        for i in range(match.start(), match.end()):
            if probe[i] not in _KEPT:
                chars[i] = MASK
    return "".join(chars)
