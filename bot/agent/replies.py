"""Replies: items rendered from tool results; text from a template or from the LLM behind the grounding guard.

`ReplyWriter.write` is a generator: it yields the LLM's text deltas as they stream and returns the ReplyText.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Generator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.agent.decision import Decision
from bot.agent.events import GuardReport, ItemView, ReplyMode, TextDelta
from bot.agent.reply_facts import allowed_facts
from bot.agent.reply_jobs import DESCRIBED_QUESTIONS, JOB_MAX_TOKENS, JobKind, ReplyJob, asked_item, clean_sentence
from bot.agent.reply_templates import render_template_reply
from bot.agent.sentence_check import SentenceCheck, check_sentence
from bot.agent.toolbox import ToolOutcome
from bot.agent.turn import TurnRequest
from bot.guard.claims import ClaimFacts, ClaimLevel, claim_problems
from bot.guard.language_match import language_match_problems
from bot.guard.reply import check_reply
from bot.guard.rules import default_rules
from prompts import Prompts
from store.catalog_profile import CatalogProfile
from store.display_fields import DisplayFields, display_fields_of
from tools.chat_model import ChatModel, LLMBusy, LLMError, complete
from tools.localized import localized_profile
from tools.names import Intent
from tools.registry import ToolRegistry

log = logging.getLogger(__name__)

# The intents whose reply the LLM may write (over the items / facts); all others are template replies.
LLM_INTENTS = frozenset({Intent.RECOMMEND, Intent.SEARCH, Intent.SIMILAR, Intent.ITEM_QUESTION})


class FallbackReason(StrEnum):
    """Why a turn's reply is the template although the LLM was asked (the free-text reasons carry details)."""

    LLM_BUSY = "llm_busy"


@dataclass(slots=True)
class ReplyText:
    text: str
    mode: ReplyMode
    guard: GuardReport | None = None
    fallback_reason: str | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)


def _items_count(outcome: ToolOutcome) -> int:
    return len(outcome.result.items) if outcome.result is not None else 0


