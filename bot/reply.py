"""Replies: items rendered from tool results; text from a template or from the LLM behind the grounding guard."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.events import GuardReport, ItemView, ReplyMode, TextDelta
from bot.guard import check_reply
from bot.llm_base import ChatModel, LLMError, Message
from bot.plan import Decision
from bot.prompts import Prompts
from bot.toolbox import ToolOutcome
from tools.results import ToolInputError

if TYPE_CHECKING:
    from bot.loop import TurnRequest

log = logging.getLogger(__name__)

LLM_INTENTS = frozenset({"recommend", "search", "similar", "item_question"})
TOOL_INTENT = {
    "recommend": "recommend",
    "search_catalog": "search",
    "similar_items": "similar",
    "item_details": "item_question",
    "user_profile": "profile",
    "record_feedback": "feedback",
    "extract_keywords": "keywords",
    "write_copy": "marketing_copy",
    "audience_for": "audience",
    "audience_summary": "audience",
}
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(slots=True)
class ReplyText:
    text: str
    mode: ReplyMode
    guard: GuardReport | None = None
    fallback_reason: str | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)


def _constraints(arguments: dict[str, Any]) -> str:
    parts: list[str] = []
    if arguments.get("genres"):
        parts.append(", ".join(arguments["genres"]))
    if arguments.get("exclude_genres"):
        parts.append("no " + ", no ".join(arguments["exclude_genres"]))
    year_from, year_to = arguments.get("year_from"), arguments.get("year_to")
    if year_from and year_to:
        parts.append(f"{year_from}–{year_to}")
    elif year_from:
        parts.append(f"from {year_from}")
    elif year_to:
        parts.append(f"up to {year_to}")
    if arguments.get("min_rating"):
        parts.append(f"rated {arguments['min_rating']}+")
    return "; ".join(parts)


class ReplyWriter:
    """Builds the shown items and the reply text of a turn."""

    def __init__(
        self,
        prompts: Prompts,
        llm_provider: Callable[[], ChatModel | None],
        *,
        llm_timeout_s: float,
        llm_max_tokens: int,
        canary: str = "",
        catalog_name: str = "the Concierge demo catalog (MovieLens)",
    ) -> None:
        self.prompts = prompts
        self._llm_provider = llm_provider
        self.llm_timeout_s = llm_timeout_s
        self.llm_max_tokens = llm_max_tokens
        self.canary = canary
        self.catalog_name = catalog_name

    # ---- items -------------------------------------------------------------------------------
    @staticmethod
    def items_to_show(outcomes: Sequence[ToolOutcome], max_items: int) -> list[ItemView]:
        """The items of the last call that returned items: the candidate set shown to the user."""
        for outcome in reversed(outcomes):
            if outcome.result is None or not outcome.result.items:
                continue
            if outcome.name in ("record_feedback", "write_copy"):
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
        emit: Callable[[Any], None],
        llm_failed: bool = False,
    ) -> ReplyText:
        """llm_failed: the LLM already failed this turn (planner): not called again, so a turn waits once."""
        intent = self._intent(decision, outcomes)
        template = self.template_text(request, intent, decision, outcomes, items)
        if request.reply_mode == "template":
            return ReplyText(template, "template")
        if draft is not None and draft.strip():
            guard = self._guard(request, draft, outcomes, items)
            if guard.passed:
                return ReplyText(draft.strip(), "llm", guard)
            return ReplyText(template, "template", guard, "guard: " + "; ".join(guard.problems))
        if intent not in LLM_INTENTS or (not items and intent != "item_question") or self._failed(outcomes):
            return ReplyText(template, "template", None, None, [{"event": "reply", "llm": False, "intent": intent}])
        if llm_failed:
            return ReplyText(template, "template", None, "llm not called again this turn")
        return self._llm_text(request, intent, outcomes, items, template, emit)

    @staticmethod
    def _intent(decision: Decision, outcomes: Sequence[ToolOutcome]) -> str:
        if (decision.intent and decision.intent not in ("smalltalk",)) or not outcomes:
            return decision.intent or "smalltalk"
        return TOOL_INTENT.get(outcomes[-1].name, decision.intent)

    @staticmethod
    def _failed(outcomes: Sequence[ToolOutcome]) -> bool:
        return bool(outcomes) and all(not o.ok for o in outcomes)

    def _llm_text(
        self,
        request: TurnRequest,
        intent: str,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
        template: str,
        emit: Callable[[Any], None],
    ) -> ReplyText:
        try:
            model = self._llm_provider()
        except LLMError as exc:
            return ReplyText(template, "template", None, f"llm unavailable: {exc}")
        if model is None:
            return ReplyText(template, "template", None, "llm unavailable")
        facts = template if intent == "item_question" else ""
        # Small models (no tool calling) echo long, structured prompts: they get a short plain one.
        small = not model.supports_tools
        system = self.prompts.render(
            "system_small.j2" if small else "system.j2", catalog_name=self.catalog_name, canary=self.canary
        )
        user = self.prompts.render(
            "reply_llm_small.j2" if small else "reply_llm.j2",
            user_text=request.text[:300 if small else 1000].replace('"', "'"),
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
                    emit(TextDelta(delta.text))
        except LLMError as exc:
            log.warning("llm reply failed, template used: %s", type(exc).__name__)
            return ReplyText(template, "template", None, f"llm error: {exc}")
        text = "".join(chunks).strip()
        guard = self._guard(request, text, outcomes, items)
        if not guard.passed:
            return ReplyText(template, "template", guard, "guard: " + "; ".join(guard.problems))
        return ReplyText(text, "llm", guard)

    def system_prompt(self) -> str:
        return self.prompts.render("system.j2", catalog_name=self.catalog_name, canary=self.canary)

    def check_text(self, request: TurnRequest, text: str) -> GuardReport:
        """The guard on text written before any tool ran (only the conversation's titles are allowed)."""
        return self._guard(request, text, [], [])

    def _guard(
        self, request: TurnRequest, text: str, outcomes: Sequence[ToolOutcome], items: list[ItemView]
    ) -> GuardReport:
        titles: set[str] = set()
        years: set[int] = {int(y) for y in _YEAR.findall(request.text)}
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

    # ---- templates ---------------------------------------------------------------------------
    def template_text(
        self,
        request: TurnRequest,
        intent: str,
        decision: Decision,
        outcomes: Sequence[ToolOutcome],
        items: list[ItemView],
    ) -> str:
        ok = [o for o in outcomes if o.ok and o.result is not None]
        errors = [o.error for o in outcomes if o.error]
        if outcomes and not ok:
            return self.prompts.template_reply("error", errors=errors)
        last = ok[-1] if ok else None
        if intent in ("recommend", "search"):
            args = next((o.arguments for o in reversed(ok) if o.name in ("recommend", "search_catalog")), {})
            likes = [self._label(request, like) for like in args.get("likes") or []]
            return self.prompts.template_reply(
                intent, items=items, likes=[like for like in likes if like], constraints=_constraints(args)
            )
        if intent == "similar":
            args = next((o.arguments for o in reversed(ok) if o.name == "similar_items"), {})
            anchor = self._label(request, str(args.get("item", ""))) or "that film"
            return self.prompts.template_reply("similar", items=items, anchor=anchor)
        if intent == "item_question":
            detail = next((o for o in reversed(ok) if o.name == "item_details" and o.result and o.result.items), None)
            item = detail.result.items[0].item if detail and detail.result else None
            return self.prompts.template_reply(
                "item_question", item=item, question=decision.question or "plot", suggestions=[]
            )
        if intent == "profile" and last is not None and last.result is not None:
            summary = last.result.data.get("summary") or last.result.summary
            return self.prompts.template_reply("profile", summary=summary)
        if intent == "feedback":
            feedback = [
                {"signal": o.arguments.get("signal", "seen"), "label": o.result.items[0].item.label}
                for o in ok
                if o.name == "record_feedback" and o.result is not None and o.result.items
            ]
            return self.prompts.template_reply("feedback", feedback=feedback, items=items)
        if intent == "keywords" and last is not None and last.result is not None:
            phrases = [k["phrase"] if isinstance(k, dict) else str(k) for k in last.result.data.get("keywords", [])]
            subject = self._label(request, str(last.arguments.get("item") or "")) if last.arguments.get("item") else ""
            return self.prompts.template_reply("keywords", keywords=phrases, subject=subject)
        if intent == "marketing_copy" and last is not None and last.result is not None:
            return self.prompts.template_reply("marketing_copy", copy=last.result.data.get("text", ""))
        if intent == "audience" and last is not None and last.result is not None:
            return self.prompts.template_reply("audience", summary=last.result.summary)
        if intent in ("help", "smalltalk", "out_of_scope"):
            return self.prompts.template_reply(intent)
        if items:
            return self.prompts.template_reply("search", items=items, constraints="")
        return self.prompts.template_reply("help")

    @staticmethod
    def _label(request: TurnRequest, ref: str) -> str:
        if not ref:
            return ""
        try:
            return request.ctx.titles.resolve(ref).label
        except ToolInputError:
            return ""
