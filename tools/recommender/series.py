"""Series of a catalog: the items whose titles differ only by a sequel mark ("Toy Story", "Toy Story 3", "The
Godfather: Part II"). Someone who hated Toy Story is not shown Toy Story 3 next (tools.recommend.candidate_mask)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from store.items import CatalogItem
from tools.titles import normalize

# a sequel mark at the end of the main title: a number, a roman numeral, "part two" / "part 2"
_SEQUEL = re.compile(r"\s+(?:part\s+)?(?:\d{1,2}|[ivx]{1,4}|one|two|three|four|five)$")


def series_key(title: str) -> str:
    """The title without its year, its subtitle (after a colon) and a trailing sequel mark, normalised."""
    main = title.split(" (")[0].split(":")[0]
    return _SEQUEL.sub("", normalize(main)).strip()


class SeriesIndex:
    """The items of each series, by id (only series of more than one item are kept)."""

    def __init__(self, items: Sequence[CatalogItem]) -> None:
        members: dict[str, list[str]] = {}
        for item in items:
            key = series_key(item.title)
            if key:
                members.setdefault(key, []).append(item.item_id)
        self._members = {key: found for key, found in members.items() if len(found) > 1}
        self._key_of = {item_id: key for key, found in self._members.items() for item_id in found}

    def same_series(self, item_ids: Iterable[str]) -> list[str]:
        """Every item in the same series as one of item_ids (themselves included), by id."""
        keys = {self._key_of[i] for i in item_ids if i in self._key_of}
        return [item_id for key in sorted(keys) for item_id in self._members[key]]
