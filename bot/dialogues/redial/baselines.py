"""The baselines of the ReDial run, on the same catalog as the product.

popularity: the catalog's items by how many ratings they have (the catalog's rating_count), most first.
prior: the catalog's items by the product ranker's popularity prior alone (its `popularity` array: rating count x
mean, recent releases raised), so the run shows what the product adds to its own prior.
EASE^R from mentions: the trained EASE^R weights scored with every catalog item mentioned so far in the dialogue as
the user's items (weight 1 each); ties, and items the model does not cover, in popularity order (so with nothing
mentioned it is the popularity ranking). All of them skip the items mentioned so far."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from store.items import CatalogItem
from tools.recommender.ease import EaseModel

POPULARITY = "popularity"
PRIOR = "prior"
EASE_MENTIONS = "ease_mentions"


class PopularityBaseline:
    def __init__(
        self, items: Sequence[CatalogItem], scores: Sequence[float] | None = None, name: str = POPULARITY
    ) -> None:
        """Items by `scores` (by catalog row; their rating counts when None), best first, ties in catalog order."""
        values = [float(item.rating_count) for item in items] if scores is None else [float(v) for v in scores]
        self.name = name
        ordered = sorted(range(len(items)), key=lambda n: (-values[n], n))
        self.order = [items[n].item_id for n in ordered]
        self.rank_of = {item_id: n for n, item_id in enumerate(self.order)}

    def rank(self, mentioned: Collection[str], k: int) -> list[str]:
        out: list[str] = []
        for item_id in self.order:
            if item_id not in mentioned:
                out.append(item_id)
                if len(out) == k:
                    break
        return out


class EaseFromMentions:
    name = EASE_MENTIONS

    def __init__(self, ease: EaseModel, popularity: PopularityBaseline) -> None:
        self.popularity = popularity
        in_catalog = [n for n, item_id in enumerate(ease.item_ids) if item_id in popularity.rank_of]
        self._ease = ease
        self._columns = np.array(in_catalog, dtype=np.int64)  # model columns that are catalog items
        self._ids = [ease.item_ids[n] for n in in_catalog]
        self._pop_rank = np.array([popularity.rank_of[i] for i in self._ids], dtype=np.int64)

    def rank(self, mentioned: Collection[str], k: int) -> list[str]:
        rows = [self._ease.index[i] for i in mentioned if i in self._ease.index]
        if not rows:
            return self.popularity.rank(mentioned, k)
        scores = np.asarray(self._ease.weights[sorted(rows)], dtype=np.float32).sum(axis=0)[self._columns]
        order = np.lexsort((self._pop_rank, -scores))  # best score first, popularity breaks ties
        out: list[str] = []
        for position in order.tolist():
            if scores[position] <= 0:
                break  # the rest get no vote from the mentions: popularity order below
            item_id = self._ids[position]
            if item_id not in mentioned:
                out.append(item_id)
                if len(out) == k:
                    return out
        chosen = set(out) | set(mentioned)
        return out + self.popularity.rank(chosen, k - len(out))
