"""Replies: items rendered from tool results; text from a template or from the LLM behind the grounding guard.

`ReplyWriter.write` is a generator: it yields the LLM's text deltas as they stream and returns the ReplyText.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.agent.decision import Decision
from bot.agent.events import GuardReport, ItemView, ReplyMode, TextDelta
from bot.agent.reply_templates import render_template_reply
from bot.agent.toolbox import ToolOutcome
from bot.agent.turn import TurnRequest
from bot.guard.reply import check_reply
from prompts import Prompts
from store.years import years_in
from tools.chat_model import ChatModel, LLMError, Message
from tools.names import Intent
from tools.registry import ToolRegistry

log = logging.getLogger(__name__)

# The intents whose reply the LLM may write (over the items / facts); all others are template replies.
LLM_INTENTS = frozenset({Intent.RECOMMEND, Intent.SEARCH, Intent.SIMILAR, Intent.ITEM_QUESTION})


@dataclass(slots=True)
class ReplyText:
    text: str
    mode: ReplyMode
    guard: GuardReport | None = None
    fallback_reason: str | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)


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
        catalog_name: str = "the Concierge demo catalog (MovieLens)",
    ) -> None:
        self.prompts = prompts
        self.registry = registry
        self._llm_provider = llm_provider
        self.llm_timeout_s = llm_timeout_s
        self.llm_max_tokens = llm_max_tokens
        self.canary = canary
        self.catalog_name = catalog_name

    # ---- items -------------------------------------------------------------------------------
    def items_to_show(self, outcomes: Sequence[ToolOutcome], max_items: int) -> list[ItemView]:
        """The items of the last call that returned items: the candidate set shown to the user."""
        for outcome in reversed(outcomes):
            if outcome.result is None or not outcome.result.items:
                continue
            if not self.registry.shows_items(outcome.name):
                continue
            seen: set[str] = set()
            views: list[ItemView] = []
            for scored in outcome.result.items:
                item = scored.item
                if item.item_id in seen:
                    continue
                seen.add(item.item_id)
                views.append(ItemView(item.item_id, item.title, item.year, item.genres, scored.reason, scored.score))
            return views[:max_items]
        return []

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
        if llm_failed:
            return ReplyText(template, "template", None, "llm not called again this turn")
        return (yield from self._llm_text(request, intent, outcomes, items, template))

    def intent(self, decision: Decision, outcomes: Sequence[ToolOutcome]) -> Intent:
        """The decision's intent; for small talk that ran tools anyway (native planner), the last tool's intent."""
        if decision.intent != Intent.SMALLTALK or not outcomes:
            return decision.intent
        return self.registry.intent_of(outcomes[-1].name) or decision.intent

    @staticmethod
    def _failed(outcomes: Sequence[ToolOutcome]) -> bool:
        return bool(outcomes) and all(not o.ok for o in outcomes)

    def _llm_text(
        self,
        request: TurnRequest,
        intent: Intent,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
        template: str,
    ) -> Generator[TextDelta, None, ReplyText]:
        try:
            model = self._llm_provider()
        except LLMError as exc:
            return ReplyText(template, "template", None, f"llm unavailable: {exc}")
        if model is None:
            return ReplyText(template, "template", None, "llm unavailable")
        facts = template if intent == Intent.ITEM_QUESTION else ""
        # Small models (no tool calling) echo long, structured prompts: they get a short plain one.
        small = not model.supports_tools
        system = self.prompts.render(
            "system_small.j2" if small else "system.j2", catalog_name=self.catalog_name, canary=self.canary
        )
        user = self.prompts.render(
            "reply_llm_small.j2" if small else "reply_llm.j2",
            user_text=request.text[: 300 if small else 1000].replace('"', "'"),
            items=items,
            facts=facts,
            fallback_instruction="Answer briefly and politely.",
        )
        messages: list[Message] = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        chunks: list[str] = []
        try:
            for delta in model.stream(
                messages, max_tokens=self.llm_max_tokens, temperature=0.0, timeout_s=self.llm_timeout_s
            ):
                if delta.text:
                    chunks.append(delta.text)
                    yield TextDelta(delta.text)
        except LLMError as exc:
            log.warning("llm reply failed, template used: %s", type(exc).__name__)
            return ReplyText(template, "template", None, f"llm error: {exc}")
        text = "".join(chunks).strip()
        guard = self._guard(request, text, outcomes, items)
        if not guard.passed:
            return ReplyText(template, "template", guard, "guard: " + "; ".join(guard.problems))
        return ReplyText(text, "llm", guard)

    def check_text(self, request: TurnRequest, text: str) -> GuardReport:
        """The guard on text written before any tool ran (only the conversation's titles are allowed)."""
        return self._guard(request, text, [], [])

    def _guard(
        self, request: TurnRequest, text: str, outcomes: Sequence[ToolOutcome], items: list[ItemView]
    ) -> GuardReport:
        titles: set[str] = set()
        years: set[int] = years_in(request.text)
        for outcome in outcomes:
            if outcome.result is None:
                continue
            for scored in outcome.result.items:
                titles.add(scored.item.title)
                if scored.item.year:
                    years.add(scored.item.year)
        for view in items:
            titles.add(view.title)
        for like in request.ctx.stated_likes:
            item = request.ctx.catalog.get(like)
            if item is not None:
                titles.add(item.title)
        forbidden = [self.canary] if self.canary else []
        return check_reply(
            text,
            allowed_titles=titles,
            allowed_years=years,
            forbidden=forbidden,
            known_titles=request.ctx.catalog,
        )
