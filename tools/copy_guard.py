"""Checks on generated marketing copy before anyone sees it: grounded, the right length, clean text.

A draft passes when it names the item's title exactly (channels that name it), invents no year and no
capitalised name that is not in the item's data, fits the channel's length limits (tools/data/copy_channels.yaml),
has no URL, e-mail address, markup or placeholder, and does not repeat itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from store.items import CatalogItem

CHANNELS_FILE = Path(__file__).resolve().parent / "data" / "copy_channels.yaml"
CHANNELS = ("tagline", "email", "push", "social")

_YEAR = re.compile(r"(?<![\w'])(1[89]\d\d|20\d\d)(?:s|'s)?(?!\w)")
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-Z][a-z][\w'’-]*|[A-Z](?=[a-z]))")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“(]\s*|—\s*|-\s+)$")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_MARKUP = {
    "a URL": re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|net|org|io|co|tv)\b", re.I),
    "an e-mail address": re.compile(r"\b[\w.+-]+@[\w-]+\.\w+"),
    "an HTML tag": re.compile(r"</?[a-zA-Z][^>]*>"),
    "markdown": re.compile(r"\*\*|__|`|\[[^\]]*\]\([^)]*\)|^\s*#{1,6}\s", re.M),
    "a placeholder": re.compile(r"\{\{|\}\}|\[[^\]]{1,40}\]|<[A-Z_ ]+>"),
}
_CONTRACTION_ENDS = frozenset({"t", "s", "ll", "re", "ve", "d", "m"})  # Can't, You'll, We're, ...
_SUBJECT_LABEL = re.compile(r"^\s*Subject:", re.I)
_HASHTAG = re.compile(r"(?<!\w)#\w")


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


def load_channel_rules(path: Path = CHANNELS_FILE) -> dict[str, ChannelRule]:
    """Read the channel rules; a missing channel or a bad field raises ValueError naming the file and field."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    rules: dict[str, ChannelRule] = {}
    banned = raw.get("banned_phrases", [])
    if not isinstance(banned, list) or not all(isinstance(b, str) for b in banned):
        raise ValueError(f"{path}: banned_phrases must be a list of strings")
    for channel in CHANNELS:
        spec = raw.get(channel)
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: channel {channel!r} is missing or not a mapping")
        try:
            rules[channel] = ChannelRule(name=channel, banned_phrases=tuple(b.lower() for b in banned), **spec)
        except TypeError as exc:
            raise ValueError(f"{path}: channel {channel!r}: {exc}") from exc
    return rules


def words(text: str) -> list[str]:
    """Lower-case word tokens (possessive 's removed)."""
    return [w.removesuffix("'s").removesuffix("’s") for w in _WORD.findall(text.lower())]


def common_words(texts: Iterable[str]) -> frozenset[str]:
    """Words seen in lower case somewhere in texts (e.g. all overviews): capitalised, they are not names."""
    found: set[str] = set(ENGLISH_STOP_WORDS)
    for text in texts:
        found.update(w for w in re.findall(r"(?<![\w'’-])[a-z][a-z'’-]+", text) if "'" not in w)
    return frozenset(found)


def main_title(title: str) -> str:
    """The title people use: "Amelie (Fabuleux destin d'Amélie Poulain, Le)" -> "Amelie"."""
    return title.partition(" (")[0].strip() or title


@dataclass(frozen=True, slots=True)
class Facts:
    """What copy about one item may mention: its years, and the words of its data (and of extra texts)."""

    title: str
    years: frozenset[int]
    allowed_words: frozenset[str]
    common: frozenset[str] = frozenset()

    @classmethod
    def from_item(
        cls, item: CatalogItem, extra_texts: Iterable[str] = (), common: frozenset[str] = frozenset()
    ) -> Facts:
        """Facts of an item; extra_texts (favourite titles, the audience, keywords) are allowed too."""
        texts = [item.title, item.overview, item.tagline, *item.genres, *item.keywords, *item.tags, *extra_texts]
        joined = "\n".join(texts)
        years = {int(y) for y in _YEAR.findall(joined)}
        if item.year:
            years.add(item.year)
        return cls(main_title(item.title), frozenset(years), frozenset(words(joined)), common)


