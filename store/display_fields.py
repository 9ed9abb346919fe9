"""The display fields of an item's card: a picture, a link and a price, from the fields its catalog profile names.

The API's names are fixed (`image_url`, `url`, `price`, `currency`) whatever the catalog's columns are called.
Only absolute http(s) URLs pass: a `javascript:`, `data:`, relative or malformed URL in a catalog is dropped here,
so it never reaches a page (the UI and the widget check again before they render one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from store.catalog_profile import CatalogProfile
from store.items import CatalogItem

MAX_URL_CHARS = 2048
MAX_CURRENCY_CHARS = 12
URL_SCHEMES = frozenset({"http", "https"})
# Never in a well-formed URL (RFC 3986 wants them percent-encoded); they are what breaks out of an attribute.
_URL_FORBIDDEN = frozenset('"<>\\^`{|}')


def http_url(value: Any) -> str | None:
    """`value` when it is an absolute http(s) URL with a host and no spaces, control or quoting characters."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > MAX_URL_CHARS:
        return None
    if any(ch.isspace() or not ch.isprintable() or ch in _URL_FORBIDDEN for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # both raise ValueError when malformed
    except ValueError:
        return None
    if parts.scheme.lower() not in URL_SCHEMES or not host:
        return None
    return url


def price_of(value: Any) -> float | None:
    """A price from a catalog value (a number, or text like "12.99" / "12,99"); None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


@dataclass(frozen=True, slots=True)
class DisplayFields:
    """What a card shows besides title, year, categories and reason; each field None when the item has none."""

    image_url: str | None = None
    url: str | None = None
    price: float | None = None
    currency: str = ""  # the profile's currency, only with a price

    def to_dict(self) -> dict[str, Any]:
        """The fields present, under the API's names (an item without any adds nothing)."""
        data: dict[str, Any] = {}
        if self.image_url:
            data["image_url"] = self.image_url
        if self.url:
            data["url"] = self.url
        if self.price is not None:
            data["price"] = self.price
            if self.currency:
                data["currency"] = self.currency
        return data

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DisplayFields:
        """Back from `to_dict` (a stored transcript or dialogue state), checked again on the way in."""
        price = price_of(data.get("price"))
        currency = data.get("currency") if price is not None else ""
        return cls(
            image_url=http_url(data.get("image_url")),
            url=http_url(data.get("url")),
            price=price,
            currency=_currency(currency),
        )

    def price_label(self) -> str:
        """The price as people read it: "12.99 EUR" ("" without a price)."""
        if self.price is None:
            return ""
        return f"{self.price:.2f} {self.currency}".strip()


def _currency(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text if len(text) <= MAX_CURRENCY_CHARS and text.isprintable() else ""


def display_fields_of(item: CatalogItem, profile: CatalogProfile) -> DisplayFields:
    """The item's display fields, from the `extra` keys the catalog profile names (none for a profile that names
    none, such as the film demo's)."""
    extra = item.extra

    def value(field_name: str | None) -> Any:
        return extra.get(field_name) if field_name else None

    price = price_of(value(profile.price_field))
    return DisplayFields(
        image_url=http_url(value(profile.image_field)),
        url=http_url(value(profile.link_field)),
        price=price,
        currency=_currency(profile.currency) if price is not None else "",
    )


__all__ = ["DisplayFields", "display_fields_of", "http_url", "price_of"]
