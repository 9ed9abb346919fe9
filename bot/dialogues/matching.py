"""How dialogue expectations name things: item references and tool arguments matched against what the bot showed.

An item reference (items.include / exclude / first, tool arguments) matches an item when it equals its id, or when
the normalised title scores at least TITLE_MATCH_THRESHOLD with rapidfuzz's `fuzz.ratio` (see docs/dialogues.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz

from bot.agent.events import ItemView, ToolCall
from bot.dialogues.schema import ToolExpect

TITLE_MATCH_THRESHOLD = 90.0
FUZZY_MIN_CHARS = 8
_YEAR_SUFFIX = re.compile(r"\s*\((\d{4})\)\s*$")
_ARTICLE_SUFFIX = re.compile(r",\s*(the|a|an)$", re.IGNORECASE)
_ARTICLE_PREFIX = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def normalise_title(text: str) -> tuple[str, int | None]:
    """ "Godfather, The (1972)" / "the godfather" -> ("godfather", 1972 / None)."""
    text = text.strip()
    year: int | None = None
    found = _YEAR_SUFFIX.search(text)
    if found:
        year = int(found.group(1))
        text = text[: found.start()]
    text = _ARTICLE_PREFIX.sub("", _ARTICLE_SUFFIX.sub("", text.strip()))
    return " ".join(text.casefold().split()), year


def item_matches(ref: str, item: ItemView) -> bool:
    """True when ref is the item's id, or its title (year optional; when given it must agree)."""
    if ref.strip() == item.item_id:
        return True
    want, want_year = normalise_title(ref)
    have, _ = normalise_title(item.title)
    if want_year is not None and item.year is not None and want_year != item.year:
        return False
    return want == have or _fuzzy_equal(want, have)


def titles_match(expected: str, actual: str) -> bool:
    """Same thing named: normalised equal or fuzz.ratio ≥ TITLE_MATCH_THRESHOLD ("godfater" = "The Godfather")."""
    want, have = normalise_title(expected)[0], normalise_title(actual)[0]
    return want == have or _fuzzy_equal(want, have)


def _fuzzy_equal(want: str, have: str) -> bool:
    """Fuzzy only when both have FUZZY_MIN_CHARS+ characters: "alien" must not match "aliens"."""
    if min(len(want), len(have)) < FUZZY_MIN_CHARS:
        return False
    return fuzz.ratio(want, have) >= TITLE_MATCH_THRESHOLD


def value_matches(expected: Any, actual: Any, known: Sequence[ItemView]) -> bool:
    """Subset match of one argument (see docs/dialogues.md, "Tool arguments")."""
    if expected is None:
        return actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    if isinstance(expected, list):
        values = actual if isinstance(actual, list) else [actual]
        return all(any(value_matches(e, a, known) for a in values) for e in expected)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and value_matches(v, actual[k], known) for k, v in expected.items()
        )
    if isinstance(expected, str) and isinstance(actual, (str, int)):
        actual_text = str(actual)
        if titles_match(expected, actual_text):
            return True
        # an argument may be an item id the bot resolved ("$top"): compare with that item's title
        return any(i.item_id == actual_text and item_matches(expected, i) for i in known)
    return bool(expected == actual)


def call_matches(expected: ToolExpect, call: ToolCall, known: Sequence[ItemView]) -> bool:
    return call.name == expected.name and all(
        key in call.arguments and value_matches(value, call.arguments[key], known)
        for key, value in expected.args.items()
    )
