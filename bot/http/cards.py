"""The Gradio UI's recommendation cards as HTML: every catalog text escaped, links and pictures only http(s).

A card shows the item's picture (lazy, fixed size, its title as alt text) and links the title to the item's page
(a new tab, rel="noopener noreferrer") when the API item has `image_url` / `url` (bot.agent.events.ItemView);
the URLs are checked again here (store.display_fields.http_url) and escaped as attribute values.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from store.display_fields import DisplayFields

COVER_WIDTH_PX = 64
COVER_HEIGHT_PX = 96
CARD_CSS = f"""
.concierge-card {{border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  display: flex; gap: 10px; align-items: flex-start;}}
.concierge-card .cover {{width: {COVER_WIDTH_PX}px; height: {COVER_HEIGHT_PX}px; flex: none; object-fit: cover;
  border-radius: 4px; background: var(--background-fill-secondary);}}
.concierge-card .body {{flex: 1; min-width: 0; overflow-wrap: anywhere;}}
.concierge-card .title {{font-weight: 600;}}
.concierge-card .title a {{color: inherit; text-decoration: underline;}}
.concierge-card .genres, .concierge-card .reason {{color: var(--body-text-color-subdued); font-size: 0.9em;}}
.concierge-card .price {{font-size: 0.9em;}}
.concierge-card .mark {{float: right; font-size: 0.85em;}}
"""


def _attribute(text: str) -> str:
    """Text for a double-quoted HTML attribute value."""
    return html.escape(text, quote=True)


def card_html(item: Mapping[str, Any], mark: str | None = None) -> str:
    """One recommendation as escaped HTML: picture, title (a link when the item has one), year, genres, price,
    reason, and the user's last feedback in the UI's words (`mark`: "liked", "已喜欢"; UiStrings.mark_label)."""
    display = DisplayFields.from_mapping(item)
    label = str(item["title"]) + (f" ({item['year']})" if item.get("year") else "")
    title = html.escape(label)
    if display.url:
        title = f'<a href="{_attribute(display.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    cover = (
        f'<img class="cover" src="{_attribute(display.image_url)}" alt="{_attribute(str(item["title"]))}"'
        f' loading="lazy" decoding="async" referrerpolicy="no-referrer"'
        f' width="{COVER_WIDTH_PX}" height="{COVER_HEIGHT_PX}">'
        if display.image_url
        else ""
    )
    price = f'<div class="price">{html.escape(display.price_label())}</div>' if display.price is not None else ""
    badge = f'<span class="mark">{html.escape(mark)}</span>' if mark else ""
    return (
        f'<div class="concierge-card">{cover}<div class="body">'
        f'{badge}<div class="title">{title}</div>'
        f'<div class="genres">{html.escape(", ".join(item.get("genres", [])))}</div>'
        f"{price}"
        f'<div class="reason">{html.escape(str(item.get("reason", "")))}</div></div></div>'
    )


__all__ = ["CARD_CSS", "card_html"]
