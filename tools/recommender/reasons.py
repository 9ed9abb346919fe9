"""The reason a hybrid recommendation shows: the liked items behind it that share something visible with it.

The collaborative provenance (`liked_items`) is exact but cites whichever liked items contribute most, related or
not ("Because you liked The Matrix · Romance"). The reason shown names, among those contributors, the ones that share
a catalog category with the pick (else its decade), in contribution order, and says what they share:
"Because you liked Clueless (1995), also Comedy from the 1990s". Only contributors listed in `liked_items` are ever
cited, so the items a reason names stay those `tools.results.cited_item_ids` yields (the reply guard's facts); the
choice is recorded under the provenance key `cited`. Without a sharing contributor the reason falls back to "Similar
to X" (a liked item close in content that shares a category), else to the plain "Because you liked A and B": it never
claims a shared trait that is not there. Every word comes from the locale's phrases (prompts/locales/*/words.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from prompts.locale import Locale
from store.items import CatalogItem
from tools.localized import category_list
from tools.results import LIKED_ITEMS

CITED = "cited"  # provenance: {"item_ids": [...], "genres": [...], "decade": 1990 | None}, the reason's citation
MAX_CITED = 2  # liked items named in one reason
MAX_NAMED_GENRES = 2  # shared categories named in one reason
SIMILAR_REASON = 0.3  # "Similar to X" from this cosine on
TAIL_GENRES = 3  # the pick's categories after " · " in a reason without a shared trait


@dataclass(frozen=True, slots=True)
class SharedTraits:
    """What a liked item visibly shares with a pick: its categories (in the pick's order) and its decade."""

    genres: tuple[str, ...] = ()
    decade: int | None = None  # 1990 for the 1990s

    def __bool__(self) -> bool:
        return bool(self.genres) or self.decade is not None

    def common(self, other: SharedTraits) -> SharedTraits:
        """The traits both share (the categories in this one's order)."""
        genres = tuple(g for g in self.genres if g in other.genres)
        return SharedTraits(genres, self.decade if self.decade == other.decade else None)


@dataclass(frozen=True, slots=True)
class Citation:
    """The liked items a reason names and the traits every one of them shares with the pick."""

    items: tuple[CatalogItem, ...]
    traits: SharedTraits

    def provenance(self) -> dict[str, Any]:
        """The JSON-able record of the citation (provenance key `cited`)."""
        return {
            "item_ids": [item.item_id for item in self.items],
            "genres": list(self.traits.genres),
            "decade": self.traits.decade,
        }


def decade_of(year: int | None) -> int | None:
    """The decade a year of the common era falls in (1995 -> 1990); None without a year."""
    return year - year % 10 if year is not None and year > 0 else None


def shared_traits(pick: CatalogItem, liked: CatalogItem) -> SharedTraits:
    """The catalog categories and the decade `liked` shares with `pick` (empty when it shares nothing)."""
    genres = tuple(g for g in pick.genres if g in liked.genres)
    decade = decade_of(pick.year)
    return SharedTraits(genres, decade if decade is not None and decade == decade_of(liked.year) else None)


def choose_citation(pick: CatalogItem, contributors: Sequence[CatalogItem]) -> Citation | None:
    """The contributors a reason names: the first (by contribution) that shares a category with the pick, else the
    first that shares its decade; then the next that shares part of the same with it (a category, when the first
    shares one), at most MAX_CITED. None when no contributor shares anything. `contributors` are in contribution
    order, all with a positive contribution."""
    shared = [(liked, shared_traits(pick, liked)) for liked in contributors]
    candidates = [pair for pair in shared if pair[1].genres] or [pair for pair in shared if pair[1]]
    if not candidates:
        return None
    (first, traits), *others = candidates
    chosen = [first]
    for liked, more in others:
        if len(chosen) == MAX_CITED:
            break
        common = traits.common(more)
        if common.genres or (common and not traits.genres):
            chosen.append(liked)
            traits = common
    return Citation(tuple(chosen), SharedTraits(traits.genres[:MAX_NAMED_GENRES], traits.decade))


def shared_phrase(words: Locale, citation: Citation) -> str:
    """ "Because you liked Clueless (1995), also Comedy from the 1990s" in the locale's words."""
    titles = [item.label for item in citation.items]
    genres = words.join([words.category_name(g) for g in citation.traits.genres])
    return words.phrase(
        "because_shared",
        titles=words.join(titles),
        count=len(titles),
        genres=genres,
        decade=citation.traits.decade or "",
    )


def hybrid_reason(
    pick: CatalogItem,
    provenance: Mapping[str, Any],
    words: Locale,
    citation: Citation | None,
    nearest: CatalogItem | None,
    query_text: str | None,
) -> str:
    """The reason shown for a hybrid pick, built from its provenance (`liked_items`, `content_similarity`,
    `matched_genres`, `rules`), the citation chosen among its contributors and the liked item nearest in content."""
    liked = provenance[LIKED_ITEMS]
    similarity = float((provenance.get("content_similarity") or {}).get("similarity", 0.0))
    matched = list(provenance["matched_genres"])
    tail = matched or list(pick.genres[:TAIL_GENRES])
    if citation is not None:
        head = shared_phrase(words, citation)
        tail = [g for g in matched if g not in citation.traits.genres]  # the named categories are not repeated
    elif liked and nearest is not None and similarity > SIMILAR_REASON and shared_traits(pick, nearest).genres:
        head = words.phrase("similar_to", title=nearest.label)
    elif liked:
        head = words.phrase("because_liked", titles=words.join([entry["title"] for entry in liked[:MAX_CITED]]))
    elif "content_similarity" in provenance and similarity > SIMILAR_REASON:
        head = words.phrase("similar_to", title=provenance["content_similarity"]["to"])
    elif query_text:
        head = words.phrase("matches", query=query_text[:50])
    else:
        head = words.phrase("popular")
    shown = category_list(words, tail)
    extra = " · " + "; ".join(provenance["rules"]) if provenance["rules"] else ""
    return f"{head} · {shown}{extra}" if shown else head + extra


__all__ = [
    "CITED",
    "Citation",
    "SharedTraits",
    "choose_citation",
    "decade_of",
    "hybrid_reason",
    "shared_phrase",
    "shared_traits",
]
