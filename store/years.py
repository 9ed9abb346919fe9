"""The one definition of a year in text: four digits from 1800 to 2099. Each reader anchors it as its context needs
(a whole token, a word, "(1995)" after a title) but the digits are the same everywhere."""

from __future__ import annotations

import re

YEAR_DIGITS = r"(1[89]\d\d|20\d\d)"
_YEAR_WORD = re.compile(rf"\b{YEAR_DIGITS}\b")


def years_in(text: str) -> set[int]:
    """Every year written as a word in text ("1995", "in 2003,"), as ints."""
    return {int(y) for y in _YEAR_WORD.findall(text)}
