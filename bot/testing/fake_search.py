"""The fake backend's pretend catalog search: items whose title or genre shares a word with the text."""

from __future__ import annotations

from collections.abc import Mapping

from bot.agent.events import ItemView


def search_items(catalog: Mapping[str, ItemView], text: str, k: int) -> list[ItemView]:
    """Up to k items sharing a word with `text` (else the first ones), with a reason quoting the text."""
    words = {w.strip(".,!?").lower() for w in text.split()}
    hits = [
        item.item_id
        for item in catalog.values()
        if words & {w.lower() for w in item.title.split()} or words & {g.lower() for g in item.genres}
    ]
    chosen = (hits or list(catalog))[:k]
    return [
        ItemView(
            item_id,
            catalog[item_id].title,
            catalog[item_id].year,
            catalog[item_id].genres,
            f"matches “{text[:40]}”",
            1.0 / (n + 1),
            catalog[item_id].display,  # picture, link, price of catalogs that have them
        )
        for n, item_id in enumerate(chosen)
    ]
