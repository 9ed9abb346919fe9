"""What marketing copy about one item may mention (its Facts), and the shape of the check that enforces it.

The check itself is bot.guard.copy.check_copy: tools never import bot, so the composition root hands it to the
marketing tools as a `CopyCheck` (ToolContext.copy_check).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from store.items import CatalogItem
from store.years import YEAR_DIGITS
from tools.guard_report import GuardReport
from tools.marketing.channels import ChannelRule
from tools.marketing.stop_words import english_stop_words

# a year as copy writes it: "1995", "the 1990s", "the 1990's"
YEAR_MENTION = re.compile(rf"(?<![\w']){YEAR_DIGITS}(?:s|'s)?(?!\w)")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case word tokens (possessive 's removed)."""
    return [w.removesuffix("'s").removesuffix("’s") for w in _WORD.findall(text.lower())]


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words seen in lower case somewhere in texts (e.g. all overviews): capitalised, they are not names."""
    found: set[str] = set(english_stop_words())
    for text in texts:
        found.update(w for w in re.findall(r"(?<![\w'’-])[a-z][a-z'’-]+", text) if "'" not in w)
    return frozenset(found)


def main_title(title: str) -> str:
    """The title people use: "Amelie (Fabuleux destin d'Amélie Poulain, Le)" -> "Amelie"."""
    return title.partition(" (")[0].strip() or title


@dataclass(frozen=True, slots=True)
class Facts:
    """What copy about one item may mention: its years, and the words of its data (and of extra texts)."""

    title: str
    years: frozenset[int]
    allowed_words: frozenset[str]
    common: frozenset[str] = frozenset()
    texts: tuple[str, ...] = ()  # the item's own texts and the extra texts (no genre names)
    genres: tuple[str, ...] = ()
    full_title: str = ""
    catalog: object | None = None  # an object with items() (the CatalogStore): its other titles are not allowed
    other_titles: tuple[str, ...] = ()  # catalog titles the copy may name besides the item's (the fans' favourites)

    @classmethod
    def from_item(
        cls,
        item: CatalogItem,
        extra_texts: Iterable[str] = (),
        common: frozenset[str] = frozenset(),
        catalog: object | None = None,
        other_titles: Iterable[str] = (),
    ) -> Facts:
        """Facts of an item; extra_texts (favourite titles, the audience, keywords) are allowed too."""
        own = (item.title, item.overview, item.tagline, *item.keywords, *item.tags, *extra_texts)
        texts = [*own, *item.genres]
        joined = "\n".join(texts)
        years = {int(y) for y in YEAR_MENTION.findall(joined)}
        if item.year:
            years.add(item.year)
        return cls(
            main_title(item.title),
            frozenset(years),
            frozenset(words(joined)),
            common,
            tuple(t for t in own if t),
            tuple(item.genres),
            item.title,
            catalog,
            tuple(other_titles),
        )


class CopyCheck(Protocol):
    """Checks one draft for one channel against the item's facts (bot.guard.copy.check_copy)."""

    def __call__(self, text: str, channel: str, facts: Facts, rules: Mapping[str, ChannelRule]) -> GuardReport: ...
