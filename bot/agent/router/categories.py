"""A catalog's own categories as router phrases: the genre lexicon (genres.yaml, the film demo's words) for the
categories a catalog has, and every category's own name ("Kitchen", "Gifts", "young-adult") for all the others.

A lexicon genre stands for the catalog category of the same name ("Comedy"), or else for a category named like one of
its phrases (a bookshop's "science-fiction" gets the Sci-Fi words); a lexicon genre the catalog lacks is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from store.facet_match import value_key


def _own_phrases(name: str) -> list[str]:
    """A category's name as people write it: as is, with spaces for hyphens, singular and plural."""
    spaced = name.replace("-", " ").replace("_", " ")
    words = [name, spaced]
    words.append(spaced[:-1] if spaced.lower().endswith("s") and len(spaced) > 3 else spaced + "s")
    return words


def genre_mapping(groups: Mapping[str, Sequence[str]], categories: Sequence[str]) -> dict[str, list[str]]:
    """Lexicon genre -> the catalog categories it stands for (only genres that stand for some)."""
    by_key = {value_key(c): c for c in categories if value_key(c) and not (c.startswith("(") and c.endswith(")"))}
    mapping: dict[str, list[str]] = {}
    for genre, phrases in groups.items():
        same = by_key.get(value_key(genre))
        named = [same] if same else [by_key[k] for k in dict.fromkeys(value_key(p) for p in phrases) if k in by_key]
        if named:
            mapping[genre] = named
    return mapping


def category_phrases(groups: Mapping[str, Sequence[str]], categories: Sequence[str]) -> dict[str, list[str]]:
    """Phrase -> the catalog categories it names: the lexicon's phrases first, then the categories' own names."""
    mapping = genre_mapping(groups, categories)
    table: dict[str, list[str]] = {}
    for genre, phrases in groups.items():
        for phrase in phrases if genre in mapping else ():
            names = table.setdefault(str(phrase), [])
            names.extend(n for n in mapping[genre] if n not in names)
    taken = {value_key(p) for p in table}
    for name in categories:
        if name.startswith("(") and name.endswith(")"):
            continue  # a placeholder such as MovieLens' "(no genres listed)", not a category people ask for
        for phrase in _own_phrases(name):
            if value_key(phrase) and value_key(phrase) not in taken:
                table[phrase] = [name]
                taken.add(value_key(phrase))
    return table


__all__ = ["category_phrases", "genre_mapping"]
