"""Reply text that reads badly whatever it says: repeated sentences, words or phrases, degenerate text, and
text that is not in the expected language."""

from __future__ import annotations

import itertools
import re

from bot.guard.rules import GuardRules
from bot.guard.titles import norm_title, norm_token, tokens

_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*")


def repetition_problems(text: str) -> list[str]:
    """A repeated sentence, a word three times in a row, a phrase three times, or text of few distinct words."""
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


def language_problems(text: str, language: str, rules: GuardRules) -> list[str]:
    """Text not in `language` (only "en" is supported): mostly non-Latin letters or too few common words."""
    if language != "en":
        raise ValueError(f"guard language check supports 'en' only, got {language!r}")
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) / len(letters) < 0.9:
        return ["not English: mostly non-Latin letters"]
    words = [w.lower() for w in tokens(text)]
    if len(words) >= 8 and sum(w in rules.english_words for w in words) / len(words) < 0.15:
        return ["not English: too few common English words"]
    return []
