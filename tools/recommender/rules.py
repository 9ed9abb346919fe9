"""Business rules from a YAML file: boost, pin and exclude lists (see data/rules.example.yaml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml


class RulesFileError(ValueError):
    """The rules file cannot be used."""


@dataclass(frozen=True, slots=True)
class Boost:
    name: str
    item_ids: frozenset[str]
    weight: float


@dataclass(frozen=True, slots=True)
class Rules:
    boosts: tuple[Boost, ...] = ()
    pinned: tuple[str, ...] = ()
    excluded: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path | None) -> Rules:
        if path is None:
            return cls()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise RulesFileError(f"{path}: cannot read rules: {exc}") from exc
        if not isinstance(data, dict):
            raise RulesFileError(f"{path}: expected a mapping with boost / pin / exclude")
        unknown = set(data) - {"boost", "pin", "exclude"}
        if unknown:
            raise RulesFileError(f"{path}: unknown keys {sorted(unknown)}; allowed: boost, pin, exclude")
        boosts = []
        for n, entry in enumerate(data.get("boost") or [], 1):
            if not isinstance(entry, dict) or "items" not in entry or "weight" not in entry:
                raise RulesFileError(f"{path}: boost #{n} needs `items` (list of ids) and `weight`")
            try:
                weight = float(entry["weight"])
            except (TypeError, ValueError):
                raise RulesFileError(f"{path}: boost #{n}: weight must be a number") from None
            boosts.append(Boost(str(entry.get("name", f"boost-{n}")), frozenset(map(str, entry["items"])), weight))
        pinned = tuple(str(i) for i in data.get("pin") or [])
        excluded = frozenset(str(i) for i in data.get("exclude") or [])
        return cls(tuple(boosts), pinned, excluded)

    def boost_for(self, item_id: str) -> tuple[float, list[str]]:
        total, names = 0.0, []
        for boost in self.boosts:
            if item_id in boost.item_ids:
                total += boost.weight
                names.append(f"boost:{boost.name}")
        return total, names
