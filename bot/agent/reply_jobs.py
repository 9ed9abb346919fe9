"""The small jobs the LLM does in a reply, each over the facts of one item.

A 135M model cannot write a whole reply that stays true, but it can write one sentence from four lines
of facts when examples show how. So a reply is mixed: the template states what the tool results say
(how many picks, the filters, the asked year or genre), and the model adds one sentence:
- "pick": why the top item fits (recommend, search, similar);
- "describe": what an item is about (item questions), from its catalog summary.
The prompt is the job's system text, its few-shot examples as earlier chat turns (both fixed, so
llama.cpp reuses their KV cache from one turn to the next) and this turn's facts
(prompts/jobs/<job>_*.j2 and <job>_examples.yaml). The same facts feed the claim check.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from bot.agent.toolbox import ToolOutcome
from bot.guard.claims import ClaimFacts, default_vocabulary
from bot.guard.rules import default_rules
from prompts import Prompts
from store.catalog_profile import CatalogProfile
from store.items import CatalogItem
from store.years import YEAR_DIGITS
from tools.chat_model import Message, decoding_vocabulary
from tools.marketing.grounding import main_title
from tools.marketing.stop_words import english_stop_words
from tools.names import ToolName

ABOUT_MAX_CHARS = 320
JOB_MAX_TOKENS = 64  # one sentence
# Item questions the "describe" sentence adds to; "people" and "tags" are answered by the template alone.
DESCRIBED_QUESTIONS = frozenset({"plot", "year", "genre", "rating"})
_LABEL = re.compile(r"^\s*(?:sentence|one sentence|answer|summary)\s*:\s*", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FIRST_SENTENCE = re.compile(
    r"(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bSt\.)(?<!\bJr\.)(?<!Mrs\.)(?<=[a-z0-9)][.!?])\s+(?=[A-Z])"
)
_QUOTED = re.compile(r"\w*\s*“[^”]*”")
_TITLE_YEAR = re.compile(rf"\s*\({YEAR_DIGITS}\)")


class JobKind(StrEnum):
    PICK = "pick"
    DESCRIBE = "describe"


def first_sentences(text: str, max_chars: int = ABOUT_MAX_CHARS) -> str:
    """The leading whole sentences of `text` that fit in max_chars (at least the first, cut at a word),
    without the sentences that read as instructions to a model (injection planted in catalog data)."""
    rules = default_rules()
    sentences = [s for s in _SENTENCE_END.split(" ".join(text.split())) if not rules.reads_as_instructions(s)]
    text = " ".join(sentences)
    kept = ""
    for sentence in sentences:
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        kept = candidate
    if not kept and text:
        kept = text[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "."
    return kept


def clean_sentence(text: str) -> str:
    """The model's answer as one sentence: no label, no wrapping quotes, the first sentence of the first line."""
    line = next((part for part in text.strip().splitlines() if part.strip()), "")
    line = _LABEL.sub("", line).strip()
    if len(line) > 1 and line[0] in "\"'“" and line[-1] in "\"'”":
        line = line[1:-1].strip()
    return _FIRST_SENTENCE.split(line, maxsplit=1)[0].strip()


def catalog_reason(reason: str) -> str:
    """The item's reason as the model gets it: without quoted text (a quote in a reason, "Matches “…”", is the
    user's own words, and those never reach the model), without the years of the titles it names (the model
    put them on the pick, docs/llm.md) and without the genres after " · " (the prompt lists the item's genres;
    every token of the prompt delays the first one of the answer). The card shows the whole reason."""
    cause, _, shared_genres = _QUOTED.sub("", reason).partition(" · ")
    return _TITLE_YEAR.sub("", cause.strip(" ·") or shared_genres).strip(" ·")


def asked_item(outcomes: Sequence[ToolOutcome]) -> CatalogItem | None:
    """The item of the turn's last successful item_details call."""
    for outcome in reversed(outcomes):
        if outcome.name == ToolName.ITEM_DETAILS and outcome.ok and outcome.result and outcome.result.items:
            return outcome.result.items[0].item
    return None


@dataclass(frozen=True, slots=True)
class ReplyJob:
    """One sentence to write about `item`: the prompt and the facts it may use."""

    kind: JobKind
    title: str
    genres: tuple[str, ...]
    about: str
    reason: str = ""
    year: int | None = None

    @classmethod
    def for_item(cls, kind: JobKind, item: CatalogItem, reason: str = "") -> ReplyJob:
        """A pick sentence gets the title, genres and reason (no summary: the 135M model recombined summaries
        into false claims, docs/llm.md); a describe sentence gets the summary."""
        about = first_sentences(item.overview) if kind == JobKind.DESCRIBE else ""
        return cls(kind, main_title(item.title), tuple(item.genres), about, catalog_reason(reason), item.year)

    def _variables(self) -> dict[str, Any]:
        return {
            "item": {"title": self.title},
            "genres": ", ".join(self.genres) or "none listed",
            "about": self.about or "no summary in the catalog",
            "reason": self.reason,
        }

    def messages(self, prompts: Prompts, profile: CatalogProfile, *, reply_start: str = "") -> list[Message]:
        """System text, the examples as user/assistant turns, then this job's facts (and, for a model that
        continues replies, the start of its sentence: the pick's title, so the sentence is about the pick).
        The catalog profile names the item and its categories ("a film", "Genres:")."""
        system = prompts.render(f"jobs/{self.kind}_system.j2", profile=profile)
        messages: list[Message] = [{"role": "system", "content": system}]
        facts = f"jobs/{self.kind}_facts.j2"
        for example in job_examples(self.kind):
            messages.append(
                {"role": "user", "content": prompts.render(facts, profile=profile, **example.job._variables())}
            )
            messages.append({"role": "assistant", "content": example.sentence})
        messages.append({"role": "user", "content": prompts.render(facts, profile=profile, **self._variables())})
        if reply_start:
            messages.append({"role": "assistant", "content": reply_start})
        return messages

    def vocabulary(self) -> set[str]:
        """The words the sentence may use: those of its facts, function words, and the generic and genre words
        of the claim vocabulary (a decoding constraint where the engine allows; the guard checks anyway)."""
        texts = (self.title, self.about, self.reason, str(self.year or ""))
        return decoding_vocabulary(texts, english_stop_words() | default_vocabulary().allowed_words(self.genres))

    def facts(self) -> ClaimFacts:
        """What the sentence may claim: exactly the facts in the prompt."""
        years = [self.year] if self.year else []
        return ClaimFacts.build([self.title, self.about, self.reason], self.genres, years, title=self.title)


@dataclass(frozen=True, slots=True)
class JobExample:
    job: ReplyJob
    sentence: str


@functools.cache
def job_examples(kind: JobKind) -> tuple[JobExample, ...]:
    """The few-shot examples of a job (prompts/jobs/<kind>_examples.yaml)."""
    text = resources.files("prompts").joinpath("jobs", f"{kind}_examples.yaml").read_text(encoding="utf-8")
    rows = yaml.safe_load(text)
    if not isinstance(rows, list):
        raise ValueError(f"prompts/jobs/{kind}_examples.yaml: expected a list of examples")
    examples: list[JobExample] = []
    for row in rows:
        item = row["item"]
        job = ReplyJob(
            kind,
            str(item["title"]),
            tuple(item.get("genres") or ()),
            str(row["about"]),
            catalog_reason(str(row.get("reason") or "")),
        )
        examples.append(JobExample(job, str(row["sentence"])))
    return tuple(examples)
