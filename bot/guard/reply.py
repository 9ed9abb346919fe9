"""The grounding guard: checks LLM-written reply text before a user sees it.

A reply fails when it names a film that is not among the tool results, mentions a year that is not
theirs, repeats itself, is too short or too long, leaks forbidden text (a canary, prompt scaffolding),
contains markup / URLs / code / lists, ends mid-sentence, or (optionally) is not in the expected
language. This module runs the checks and reports; title detection lives in bot/guard/title_mentions.py,
repetition and language in bot/guard/text_quality.py, hidden secrets in bot/guard/secrets.py.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from bot.guard.rules import GuardRules, default_rules
from bot.guard.secrets import hidden_secrets
from bot.guard.text_quality import language_problems, repetition_problems
from bot.guard.title_mentions import allowed_mentions, title_problems
from bot.guard.titles import KnownTitles, as_known_titles
from tools.guard_report import GuardReport

_YEAR = re.compile(r"(?<![\d.,])(18[89]\d|19\d\d|20[0-4]\d)(?!\d|'?s\b)")
_MARKUP: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code fence", re.compile(r"```|~~~")),
    ("url", re.compile(r"https?://|www\.\w", re.I)),
    (
        "domain",
        re.compile(
            r"(?<![\w.-])(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|xyz|ru|cn|app|dev|site|online|top|"
            r"click|link|shop|live|example|tk|uk|de|fr)(?![\w-])",
            re.I,
        ),
    ),
    ("html/xml tag", re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")),
    ("markdown link", re.compile(r"\[[^\]\n]+\]\([^)\n]+\)")),
    ("markdown heading", re.compile(r"(?m)^\s{0,3}#{1,6}\s")),
    ("markdown emphasis", re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")),
    ("list", re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s+\S")),
    ("template syntax", re.compile(r"\{\{|\}\}|\{%|%\}")),
)


def check_reply(
    text: str,
    *,
    allowed_titles: Collection[str],
    allowed_years: Collection[int],
    min_chars: int = 20,
    max_chars: int = 800,
    forbidden: Collection[str] = (),
    known_titles: KnownTitles | Iterable[str] | Any | None = None,
    language: str | None = None,
    require_sentence_end: bool = True,
    min_title_mentions: int = 0,
    rules: GuardRules | None = None,
) -> GuardReport:
    """Check `text`; return GuardReport(passed, problems) with one precise string per problem.

    Args:
        text: the LLM's reply.
        allowed_titles: titles of the tool results (and of films the user named); aliases are derived.
        allowed_years: years the reply may mention (of the results, and of the user's message).
        min_chars: shorter replies fail. max_chars: longer replies fail.
        forbidden: strings that must not appear (case-insensitive), e.g. the system prompt canary;
            guard.yaml adds prompt-scaffolding phrases.
        known_titles: catalog titles (KnownTitles, strings, or an object with items(), e.g. a TitleIndex)
            to spot real films that are not in the results.
        language: "en" to require mostly English text; None skips the check.
        require_sentence_end: fail replies cut off mid-sentence.
        min_title_mentions: how many allowed titles the reply must name (0 = no requirement).
        rules: word lists (default: bot/guard/guard.yaml).
    """
    rules = rules or default_rules()
    stripped = text.strip()
    problems: list[str] = []
    if len(stripped) < min_chars:
        problems.append(f"too short: {len(stripped)} chars < {min_chars}")
    if len(stripped) > max_chars:
        problems.append(f"too long: {len(stripped)} chars > {max_chars}")
    lowered = stripped.lower()
    for phrase in (*(f.lower() for f in forbidden if f), *rules.forbidden):
        if phrase in lowered:
            problems.append(f"forbidden text: {phrase!r}")
    problems.extend(hidden_secrets(stripped, [f for f in forbidden if f]))
    for kind, pattern in _MARKUP:
        found = pattern.search(stripped)
        if found:
            problems.append(f"markup ({kind}): {found.group(0).strip()[:40]!r}")
    problems.extend(title_problems(stripped, allowed_titles, as_known_titles(known_titles), rules))
    years = set(allowed_years)
    for year in dict.fromkeys(int(y) for y in _YEAR.findall(stripped)):
        if year not in years:
            problems.append(f"year not in the results: {year}")
    problems.extend(repetition_problems(stripped))
    if require_sentence_end and stripped and (stripped[-1].isalnum() or stripped[-1] in ",;:-—–(&/"):
        problems.append(f"cut off mid-sentence: ends with {stripped[-20:]!r}")
    if language is not None:
        problems.extend(language_problems(stripped, language, rules))
    if min_title_mentions:
        named = allowed_mentions(stripped, allowed_titles)
        if len(named) < min_title_mentions:
            problems.append(f"names {len(named)} of the result titles, needs {min_title_mentions}")
    return GuardReport.from_problems(dict.fromkeys(problems))
