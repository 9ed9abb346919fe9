"""Which films a reply names: quoted titles, "Title (1999)" patterns and multi-word catalog titles written in
title case, each judged against the titles the reply may name (the tool results). Tuned for precision."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rapidfuzz import fuzz

from bot.guard.rules import GuardRules
from bot.guard.titles import MAX_TITLE_TOKENS, TOKEN, KnownTitles, norm_title, norm_token, title_aliases, tokens

_TITLE_YEAR = re.compile(r"\((18[89]\d|19\d\d|20[0-4]\d)\)")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»\n]{1,120})[\"“”«»]")
_CLAUSE_END = re.compile(r"(?:[!?;\n—–]|\.\s|,\s|:\s(?=[a-z]))")


def title_problems(
    text: str, allowed_titles: Collection[str], known: KnownTitles | None, rules: GuardRules
) -> list[str]:
    """One problem per film the text names that is not allowed (an alias of allowed_titles, or fuzzily one)."""
    allowed: set[str] = set()
    for title in allowed_titles:
        allowed |= title_aliases(title)
    problems: list[str] = []
    checked: list[tuple[int, int]] = []  # character ranges already judged as titles
    for match in _QUOTED.finditer(text):
        checked.append(match.span())
        span = match.group(1).strip(" ,.!?")
        name = norm_title(span)
        if not name or name in rules.not_titles or _is_allowed(name, allowed):
            continue
        catalog = known.get(name) if known else None
        if catalog is not None:
            problems.append(f"names a title not in the results: {catalog!r}")
        elif len(name.split()) >= 2 and _title_cased(tokens(span)[: MAX_TITLE_TOKENS + 1], rules):
            problems.append(f"unknown quoted title: {span!r}")
    for match in _TITLE_YEAR.finditer(text):
        line = text[: match.start()].rsplit("\n", 1)[-1]
        line_words = tokens(line)[-MAX_TITLE_TOKENS:]  # punctuation ignored: "E.T. the Extra-Terrestrial"
        if any(" ".join(norm_token(w) for w in line_words[i:]) in allowed for i in range(len(line_words))):
            continue
        before = _CLAUSE_END.split(line)[-1]
        words = tokens(before)[-MAX_TITLE_TOKENS:]
        if not words:
            continue
        checked.append((match.start() - len(before), match.end()))
        suffixes = [" ".join(norm_token(w) for w in words[i:]) for i in range(len(words))]
        run = _title_case_run(words, rules)
        longest = max(len(words) - len(run.split()), 0) + 1  # suffixes at least as long as the title-like run
        catalog = next((known.get(s) for s in suffixes[:longest] if known and known.get(s)), None)
        if catalog is not None:
            problems.append(f"names a title not in the results: {catalog!r}")
        elif run and not _is_allowed(norm_title(run), allowed):
            problems.append(f"names a title not in the results: {run!r}")
    if known is not None:
        problems.extend(_catalog_mentions(text, allowed, known, rules, checked))
    return problems


def allowed_mentions(text: str, allowed_titles: Collection[str]) -> set[str]:
    """The allowed titles the text names (by any alias)."""
    padded = f" {norm_title(text)} "
    return {title for title in allowed_titles if any(f" {a} " in padded for a in title_aliases(title))}


def _is_allowed(name: str, allowed: set[str]) -> bool:
    if name in allowed:
        return True
    return any(fuzz.ratio(name, a) >= 90 for a in allowed)


def _title_case_run(words: Sequence[str], rules: GuardRules) -> str:
    """The trailing words that look like a title (capitalised, digits, or small words between them)."""
    run: list[str] = []
    for word in reversed(words):
        if word[0].isupper() or word[0].isdigit() or (run and (word == "&" or word.lower() in rules.small_words)):
            run.append(word)
        else:
            break
    while run and run[-1].lower() in rules.small_words and not run[-1][0].isupper():
        run.pop()
    return " ".join(reversed(run))


def _catalog_mentions(
    text: str, allowed: set[str], known: KnownTitles, rules: GuardRules, checked: Sequence[tuple[int, int]]
) -> list[str]:
    """Multi-word catalog titles written in title case that are not allowed (nor part of an allowed title)."""
    matches = list(TOKEN.finditer(text))
    words = [m.group(0) for m in matches]
    normed = [norm_token(w) for w in words]
    judged = [any(a <= m.start() < b for a, b in checked) for m in matches]
    in_allowed = [False] * len(words)
    for start in range(len(words)):  # mark where allowed titles are written
        for n in range(min(MAX_TITLE_TOKENS, len(words) - start), 0, -1):
            if " ".join(normed[start : start + n]) in allowed:
                in_allowed[start : start + n] = [True] * n
                break
    problems: list[str] = []
    start = 0
    while start < len(words):
        hit = 0
        for n in range(min(known.max_tokens, len(words) - start), 1, -1):
            if any(judged[start : start + n]) or all(in_allowed[start : start + n]):
                continue
            phrase = " ".join(normed[start : start + n])
            if phrase in allowed:
                continue
            title = known.get(phrase)
            if title is None or not _title_cased(words[start : start + n], rules):
                continue
            if any(a.startswith(phrase + " ") for a in allowed):  # a franchise prefix of an allowed film
                continue
            # a longer catalog title around an allowed one ("The Heat" around "Heat") is another film
            problems.append(f"names a title not in the results: {title!r}")
            hit = n
            break
        start += hit or 1
    return problems


def _title_cased(words: Sequence[str], rules: GuardRules) -> bool:
    significant = [w for w in words if w != "&" and w.lower() not in rules.small_words]
    if not significant or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w[0].isdigit() for w in significant)
