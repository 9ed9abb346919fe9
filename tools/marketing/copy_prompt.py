"""What the copy prompt is given: the item's facts as clipped, delimited data, few-shot taglines of similar
items, and the favourites of the user the copy is for (the "for fans of" angle).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from store.catalog_profile import Noun
from store.items import CatalogItem
from tools.context import ToolContext
from tools.marketing.grounding import main_title

if TYPE_CHECKING:
    from store.catalog import CatalogStore

_FAVOURITE_MIN_RATING = 4.0


def clean_data(text: str, limit: int) -> str:
    """Item text as prompt data: no angle brackets (cannot close the <item> block), one line, at most limit chars."""
    flat = " ".join(text.replace("<", "(").replace(">", ")").split())
    return flat if len(flat) <= limit else flat[: flat.rfind(" ", 0, limit)] + " ..."


def genre_phrase(item: CatalogItem, item_noun: Noun) -> str:
    """ "a crime thriller" style phrase from the item's genres ("a film", the catalog's noun, without any)."""
    genres = [g.lower() for g in item.genres if not g.startswith("(")]
    if not genres:
        return item_noun.indefinite
    noun = genres[-1]
    adjective = genres[0] if len(genres) > 1 else ""
    phrase = f"{adjective} {noun}".strip()
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def hook(item: CatalogItem, limit: int = 220) -> str:
    """The overview's opening sentences that fit in limit characters (whole sentences only)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(item.overview.split()))
    out = ""
    for sentence in sentences:
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    return out


def similar_taglines(catalog: CatalogStore, item: CatalogItem, k: int = 3) -> list[dict[str, str]]:
    """Real taglines of the catalog items most similar to item (few-shot examples), best first."""
    vector = catalog.vectors([item.item_id])[0]
    hits = catalog.search(vector, exclude_ids=[item.item_id], k=300)  # only ~1/3 of items have a tagline
    examples = [
        {"item_id": hit.item_id, "title": main_title(hit.title), "tagline": clean_data(hit.tagline, 120)}
        for hit, _ in hits
        if hit.tagline and len(hit.tagline) <= 90 and (not item.genres or set(hit.genres) & set(item.genres))
    ]
    return examples[:k]


def favourites_for(ctx: ToolContext, item: CatalogItem, k: int = 2, user_id: str | None = None) -> list[str]:
    """Main titles of a user's favourites (liked or rated >= 4) closest to item: the "for fans of" angle.

    user_id defaults to the session's user (whose likes stated in this conversation count too).
    """
    liked: dict[str, float] = {item_id: 5.0 for item_id in ctx.stated_likes} if user_id is None else {}
    for event in ctx.history.events(user_id or ctx.user_id):
        if event.signal == "like" or (event.signal == "rating" and (event.rating or 0) >= _FAVOURITE_MIN_RATING):
            liked[event.item_id] = max(liked.get(event.item_id, 0.0), float(event.rating or 5.0))
    liked.pop(item.item_id, None)
    known = [i for i in liked if ctx.catalog.get(i) is not None]
    if not known:
        return []
    similarity = ctx.catalog.vectors(known) @ ctx.catalog.vectors([item.item_id])[0]
    ranked = sorted(zip(known, similarity, strict=True), key=lambda p: (-float(p[1]), -liked[p[0]], p[0]))
    titles = [main_title(found.title) for i, _ in ranked[:k] if (found := ctx.catalog.get(i)) is not None]
    return titles


def item_facts(
    item: CatalogItem, noun: Noun, keywords: Sequence[str] = (), overview_limit: int = 600
) -> dict[str, Any]:
    """The item's facts as prompt / template variables (cleaned, clipped); noun: the catalog's item noun."""
    return {
        "title": main_title(item.title),
        "year": item.year,
        "genres": [g for g in item.genres if not g.startswith("(")],
        "overview": clean_data(item.overview, overview_limit),
        "keywords": [clean_data(k, 40) for k in keywords],
        "genre_phrase": genre_phrase(item, noun),
        "hook": hook(item),
    }


def hook_of(variables: dict[str, Any], with_hook: bool) -> str:
    """The overview opening used by the social / email templates (empty when disabled)."""
    return str(variables["facts"]["hook"]) if with_hook else ""
