"""The catalog profile and the reasons' words in one reply language (prompts/locales/<code>/words.yaml).

A localized profile is a copy of the catalog's with its nouns, summary name, rating source and example requests in
the locale's words, so a template written for any catalog says "电影" for the film demo and "书" for the books one.
Item facts (titles, categories as the catalog has them) are never translated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from prompts.locale import Locale, NounWords
from store.catalog_profile import CatalogProfile, Noun


def _noun(words: NounWords | None, fallback: Noun) -> Noun:
    if words is None:
        return fallback
    return Noun(words.singular, words.plural, words.indefinite)


def localized_profile(profile: CatalogProfile, locale: Locale) -> CatalogProfile:
    """The profile in the locale's words (the source locale's is the profile itself)."""
    if locale.is_source:
        return profile
    item = locale.noun(profile.item.singular)
    examples: tuple[str, ...] = ()
    for key in (profile.item.singular, profile.item.plural):
        examples = locale.examples.get(key.lower(), ())
        if examples:
            break
    return replace(
        profile,
        name=locale.catalog_name or profile.name,
        item=_noun(item, profile.item),
        category=_noun(locale.category(profile.category.singular), profile.category),
        summary=locale.summary(profile.summary),
        rating_source=locale.rating_sources.get(profile.rating_source, profile.rating_source),
        consumed=(item.consumed if item is not None and item.consumed else profile.consumed),
        examples=examples or locale.examples_for(""),
        screen=profile.is_screen,
    )


def category_list(locale: Locale, names: Sequence[str]) -> str:
    """Categories in the locale's words, joined by its list separator: "Crime, Thriller" / "犯罪、惊悚"."""
    return locale.phrase("list_sep").join(locale.category_name(n) for n in names)


__all__ = ["category_list", "localized_profile"]
