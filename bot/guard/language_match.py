"""A reply in the turn's language: what remains of the text once the catalog's titles are taken out (they keep the
catalog's language) must read as that language to the detector (bot/agent/language.py, passed in).

Used for replies in languages other than English, where the guard's English word lists do not apply; the checks of
titles, years, numbers, markup, secrets and repetition are the same in every language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

MIN_LETTERS = 4  # fewer letters left than this (a reply that is all titles) is not checked


def language_match_problems(
    text: str, language: str, language_of: Callable[[str], str | None] | None, titles: Collection[str] = ()
) -> list[str]:
    """[] when the text reads as `language`; else one problem naming what it reads as."""
    if language_of is None:
        return [f"no language detector to check a reply in {language}"]
    rest = text
    for title in sorted(titles, key=len, reverse=True):
        rest = re.sub(re.escape(title), " ", rest, flags=re.IGNORECASE)
    if sum(c.isalpha() for c in rest) < MIN_LETTERS:
        return []
    found = language_of(rest)
    if found != language:
        return [f"not in {language}: reads as {found or 'no known language'}"]
    return []
