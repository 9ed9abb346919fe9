"""The marketing-copy check: generated copy is grounded, the right length and clean text before anyone sees it.

A draft passes when it names the item's title exactly (channels that name it), invents no year and no
capitalised name that is not in the item's data (tools.marketing.grounding.Facts), fits the channel's length
limits (tools/marketing/data/copy_channels.yaml), has no URL, e-mail address, markup or placeholder, and does not
repeat itself. The marketing tools receive `check_copy` by injection (ToolContext.copy_check).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from bot.guard.claims import ClaimFacts, ClaimLevel, claim_problems
from bot.guard.rules import default_rules
from bot.guard.title_mentions import title_problems
from bot.guard.titles import as_known_titles
from tools.guard_report import GuardReport
from tools.marketing.channels import ChannelRule
from tools.marketing.grounding import YEAR_MENTION, Facts, words
from tools.marketing.stop_words import english_stop_words

_CAPITALISED = re.compile(r"(?<![\w'’-])([A-Z][a-z][\w'’-]*|[A-Z](?=[a-z]))")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“(]\s*|—\s*|-\s+)$")
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
MIN_COPY_WORDS = 2  # content words besides the title


def split_email(text: str) -> tuple[str, str] | None:
    """("subject", "body") of an email draft "Subject: ...\\n\\nbody", or None when it has no subject line."""
    first, _, rest = text.strip().partition("\n")
    if not first.lower().startswith("subject:"):
        return None
    return first.split(":", 1)[1].strip(), rest.strip()


def year_is_decade(digits: str) -> bool:
    """ "1990" can start a decade ("the 1990s"); "1995" cannot."""
    return digits.endswith("0")


def _length_problems(text: str, rule: ChannelRule) -> list[str]:
    problems: list[str] = []
    if rule.name == "email":
        parts = split_email(text)
        if parts is None:
            return ["email has no 'Subject:' first line"]
        subject, body = parts
        if not rule.subject_min_chars <= len(subject) <= rule.subject_max_chars:
            limits = f"{rule.subject_min_chars}-{rule.subject_max_chars}"
            problems.append(f"email subject is {len(subject)} characters (allowed {limits})")
        text = body
    if len(text) > rule.max_chars:
        problems.append(f"too long for {rule.name}: {len(text)} characters (limit {rule.max_chars})")
    elif len(text) < rule.min_chars:
        problems.append(f"too short for {rule.name}: {len(text)} characters (minimum {rule.min_chars})")
    return problems


def _repetitions(text: str, facts: Facts) -> list[str]:
    tokens = words(text.replace(facts.title, " | "))  # the title may repeat (subject and body)
    trigrams = Counter(" ".join(tokens[i : i + 3]) for i in range(len(tokens) - 2))
    repeated = [gram for gram, n in trigrams.items() if n > 1]
    skip = english_stop_words() | set(words(facts.title))
    counts = Counter(t for t in tokens if len(t) > 3 and t not in skip)
    repeated += [word for word, n in counts.items() if n > 3]
    return repeated


def check_copy(text: str, channel: str, facts: Facts, rules: Mapping[str, ChannelRule]) -> GuardReport:
    """Check one draft for one channel (a tools.marketing.grounding.CopyCheck).

    Args:
        text: the draft.
        channel: tagline, email, push or social.
        facts: what the copy may mention (Facts.from_item).
        rules: the channel rules (tools.marketing.channels.load_channel_rules()).
    """
    rule = rules[channel]
    if not text.strip():
        return GuardReport.from_problems(["empty text"])
    problems: list[str] = []
    if rule.names_title and facts.title not in text:
        problems.append(f"does not name the title exactly ({facts.title!r})")
    for match in YEAR_MENTION.finditer(text):
        year, decade = int(match.group(1)), match.group(0).endswith("s") and year_is_decade(match.group(1))
        if year not in facts.years and not (decade and any(year <= y < year + 10 for y in facts.years)):
            problems.append(f"year {match.group(0)} is not in the item's data")
    body = _SUBJECT_LABEL.sub("", text)
    support = ClaimFacts.build([*facts.texts, *facts.allowed_words], facts.genres, facts.years)
    problems += claim_problems(body, support, level=ClaimLevel.NAMES, common=facts.common)
    if facts.catalog is not None:
        allowed = [facts.full_title or facts.title, facts.title, *facts.other_titles]
        problems += title_problems(text, allowed, as_known_titles(facts.catalog), default_rules())
    title_words = set(words(facts.full_title or facts.title)) | set(words(facts.title))
    said = [w for w in words(_SUBJECT_LABEL.sub("", text)) if w not in english_stop_words() and w not in title_words]
    if len(said) < MIN_COPY_WORDS:
        problems.append("says nothing beyond the title")
    problems += _length_problems(text, rule)
    problems += [f"contains {label}" for label, pattern in _MARKUP.items() if pattern.search(text)]
    echoed = [phrase for phrase in rule.banned_phrases if phrase in text.lower()]
    if echoed:
        problems.append("echoes the instructions: " + ", ".join(echoed[:3]))
    if not rule.hashtags and _HASHTAG.search(text):
        problems.append(f"hashtags are not allowed in {channel}")
    repeated = _repetitions(text, facts)
    if repeated:
        problems.append("repeats itself: " + ", ".join(repeated[:3]))
    return GuardReport.from_problems(problems)