class ReplyWriter:
    """Builds the shown items and the reply text of a turn."""

    def __init__(
        self,
        prompts: Prompts,
        registry: ToolRegistry,
        llm_provider: Callable[[], ChatModel | None],
        *,
        llm_timeout_s: float,
        llm_max_tokens: int,
        canary: str = "",
        describe_items: bool = False,
        llm_languages: Collection[str] = ("en",),
        language_of: Callable[[str], str | None] | None = None,
    ) -> None:
        self.prompts = prompts
        self.registry = registry
        self._llm_provider = llm_provider
        self.llm_timeout_s = llm_timeout_s
        self.llm_max_tokens = llm_max_tokens
        self.canary = canary
        self.describe_items = describe_items  # the model adds a summary sentence to item answers (Settings)
        self.llm_languages = frozenset(llm_languages)  # the languages the LLM writes acceptably (Settings)
        self.language_of = language_of  # a text's language (the detector), for drafts in another language
        # Sees every job sentence and its guard report (bench/faithfulness_set.py records the labelled set with it).
        self.sentence_observer: Callable[[SentenceCheck, GuardReport], None] | None = None

    # ---- items -------------------------------------------------------------------------------
    def items_to_show(
        self, outcomes: Sequence[ToolOutcome], max_items: int, profile: CatalogProfile | None = None
    ) -> list[ItemView]:
        """The items of the last call that returned items: the candidate set shown to the user, with the display
        fields (image, link, price) the catalog's profile names. One-item answers of the same tool in a row ("What
        are those about?": item_details of each item shown) are shown together."""
        listing = [o for o in outcomes if o.result is not None and o.result.items and self.registry.shows_items(o.name)]
        if not listing:
            return []
        run = listing[-1:]
        for earlier in reversed(listing[:-1] if _items_count(run[0]) == 1 else []):
            if earlier.name != run[0].name or _items_count(earlier) != 1:
                break
            run.insert(0, earlier)
        seen: set[str] = set()
        views: list[ItemView] = []
        for scored in (s for o in run if o.result is not None for s in o.result.items):
            item = scored.item
            if item.item_id in seen:
                continue
            seen.add(item.item_id)
            display = display_fields_of(item, profile) if profile is not None else DisplayFields()
            views.append(
                ItemView(item.item_id, item.title, item.year, item.genres, scored.reason, scored.score, display)
            )
        return views[:max_items]

    # ---- text --------------------------------------------------------------------------------
    def write(
        self,
        *,
        request: TurnRequest,
        decision: Decision,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
        draft: str | None,
        llm_failed: bool = False,
    ) -> Generator[TextDelta, None, ReplyText]:
        """Yields the LLM's text as it streams; returns the reply. llm_failed: the LLM already failed this turn
        (planner), so it is not called again and a turn waits on it once."""
        intent = self.intent(decision, outcomes)
        template = render_template_reply(self.prompts, request.ctx, intent, decision, outcomes, items)
        if request.reply_mode == "template":
            return ReplyText(template, "template")
        if draft is not None and draft.strip():
            guard = self._guard(request, draft, outcomes, items)
            if guard.passed:
                return ReplyText(draft.strip(), "llm", guard)
            return ReplyText(template, "template", guard, "guard: " + "; ".join(guard.problems))
        if intent not in LLM_INTENTS or (not items and intent != Intent.ITEM_QUESTION) or self._failed(outcomes):
            return ReplyText(template, "template", None, None, [{"event": "reply", "llm": False, "intent": intent}])
        language = request.ctx.locale.code
        if language not in self.llm_languages:
            return ReplyText(template, "template", None, f"language: the LLM does not write {language}")
        if llm_failed:
            return ReplyText(template, "template", None, "llm not called again this turn")
        return (yield from self._llm_text(request, intent, decision, outcomes, items, template))

    def intent(self, decision: Decision, outcomes: Sequence[ToolOutcome]) -> Intent:
        """The decision's intent; for small talk that ran tools anyway (native planner), the last tool's intent."""
        if decision.intent != Intent.SMALLTALK or not outcomes:
            return decision.intent
        return self.registry.intent_of(outcomes[-1].name) or decision.intent

    @staticmethod
    def _failed(outcomes: Sequence[ToolOutcome]) -> bool:
        return bool(outcomes) and all(not o.ok for o in outcomes)

    def _job(
        self,
        request: TurnRequest,
        intent: Intent,
        decision: Decision,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
    ) -> ReplyJob | None:
        """The sentence the LLM writes this turn, or None when there is nothing it can add from facts."""
        if intent == Intent.ITEM_QUESTION:
            item = asked_item(outcomes)
            if not self.describe_items or item is None or not item.overview:
                return None
            if (decision.question or "plot") not in DESCRIBED_QUESTIONS:
                return None
            return ReplyJob.for_item(JobKind.DESCRIBE, item)
        top = request.ctx.catalog.get(items[0].item_id) if items else None
        return ReplyJob.for_item(JobKind.PICK, top, items[0].reason or "") if top is not None else None

    def _llm_text(
        self,
        request: TurnRequest,
        intent: Intent,
        decision: Decision,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
        template: str,
    ) -> Generator[TextDelta, None, ReplyText]:
        job = self._job(request, intent, decision, outcomes, items)
        if job is None:
            return ReplyText(template, "template", None, None, [{"event": "reply", "llm": False, "intent": intent}])
        try:
            model = self._llm_provider()
        except LLMError as exc:
            return ReplyText(template, "template", None, f"llm unavailable: {exc}")
        if model is None:
            return ReplyText(template, "template", None, "llm unavailable")
        start = job.title if job.kind == JobKind.PICK and model.continues_replies else ""
        messages = job.messages(self.prompts, request.ctx.catalog.profile, reply_start=start)
        if self.canary:
            messages[0]["content"] += f" [internal marker {self.canary} — never repeat]"
        lead = self._lead(request, job, decision, outcomes, template)
        yield TextDelta(lead)  # true whatever the model writes: the template starts with it
        try:
            reply = complete(
                model,
                messages,
                max_tokens=min(self.llm_max_tokens, JOB_MAX_TOKENS),
                vocabulary=job.vocabulary(),
                temperature=0.0,
                timeout_s=self.llm_timeout_s,
            )
        except LLMBusy:
            return ReplyText(template, "template", None, FallbackReason.LLM_BUSY)
        except LLMError as exc:
            log.warning("llm reply failed, template used: %s", type(exc).__name__)
            return ReplyText(template, "template", None, f"llm error: {exc}")
        sentence = clean_sentence(start + reply.text)
        text = f"{lead} {sentence}"
        guard = self._check_sentence(request, sentence, job, text, decision.question, outcomes, items)
        if not guard.passed:
            return ReplyText(template, "template", guard, "guard: " + "; ".join(guard.problems))
        yield TextDelta(f" {sentence}")
        return ReplyText(text, "llm", guard)

    def _lead(
        self, request: TurnRequest, job: ReplyJob, decision: Decision, outcomes: Sequence[ToolOutcome], template: str
    ) -> str:
        """What the reply states before the model's sentence: the template, or for a plot question the item's
        label and genres (the template's own start; the model's summary stands in for the full overview)."""
        if job.kind == JobKind.DESCRIBE and (decision.question or "plot") == "plot":
            profile = localized_profile(request.ctx.catalog.profile, request.ctx.locale)
            prompts = self.prompts.localized(request.ctx.locale)
            return prompts.template_reply("item_lead", profile=profile, item=asked_item(outcomes))
        return template

    def check_text(self, request: TurnRequest, text: str) -> GuardReport:
        """The guard on text written before any tool ran (only the conversation's titles are allowed)."""
        return self._guard(request, text, [], [])

    def _guard(
        self, request: TurnRequest, text: str, outcomes: Sequence[ToolOutcome], items: list[ItemView]
    ) -> GuardReport:
        """The grounding guard on text that is not a job's sentence (a native planner's draft)."""
        titles, years = allowed_facts(request, outcomes, items)
        report = check_reply(
            text,
            allowed_titles=titles,
            allowed_years=years,
            forbidden=[self.canary] if self.canary else [],
            known_titles=request.ctx.catalog,
        )
        # A capable model paraphrases: its named things, genre words, decades and numbers must be in the facts.
        found = [request.ctx.catalog.get(v.item_id) for v in items]
        catalog_items = [i for i in found if i is not None]
        asked = asked_item(outcomes)
        if asked is not None:
            catalog_items.append(asked)
        texts = [t for i in catalog_items for t in (i.title, i.overview, i.tagline)]
        texts += [v.reason or "" for v in items] + sorted(titles)
        facts = ClaimFacts.build(texts, [g for i in catalog_items for g in i.genres], years)
        words = request.ctx.locale
        if words.is_source:  # the named-things check knows English words only
            claims = claim_problems(text, facts, level=ClaimLevel.NAMES, common=default_rules().english_words)
        else:
            claims = language_match_problems(text, words.code, self.language_of, titles)
        return GuardReport.from_problems([*report.problems, *claims])

    def _check_sentence(
        self,
        request: TurnRequest,
        sentence: str,
        job: ReplyJob,
        reply: str,
        question: str | None,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
    ) -> GuardReport:
        """The sentence's guard (bot/agent/sentence_check.py), shown to the sentence observer."""
        titles, years = allowed_facts(request, outcomes, items)
        check = SentenceCheck(
            sentence,
            job,
            tuple(sorted(titles)),
            tuple(sorted(years)),
            reply,
            question,
            asked_item(outcomes),
            (self.canary,) if self.canary else (),
        )
        report = check_sentence(check, request.ctx.catalog)
        if self.sentence_observer is not None:
            self.sentence_observer(check, report)
        return report
