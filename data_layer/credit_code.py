"""统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters from a 31-character alphabet
(digits and capital letters without I, O, S, V, Z). Position 1 is the registration authority, 2 the kind of
entity, 3-8 the administrative division (digits), 9-17 the organisation code, and 18 a check character:

    C18 = 31 - (Σ value(Ci) × Wi mod 31), with Wi = 3^(i-1) mod 31 for i = 1..17, and 31 written as "0".

Pure functions: the importer and the demo build use them; the tests build codes by the same published rule."""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
LENGTH = 18


def normalise(text: object) -> str:
    """Full-width characters folded to ASCII, spaces removed, letters in capitals (how bureau files vary)."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split()).upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must be in the alphabet)."""
    total = sum(VALUE[ch] * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` (already normalised) is not a valid credit code, as a problem code, or None when it is:
    credit_length, credit_characters, credit_division, credit_check."""
    if len(code) != LENGTH:
        return "credit_length"
    if any(ch not in VALUE for ch in code):
        return "credit_characters"
    if not code[2:8].isdigit():
        return "credit_division"
    if check_character(code[:17]) != code[17]:
        return "credit_check"
    return None


def is_valid(code: str) -> bool:
    return problem(normalise(code)) is None


def make(first17: str) -> str:
    """A valid code from its first 17 characters (the demo city's enterprises)."""
    return first17 + check_character(first17)
