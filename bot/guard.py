"""The grounding guard: checks LLM-written reply text before a user sees it.

A reply fails when it names a film that is not among the tool results, mentions a year that is not
theirs, repeats itself, is too short or too long, leaks forbidden text (a canary, prompt scaffolding),
contains markup / URLs / code / lists, ends mid-sentence, or (optionally) is not in the expected
language. Title detection is tuned for precision: quoted phrases, "Title (1999)" patterns, and
multi-word catalog titles written in title case.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml
from rapidfuzz import fuzz

from bot.events import GuardReport
from bot.guard_leaks import hidden_secrets

RULES_FILE = Path(__file__).with_name("guard.yaml")
MAX_TITLE_TOKENS = 12

_TOKEN = re.compile(r"[^\W_]+(?:['’.·][^\W_]+)*\.?|&", re.UNICODE)
_YEAR = re.compile(r"(?<![\d.,])(18[89]\d|19\d\d|20[0-4]\d)(?!\d|'?s\b)")
_TITLE_YEAR = re.compile(r"\((18[89]\d|19\d\d|20[0-4]\d)\)")
_QUOTED = re.compile(r"[\"“”«»]([^\"“”«»\n]{1,120})[\"“”«»]")
_CLAUSE_END = re.compile(r"(?:[!?;\n—–]|\.\s|,\s|:\s(?=[a-z]))")
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*")
_MARKUP: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code fence", re.compile(r"```|~~~")),
    ("url", re.compile(r"https?://|www\.\w", re.I)),
    ("domain", re.compile(r"(?<![\w.-])(?:[a-z0-9-]+\.)+(?:com|net|org|info|biz|io|xyz|ru|cn|app|dev|site|online|top|"
                          r"click|link|shop|live|example|tk|uk|de|fr)(?![\w-])", re.I)),
    ("html/xml tag", re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")),
    ("markdown link", re.compile(r"\[[^\]\n]+\]\([^)\n]+\)")),
    ("markdown heading", re.compile(r"(?m)^\s{0,3}#{1,6}\s")),
    ("markdown emphasis", re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")),
    ("list", re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s+\S")),
    ("template syntax", re.compile(r"\{\{|\}\}|\{%|%\}")),
)


@dataclass(frozen=True, slots=True)
class GuardRules:
    """Word lists from guard.yaml."""

    small_words: frozenset[str]
    not_titles: frozenset[str]
    forbidden: tuple[str, ...]
    english_words: frozenset[str]

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
        )


@functools.cache
def default_rules() -> GuardRules:
    """The rules in bot/guard.yaml (read once)."""
    return GuardRules.load()


def tokens(text: str) -> list[str]:
    """The words of `text` as written (apostrophes and inner dots kept)."""
    return [m.group(0) for m in _TOKEN.finditer(text)]


def norm_token(token: str) -> str:
    """'Schindler's' -> 'schindlers', '&' -> 'and'."""
    return "and" if token == "&" else re.sub(r"['’.·]", "", token.lower())


def norm_title(text: str) -> str:
    """Lower case, '&' as 'and', punctuation dropped: 'Schindler's List' -> 'schindlers list'."""
    return " ".join(norm_token(t) for t in tokens(text))


def title_aliases(title: str) -> set[str]:
    """Normalised ways a reply may write `title`: as is, without its parenthesis, its a.k.a., before ':'."""
    aliases = {title}
    for inner in re.findall(r"\(([^)]*)\)", title):
        aliases.add(re.sub(r"^(?:a\.k\.a\.|aka)\s*", "", inner.strip(), flags=re.I))
    base = re.sub(r"\s*\([^)]*\)", "", title).strip()
    aliases.add(base)
    prefix = base.split(":", 1)[0] if ":" in base else ""
    if any(len(word) >= 4 and word.isalpha() for word in tokens(prefix)):  # "Star Trek II", not "3"
        aliases.add(prefix)
    return {n for n in (norm_title(a) for a in aliases) if n}


class KnownTitles:
    """An index of catalog titles for spotting films a reply names without being told about them."""

    def __init__(self, titles: Iterable[str]) -> None:
        self.titles: dict[str, str] = {}
        for title in titles:
            for alias in title_aliases(title):
                self.titles.setdefault(alias, title)
        self.max_tokens = min(MAX_TITLE_TOKENS, max((len(a.split()) for a in self.titles), default=1))

    def get(self, normalised: str) -> str | None:
        return self.titles.get(normalised)


@functools.lru_cache(maxsize=4)
def _known_from_object(source: Any) -> KnownTitles:
    items = source.items() if callable(getattr(source, "items", None)) else source.items
    return KnownTitles(item.title for item in items)


