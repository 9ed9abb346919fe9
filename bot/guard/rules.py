"""The word lists of the reply guard (bot/guard/guard.yaml): small words, phrases that are not titles,
forbidden prompt-scaffolding text, and common English words for the language check."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.guard.titles import norm_title

RULES_FILE = Path(__file__).with_name("guard.yaml")


@dataclass(frozen=True, slots=True)
class GuardRules:
    """Word lists from guard.yaml."""

    small_words: frozenset[str]
    not_titles: frozenset[str]
    forbidden: tuple[str, ...]
    english_words: frozenset[str]
    instruction_like: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def load(cls, path: Path = RULES_FILE) -> GuardRules:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: cannot read guard rules: {exc}") from exc
        keys = ("small_words", "not_titles", "forbidden", "english_words")
        if not isinstance(data, dict) or any(not isinstance(data.get(k), list) for k in keys):
            raise ValueError(f"{path}: expected lists under the keys {', '.join(keys)}")
        return cls(
            small_words=frozenset(str(w).lower() for w in data["small_words"]),
            not_titles=frozenset(norm_title(str(w)) for w in data["not_titles"]),
            forbidden=tuple(str(w).lower() for w in data["forbidden"]),
            english_words=frozenset(str(w).lower() for w in data["english_words"]),
            instruction_like=tuple(re.compile(str(p), re.I) for p in data.get("instruction_like") or ()),
        )

    def reads_as_instructions(self, text: str) -> bool:
        """True when catalog text looks like instructions to a model (see guard.yaml instruction_like)."""
        return any(pattern.search(text) for pattern in self.instruction_like)


@functools.cache
def default_rules() -> GuardRules:
    """The rules in bot/guard/guard.yaml (read once)."""
    return GuardRules.load()
