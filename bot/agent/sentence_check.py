"""The guard of a reply job's sentence, with everything it is judged against kept in one record.

`SentenceCheck` is what the guard sees (the sentence, its job's facts, the titles and years the turn
allows, the asked item of an item question, the composed reply), so a labelled set of real model
sentences (tests/data/faithfulness) can replay the guard exactly as a turn ran it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.agent.reply_jobs import JobKind, ReplyJob
from bot.guard.answers import answer_problems
from bot.guard.claims import claim_problems, default_vocabulary
from bot.guard.reply import check_reply
from bot.guard.titles import KnownTitles, norm_title, norm_token, title_aliases, tokens
from store.items import CatalogItem
from store.years import years_in
from tools.guard_report import GuardReport

MIN_SENTENCE_CHARS = 12
_SELF_JOINED = re.compile(r"\b([^\W\d_]{3,})\s+(?:and|or|&)\s+(?:[\w-]+-)?\1\b", re.I)


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    """One LLM sentence and what it must be true to."""

    sentence: str
    job: ReplyJob
    allowed_titles: tuple[str, ...]
    allowed_years: tuple[int, ...]
    reply: str
    question: str | None = None
    asked: CatalogItem | None = None
    forbidden: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready record (the forbidden strings, i.e. the canary, are left out)."""
        asked = self.asked
        return {
            "sentence": self.sentence,
            "job": {
                "kind": str(self.job.kind),
                "title": self.job.title,
                "genres": list(self.job.genres),
                "about": self.job.about,
                "reason": self.job.reason,
                "year": self.job.year,
            },
            "allowed_titles": sorted(self.allowed_titles),
            "allowed_years": sorted(self.allowed_years),
            "reply": self.reply,
            "question": self.question,
            "asked": None
            if asked is None
            else {
                "item_id": asked.item_id,
                "title": asked.title,
                "year": asked.year,
                "genres": list(asked.genres),
                "overview": asked.overview,
                "rating_mean": asked.rating_mean,
            },
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SentenceCheck:
        job = data["job"]
        asked = data.get("asked")
        return cls(
            sentence=str(data["sentence"]),
            job=ReplyJob(
                JobKind(job["kind"]),
                str(job["title"]),
                tuple(job["genres"]),
                str(job["about"]),
                str(job.get("reason") or ""),
                job.get("year"),
            ),
            allowed_titles=tuple(data["allowed_titles"]),
            allowed_years=tuple(int(y) for y in data["allowed_years"]),
            reply=str(data["reply"]),
            question=data.get("question"),
            asked=None
            if not asked
            else CatalogItem(
                item_id=str(asked["item_id"]),
                title=str(asked["title"]),
                year=asked.get("year"),
                genres=tuple(asked.get("genres") or ()),
                overview=str(asked.get("overview") or ""),
                rating_mean=asked.get("rating_mean"),
            ),
        )


def _first_mention(padded: str, title: str) -> tuple[int, int] | None:
    """(start, end) of the first mention of `title` in a normalised, space-padded text: its earliest alias, the
    longest one written there ("The Lost World: Jurassic Park", not just "The Lost World")."""
    spans = [(i, i + len(a) + 2) for a in title_aliases(title) for i in [padded.find(f" {a} ")] if i >= 0]
    if not spans:
        return None
    start = min(i for i, _ in spans)
    return start, max(end for i, end in spans if i == start)


def repeated_words(sentence: str) -> list[str]:
    """A word joined to itself ("a favorite of fans and fans", "well-loved and loved"): degenerate text."""
    found = _SELF_JOINED.search(sentence)
    return [f"repeats the word {found.group(1)!r}"] if found else []


def subject_problems(sentence: str, pick: str, allowed_titles: Iterable[str]) -> list[str]:
    """A pick sentence is about the pick: it names it, and names no other title after it (the liked titles may
    open the sentence, "Like Heat, Ronin is ..."; a liked film described after the pick reads as the pick)."""
    padded = f" {norm_title(sentence)} "
    subject = _first_mention(padded, pick)
    if subject is None:
        return [f"does not name the pick {pick!r}"]
    if not padded[subject[1] - 1 :].strip() and not padded[: subject[0]].strip():
        return [f"says nothing beyond the title {pick!r}"]
    problems: list[str] = []
    if _first_mention(padded[subject[1] - 1 :], pick) is not None:  # "Sherlock Holmes is a ... Sherlock Holmes movie"
        problems.append(f"repeats the title {pick!r}")
    for title in allowed_titles:
        if norm_title(title) in title_aliases(pick) or title_aliases(title) & title_aliases(pick):
            continue
        other = _first_mention(padded[subject[1] - 1 :], title)
        if other is not None:
            problems.append(f"names {title!r} after the pick")
    # Any other name after the pick (a shortened or misspelled title, a person) reads as a claim about it.
    written = tokens(sentence)
    normed = [norm_token(w) for w in written]
    ends = [
        i + len(alias.split())
        for alias in title_aliases(pick)
        for i in range(len(normed))
        if normed[i : i + len(alias.split())] == alias.split()
    ]
    pick_words = set(norm_title(pick).split())
    genre_words = default_vocabulary().genre_surface
    names = [
        w
        for w in written[min(ends, default=len(written)) :]
        if w[:1].isupper() and w != "I" and norm_token(w) not in pick_words and w.lower() not in genre_words
    ]
    if names:
        problems.append(f"names {' '.join(names[:4])!r} after the pick")
    return problems


def check_sentence(check: SentenceCheck, known_titles: KnownTitles | Iterable[str] | Any | None) -> GuardReport:
    """The grounding guard on the sentence, its claim check against the job's facts, and for an item
    question, the answer check on the composed reply."""
    years = check.allowed_years
    if check.job.kind == JobKind.PICK:  # a pick sentence may say the pick's year, those of its reason and title
        years = tuple(y for y in check.allowed_years if y == check.job.year or str(y) in check.job.reason)
        years += tuple(years_in(check.job.title))
    report = check_reply(
        check.sentence,
        allowed_titles=check.allowed_titles,
        allowed_years=years,
        forbidden=check.forbidden,
        known_titles=known_titles,
        min_chars=MIN_SENTENCE_CHARS,
    )
    problems = [*report.problems, *claim_problems(check.sentence, check.job.facts())]
    if check.job.kind == JobKind.PICK:
        problems.extend(subject_problems(check.sentence, check.job.title, check.allowed_titles))
        problems.extend(repeated_words(check.sentence))
    if check.question and check.asked is not None:
        problems.extend(answer_problems(check.question, check.asked, check.reply))
    return GuardReport.from_problems(dict.fromkeys(problems))