@dataclass(slots=True)
class GuardResult:
    """passed is True when problems is empty."""

    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "problems": list(self.problems)}


def split_email(text: str) -> tuple[str, str] | None:
    """("subject", "body") of an email draft "Subject: ...\\n\\nbody", or None when it has no subject line."""
    first, _, rest = text.strip().partition("\n")
    if not first.lower().startswith("subject:"):
        return None
    return first.split(":", 1)[1].strip(), rest.strip()


def year_is_decade(digits: str) -> bool:
    """ "1990" can start a decade ("the 1990s"); "1995" cannot."""
    return digits.endswith("0")


def _check_length(text: str, rule: ChannelRule, problems: list[str]) -> None:
    if rule.name == "email":
        parts = split_email(text)
        if parts is None:
            problems.append("email has no 'Subject:' first line")
            return
        subject, body = parts
        if not rule.subject_min_chars <= len(subject) <= rule.subject_max_chars:
            limits = f"{rule.subject_min_chars}-{rule.subject_max_chars}"
            problems.append(f"email subject is {len(subject)} characters (allowed {limits})")
        text = body
    if len(text) > rule.max_chars:
        problems.append(f"too long for {rule.name}: {len(text)} characters (limit {rule.max_chars})")
    elif len(text) < rule.min_chars:
        problems.append(f"too short for {rule.name}: {len(text)} characters (minimum {rule.min_chars})")


def _invented_names(text: str, facts: Facts) -> list[str]:
    invented: list[str] = []
    text = _SUBJECT_LABEL.sub(lambda m: " " * len(m.group()), text)
    for match in _CAPITALISED.finditer(text):
        word = match.group(1)
        if not facts.common and _SENTENCE_START.search(text[: match.start()]):
            continue  # without a common-word list, a capitalised sentence opener proves nothing
        key = word.lower().removesuffix("'s").removesuffix("’s").strip("'’-")
        parts = [p for p in re.split(r"[-'’]", key) if p and p not in _CONTRACTION_ENDS]
        if all(p in facts.allowed_words or p in facts.common for p in parts):
            continue
        if word not in invented:
            invented.append(word)
    return invented


def _repetitions(text: str, facts: Facts) -> list[str]:
    tokens = words(text.replace(facts.title, " | "))  # the title may repeat (subject and body)
    trigrams = Counter(" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2))
    repeated = [gram for gram, n in trigrams.items() if n > 1]
    title_words = set(words(facts.title))
    counts = Counter(t for t in tokens if len(t) > 3 and t not in ENGLISH_STOP_WORDS and t not in title_words)
    repeated += [word for word, n in counts.items() if n > 3]
    return repeated


def check_copy(text: str, channel: str, facts: Facts, rules: dict[str, ChannelRule]) -> GuardResult:
    """Check one draft for one channel.

    Args:
        text: the draft.
        channel: tagline, email, push or social.
        facts: what the copy may mention (Facts.from_item).
        rules: the channel rules (load_channel_rules()).
    """
    rule = rules[channel]
    result = GuardResult()
    problems = result.problems
    if not text.strip():
        problems.append("empty text")
        return result
    if rule.names_title and facts.title not in text:
        problems.append(f"does not name the title exactly ({facts.title!r})")
    for match in _YEAR.finditer(text):
        year, decade = int(match.group(1)), match.group(0).endswith("s") and year_is_decade(match.group(1))
        if year not in facts.years and not (decade and any(year <= y < year + 10 for y in facts.years)):
            problems.append(f"year {match.group(0)} is not in the item's data")
    invented = _invented_names(text, facts)
    if invented:
        problems.append("names not in the item's data: " + ", ".join(invented[:5]))
    _check_length(text, rule, problems)
    for label, pattern in _MARKUP.items():
        if pattern.search(text):
            problems.append(f"contains {label}")
    echoed = [phrase for phrase in rule.banned_phrases if phrase in text.lower()]
    if echoed:
        problems.append("echoes the instructions: " + ", ".join(echoed[:3]))
    if not rule.hashtags and _HASHTAG.search(text):
        problems.append(f"hashtags are not allowed in {channel}")
    repeated = _repetitions(text, facts)
    if repeated:
        problems.append("repeats itself: " + ", ".join(repeated[:3]))
    return result
