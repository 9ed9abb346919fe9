"""Film titles as the reply guard compares them: tokens, normalised titles, the aliases a reply may write for a
title, and KnownTitles, the catalog index for spotting films a reply names without being told about them."""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Iterable
from typing import Any, cast

MAX_TITLE_TOKENS = 12
TOKEN = re.compile(r"[^\W_]+(?:['’.·][^\W_]+)*\.?|&", re.UNICODE)


def tokens(text: str) -> list[str]:
    """The words of `text` as written (apostrophes and inner dots kept)."""
    return [m.group(0) for m in TOKEN.finditer(text)]


def norm_token(token: str) -> str:
    """'Schindler's' -> 'schindlers', '&' -> 'and'."""
    return "and" if token == "&" else re.sub(r"['’.·]", "", token.lower())


def norm_title(text: str) -> str:
    """Lower case, '&' as 'and', punctuation dropped: 'Schindler's List' -> 'schindlers list'."""
    return " ".join(norm_token(t) for t in tokens(text))


def title_aliases(title: str) -> set[str]:
    """Normalised ways a reply may write `title`: as is, without its parenthesis, its a.k.a., before ':'."""
    aliases = {title}
    for inner in re.findall(r"\(([^)]*)\)", title):
        aliases.add(re.sub(r"^(?:a\.k\.a\.|aka)\s*", "", inner.strip(), flags=re.I))
    base = re.sub(r"\s*\([^)]*\)", "", title).strip()
    aliases.add(base)
    prefix = base.split(":", 1)[0] if ":" in base else ""
    if any(len(word) >= 4 and word.isalpha() for word in tokens(prefix)):  # "Star Trek II", not "3"
        aliases.add(prefix)
    return {n for n in (norm_title(a) for a in aliases) if n}


class KnownTitles:
    """An index of catalog titles for spotting films a reply names without being told about them."""

    def __init__(self, titles: Iterable[str]) -> None:
        self.titles: dict[str, str] = {}
        for title in titles:
            for alias in title_aliases(title):
                self.titles.setdefault(alias, title)
        self.max_tokens = min(MAX_TITLE_TOKENS, max((len(a.split()) for a in self.titles), default=1))

    def get(self, normalised: str) -> str | None:
        return self.titles.get(normalised)


@functools.lru_cache(maxsize=4)
def _known_from_object(source: Any) -> KnownTitles:
    items = source.items() if callable(getattr(source, "items", None)) else source.items
    return KnownTitles(item.title for item in items)


def as_known_titles(source: KnownTitles | Iterable[str] | Any | None) -> KnownTitles | None:
    """Accept a KnownTitles, an iterable of titles, or any object with `items` (CatalogItems), e.g. a TitleIndex."""
    if source is None or isinstance(source, KnownTitles):
        return source
    if hasattr(source, "items") and not isinstance(source, dict):
        try:
            return _known_from_object(cast(Hashable, source))
        except TypeError:  # unhashable: build without caching
            return _known_from_object.__wrapped__(source)
    if isinstance(source, Iterable):
        return KnownTitles(str(t) for t in source)
    raise TypeError(f"known_titles must be titles or an object with items(), got {type(source).__name__}")
