"""Recall@k over evaluated turns, and the percentiles of the per-turn times."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

KS = (1, 5, 10, 50)


def recall_at(ranking: Sequence[str], targets: Sequence[str | None], k: int) -> float:
    """The share of `targets` among the first k of `ranking` (a target None, outside the catalog, is a miss)."""
    if not targets:
        raise ValueError("a turn without targets is not evaluated")
    top = set(ranking[:k])
    return sum(1 for target in targets if target is not None and target in top) / len(targets)


class RecallAccumulator:
    """Mean Recall@k over turns, for each k in KS."""

    def __init__(self, ks: Sequence[int] = KS) -> None:
        self.ks = tuple(ks)
        self._sums = dict.fromkeys(self.ks, 0.0)
        self.turns = 0

    def add(self, ranking: Sequence[str], targets: Sequence[str | None]) -> None:
        for k in self.ks:
            self._sums[k] += recall_at(ranking, targets, k)
        self.turns += 1

    def means(self) -> dict[int, float]:
        return {k: (self._sums[k] / self.turns if self.turns else float("nan")) for k in self.ks}


def percentiles(values: Sequence[float], points: Sequence[float] = (50, 95)) -> dict[str, float]:
    """{"p50": ..., "p95": ...} (linear interpolation; NaN when there are no values)."""
    if not values:
        return {f"p{p:g}": float("nan") for p in points}
    found = np.percentile(np.asarray(values, dtype=np.float64), list(points))
    return {f"p{p:g}": float(v) for p, v in zip(points, found, strict=True)}
