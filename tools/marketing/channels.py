"""The marketing channels (tagline, email, push, social) and their rules, read from data/copy_channels.yaml.

The copy writer uses a channel's rule for its prompt and token budget; the copy check (bot.guard.copy) for its
length, naming, hashtag and banned-phrase limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from store.catalog_profile import CatalogProfile

CHANNELS_FILE = Path(__file__).resolve().parent / "data" / "copy_channels.yaml"
CHANNELS = ("tagline", "email", "push", "social")


@dataclass(frozen=True, slots=True)
class ChannelRule:
    """Length and naming rules of one channel."""

    name: str
    names_title: bool
    min_chars: int
    max_chars: int
    max_tokens: int
    hashtags: bool = False
    subject_min_chars: int = 0
    subject_max_chars: int = 0
    banned_phrases: tuple[str, ...] = ()


def load_channel_rules(path: Path = CHANNELS_FILE, *, profile: CatalogProfile | None = None) -> dict[str, ChannelRule]:
    """Read the channel rules; a missing channel or a bad field raises ValueError naming the file and field.

    Banned phrases speak of the item as the catalog's profile names it: "{item}" is its noun ("the film below"),
    "{categories}" its category label ("genres:"); without a profile, the generic one's ("item", "categories").
    """
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    rules: dict[str, ChannelRule] = {}
    banned = raw.get("banned_phrases", [])
    if not isinstance(banned, list) or not all(isinstance(b, str) for b in banned):
        raise ValueError(f"{path}: banned_phrases must be a list of strings")
    words = profile if profile is not None else CatalogProfile()
    banned = [b.replace("{item}", words.item.singular).replace("{categories}", words.category.plural) for b in banned]
    for channel in CHANNELS:
        spec = raw.get(channel)
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: channel {channel!r} is missing or not a mapping")
        try:
            rules[channel] = ChannelRule(name=channel, banned_phrases=tuple(b.lower() for b in banned), **spec)
        except TypeError as exc:
            raise ValueError(f"{path}: channel {channel!r}: {exc}") from exc
    return rules
