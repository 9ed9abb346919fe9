"""How interaction events become preference signals: the event weights file (configuration, not code).

A shop decides what a view, a click, an add-to-cart or a purchase says about taste; the defaults ship in
`store/data/event_weights.yaml` and `CONCIERGE_EVENT_WEIGHTS` names a file that overrides them. The same weights
feed the user profile, the recommender's history (`HistoryStore.liked`) and `concierge train`, so what the model
learns from and what the profile shows cannot drift apart.

The rule for one user and one item: what the user *says* beats what they *did*. The latest opinion (an explicit
like, a dislike, a rating) decides alone; without one, the implicit events combine as a noisy-OR,
1 - Π(1 - wᵢ): repeated interest adds up, never past an explicit like (1.0), and the order does not matter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULTS_FILE = Path(__file__).resolve().parent / "data" / "event_weights.yaml"
IMPLICIT_KINDS = ("view", "click", "add_to_cart", "purchase")
"""Kinds that say what a user did; `rating` is the one event kind that is an opinion."""
RATING_KIND = "rating"
EVENT_KINDS = (*IMPLICIT_KINDS, RATING_KIND)
RATING_SCALE = 5.0


class EventWeightsError(ValueError):
    """An event weights file that cannot be used (names the file and the problem)."""


class _RatingRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    positive_from: float = Field(3.5, ge=0.0, le=RATING_SCALE)


class _WeightsFile(BaseModel):
    """The YAML's shape; a kind left out keeps its default."""

    model_config = ConfigDict(extra="forbid")
    kinds: dict[str, float] = Field(default_factory=dict)
    rating: _RatingRule | None = None


@dataclass(frozen=True, slots=True)
class EventWeights:
    """Weights (0..1) of the implicit kinds and the rating rule; `source` says which file they came from."""

    kinds: Mapping[str, float]
    rating_positive_from: float
    source: str

    @classmethod
    def load(cls, path: Path | None = None) -> EventWeights:
        """The shipped defaults, overridden by the file at `path` when given. Raises EventWeightsError."""
        defaults = _read(DEFAULTS_FILE)
        kinds = dict(defaults.kinds)
        rule = defaults.rating or _RatingRule()
        if path is not None:
            override = _read(path)
            kinds.update(override.kinds)
            rule = override.rating or rule
        return cls(MappingProxyType(kinds), rule.positive_from, str(path or DEFAULTS_FILE))

    def strength(self, kind: str, value: float | None = None) -> float:
        """How much one event says the user likes the item, 0..1."""
        if kind == RATING_KIND:
            rating = float(value or 0.0)
            return rating / RATING_SCALE if rating >= self.rating_positive_from else 0.0
        return self.kinds.get(kind, 0.0)

    def combine(self, strengths: Iterable[float]) -> float:
        """The noisy-OR of several implicit events on one item: 1 - Π(1 - w)."""
        missing = 1.0
        for strength in strengths:
            missing *= 1.0 - strength
        return 1.0 - missing

    def digest(self) -> str:
        """A short hash of the weights: part of the trained model's fingerprint (new weights = retrain)."""
        payload = json.dumps({"kinds": dict(sorted(self.kinds.items())), "rating": self.rating_positive_from})
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def _read(path: Path) -> _WeightsFile:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EventWeightsError(f"{path}: cannot read the event weights file: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise EventWeightsError(f"{path}: not valid YAML: {exc}") from None
    try:
        parsed = _WeightsFile.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise EventWeightsError(f"{path}: {where}: {first.get('msg', 'invalid')}") from None
    for kind, weight in parsed.kinds.items():
        if kind not in IMPLICIT_KINDS:
            raise EventWeightsError(f"{path}: kinds.{kind}: unknown kind; use {', '.join(IMPLICIT_KINDS)}")
        if not 0.0 <= weight <= 1.0:
            raise EventWeightsError(f"{path}: kinds.{kind}: a weight is between 0 and 1, not {weight}")
    return parsed