def as_known_titles(source: KnownTitles | Iterable[str] | Any | None) -> KnownTitles | None:
    """Accept a KnownTitles, an iterable of titles, or any object with `items` (CatalogItems), e.g. a TitleIndex."""
    if source is None or isinstance(source, KnownTitles):
        return source
    if hasattr(source, "items") and not isinstance(source, dict):
        try:
            return _known_from_object(cast(Hashable, source))
        except TypeError:  # unhashable: build without caching
            return _known_from_object.__wrapped__(source)
    if isinstance(source, Iterable):
        return KnownTitles(str(t) for t in source)
    raise TypeError(f"known_titles must be titles or an object with items(), got {type(source).__name__}")


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
        rules: word lists (default: bot/guard.yaml).
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
    problems.extend(_title_problems(stripped, allowed_titles, as_known_titles(known_titles), rules))
    years = set(allowed_years)
    for year in dict.fromkeys(int(y) for y in _YEAR.findall(stripped)):
        if year not in years:
            problems.append(f"year not in the results: {year}")
    problems.extend(_repetition_problems(stripped))
    if require_sentence_end and stripped and (stripped[-1].isalnum() or stripped[-1] in ",;:-—–(&/"):
        problems.append(f"cut off mid-sentence: ends with {stripped[-20:]!r}")
    if language is not None:
        problems.extend(_language_problems(stripped, language, rules))
    if min_title_mentions:
        named = _allowed_mentions(stripped, allowed_titles)
        if len(named) < min_title_mentions:
            problems.append(f"names {len(named)} of the result titles, needs {min_title_mentions}")
    return GuardReport(passed=not problems, problems=tuple(dict.fromkeys(problems)))


# ---- titles ------------------------------------------------------------------------------------
def _title_problems(
    text: str, allowed_titles: Collection[str], known: KnownTitles | None, rules: GuardRules
) -> list[str]:
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
            problems.append(f"names a film not in the results: {catalog!r}")
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
            problems.append(f"names a film not in the results: {catalog!r}")
        elif run and not _is_allowed(norm_title(run), allowed):
            problems.append(f"names a film not in the results: {run!r}")
    if known is not None:
        problems.extend(_catalog_mentions(text, allowed, known, rules, checked))
    return problems


def _allowed_mentions(text: str, allowed_titles: Collection[str]) -> set[str]:
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
    matches = list(_TOKEN.finditer(text))
    words = [m.group(0) for m in matches]
    normed = [norm_token(w) for w in words]
    covered = [any(a <= m.start() < b for a, b in checked) for m in matches]
    for start in range(len(words)):  # mark where allowed titles are written
        for n in range(min(MAX_TITLE_TOKENS, len(words) - start), 0, -1):
            if " ".join(normed[start : start + n]) in allowed:
                covered[start : start + n] = [True] * n
                break
    problems: list[str] = []
    start = 0
    while start < len(words):
        hit = 0
        for n in range(min(known.max_tokens, len(words) - start), 1, -1):
            if any(covered[start : start + n]):
                continue
            phrase = " ".join(normed[start : start + n])
            title = known.get(phrase)
            if title is None or not _title_cased(words[start : start + n], rules):
                continue
            if any(a.startswith(phrase + " ") for a in allowed):  # a franchise prefix of an allowed film
                continue
            problems.append(f"names a film not in the results: {title!r}")
            hit = n
            break
        start += hit or 1
    return problems


def _title_cased(words: Sequence[str], rules: GuardRules) -> bool:
    significant = [w for w in words if w != "&" and w.lower() not in rules.small_words]
    if not significant or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w[0].isdigit() for w in significant)


# ---- repetition and language -------------------------------------------------------------------
def _repetition_problems(text: str) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for sentence in _SENTENCES.findall(text):
        key = norm_title(sentence)
        if len(key) >= 15 and key in seen:
            problems.append(f"repeats a sentence: {sentence.strip()[:60]!r}")
            break
        seen.add(key)
    words = [norm_token(w) for w in tokens(text)]
    run = 1
    for previous, word in itertools.pairwise(words):
        run = run + 1 if word == previous else 1
        if run >= 3:
            problems.append(f"repeats a word: {word!r}")
            break
    counts: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - 2):
        gram = tuple(words[i : i + 3])
        counts[gram] = counts.get(gram, 0) + 1
        if counts[gram] == 3:
            problems.append(f"repeats a phrase 3 times: {' '.join(gram)!r}")
            break
    if len(words) >= 30 and len(set(words)) / len(words) < 0.4:
        problems.append(f"degenerate text: {len(set(words))} distinct words of {len(words)}")
    return problems


def _language_problems(text: str, language: str, rules: GuardRules) -> list[str]:
    if language != "en":
        raise ValueError(f"guard language check supports 'en' only, got {language!r}")
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return ["not English: mostly non-Latin letters"]
    words = [w.lower() for w in tokens(text)]
    if len(words) >= 8 and sum(w in rules.english_words for w in words) / len(words) < 0.15:
        return ["not English: too few common English words"]
    return []
