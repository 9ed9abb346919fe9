"""Template replies: one renderer per intent, each filling prompts/templates/<intent>.j2 from the turn's tool results.

The table `RENDERERS` has an entry for every `Intent` (a test holds it to that); a template reply never needs the
LLM and states only what the tool results say.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.agent.decision import ABOUT_RECOMMENDER, ACKNOWLEDGED, Decision
from bot.agent.events import ItemView
from bot.agent.toolbox import ToolOutcome
from prompts import Prompts
from prompts.locale import Locale, source_locale
from store.catalog_profile import CatalogProfile
from store.items import CatalogItem
from tools.context import ToolContext
from tools.facets import FACET_FILTERS
from tools.localized import category_list, localized_profile
from tools.names import Intent, ToolName
from tools.results import ToolInputError

MAX_SUGGESTIONS = 3  # what the error reply offers instead ("did you mean …")


@dataclass(frozen=True, slots=True)
class ReplyFacts:
    """What a template may use: the turn's context, decision, successful tool outcomes and the items shown."""

    ctx: ToolContext
    decision: Decision
    ok: Sequence[ToolOutcome]
    items: list[ItemView]

    def last_call(self, *names: ToolName) -> ToolOutcome | None:
        """The latest successful call of one of these tools (of any tool when none is named)."""
        return next((o for o in reversed(self.ok) if not names or o.name in names), None)

    @property
    def words(self) -> Locale:
        """The turn's reply language."""
        return self.ctx.locale

    @property
    def profile(self) -> CatalogProfile:
        """The catalog's profile in the reply's language: every template gets it (the item noun, category label,
        summary name)."""
        return localized_profile(self.ctx.catalog.profile, self.words)

    def label(self, ref: str) -> str:
        """The catalog label ("Title (year)") of an item reference, or "" when it names no item."""
        if not ref:
            return ""
        try:
            return self.ctx.titles.resolve(ref).label
        except ToolInputError:
            return ""


def constraints_text(arguments: dict[str, Any], facet_filters: Sequence[str] = (), words: Locale | None = None) -> str:
    """The filters of a list call, for the reply: "Comedy; no Romance; 1990–1999; rated 4+; by Stephen King"
    (facet_filters: the tool's facet filters in words, its result's data[FACET_FILTERS]), in the locale's words."""
    words = words or source_locale()
    parts: list[str] = []
    if arguments.get("genres"):
        parts.append(category_list(words, arguments["genres"]))
    if arguments.get("exclude_genres"):
        excluded = [words.category_name(g) for g in arguments["exclude_genres"]]
        parts.append(words.phrase("list_sep").join(words.phrase("exclude", name=g, names=g) for g in excluded))
    year_from, year_to = arguments.get("year_from"), arguments.get("year_to")
    if year_from and year_to:
        parts.append(words.phrase("years", start=year_from, end=year_to))
    elif year_from:
        parts.append(words.phrase("year_from", year=year_from))
    elif year_to:
        parts.append(words.phrase("year_to", year=year_to))
    if arguments.get("min_rating"):
        parts.append(words.phrase("min_rating", rating=arguments["min_rating"]))
    parts.extend(str(text) for text in facet_filters)
    return words.phrase("constraint_sep").join(parts)


Renderer = Callable[[Prompts, Intent, ReplyFacts], str]


def _list(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    call = facts.last_call(ToolName.RECOMMEND, ToolName.RECOMMEND_TITLES, ToolName.SEARCH_CATALOG)
    args = call.arguments if call is not None else {}
    likes = [facts.label(like) for like in args.get("likes") or []]
    facet_filters = (call.result.data.get(FACET_FILTERS) or []) if call is not None and call.result else []
    constraints = constraints_text(args, facet_filters, facts.words)
    return prompts.template_reply(
        intent,
        profile=facts.profile,
        items=facts.items,
        likes=[like for like in likes if like],
        constraints=constraints,
    )


def _similar(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    """Like one item (similar_items) or like several ("more like those": recommend with the shown items as likes)."""
    call = facts.last_call(ToolName.SIMILAR_ITEMS, ToolName.RECOMMEND)
    refs: list[Any] = []
    constraints = ""
    if call is not None:
        similar = call.name == ToolName.SIMILAR_ITEMS
        refs = [call.arguments.get("item")] if similar else list(call.arguments.get("likes") or [])
        facet_filters = (call.result.data.get(FACET_FILTERS) or []) if call.result else []
        constraints = constraints_text(call.arguments, facet_filters, facts.words)
    labels = [label for label in (facts.label(str(ref or "")) for ref in refs) if label]
    anchor = facts.words.join(labels)
    return prompts.template_reply(
        intent, profile=facts.profile, items=facts.items, anchor=anchor, constraints=constraints
    )


def _item_question(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    """The answer about each item asked about ("What are those about?" asks about every item shown), in order."""
    asked: dict[str, CatalogItem] = {}
    for outcome in facts.ok:
        if outcome.name == ToolName.ITEM_DETAILS and outcome.result is not None and outcome.result.items:
            detail = outcome.result.items[0].item
            asked.setdefault(detail.item_id, detail)
    people_facet = facts.profile.people_facet()
    question = facts.decision.question or "plot"
    answers = []
    shown: list[CatalogItem | None] = list(asked.values()) or [None]  # None: the "not found" answer
    for item in shown:
        people = list(people_facet.values_of(item)) if item is not None and people_facet is not None else []
        answers.append(
            prompts.template_reply(
                intent,
                profile=facts.profile,
                item=item,
                question=question,
                people=people,
                suggestions=[],
                unnamed=not facts.decision.calls,  # "is it interesting?" with nothing shown: which one?
            )
        )
    noted = _noted(facts)  # "Is that a great one? ... I have seen American Pie": the feedback said first
    if noted:
        answers.insert(0, prompts.template_reply(Intent.FEEDBACK, profile=facts.profile, feedback=noted, items=[]))
    return "\n\n".join(a.strip() for a in answers)


def _profile(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    call = facts.last_call()
    if call is None or call.result is None:
        return _no_result(prompts, facts)
    summary = call.result.data.get("summary") or call.result.summary
    return prompts.template_reply(intent, profile=facts.profile, summary=summary, taste=call.result.data)


def taste_summary(prompts: Prompts, profile: CatalogProfile, words: Locale, taste: dict[str, Any]) -> str:
    """The profile tool's data as the profile reply says it, in that language (the UI's and the API's summary)."""
    localized = localized_profile(profile, words)
    summary = str(taste.get("summary") or "")
    return prompts.localized(words).template_reply(Intent.PROFILE, profile=localized, summary=summary, taste=taste)


def _noted(facts: ReplyFacts) -> list[dict[str, str]]:
    """The feedback recorded this turn: its signal and the item's label."""
    return [
        {"signal": o.arguments.get("signal", "seen"), "label": o.result.items[0].item.label}
        for o in facts.ok
        if o.name == ToolName.RECORD_FEEDBACK and o.result is not None and o.result.items
    ]


def _feedback(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    return prompts.template_reply(intent, profile=facts.profile, feedback=_noted(facts), items=facts.items)


def _keywords(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    call = facts.last_call()
    if call is None or call.result is None:
        return _no_result(prompts, facts)
    phrases = [k["phrase"] if isinstance(k, dict) else str(k) for k in call.result.data.get("keywords", [])]
    subject = facts.label(str(call.arguments.get("item") or ""))
    return prompts.template_reply(intent, profile=facts.profile, keywords=phrases, subject=subject)


def _marketing_copy(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    call = facts.last_call()
    if call is None or call.result is None:
        return _no_result(prompts, facts)
    return prompts.template_reply(intent, profile=facts.profile, copy=call.result.data.get("text", ""))


def _audience(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    call = facts.last_call()
    if call is None or call.result is None:
        return _no_result(prompts, facts)
    return prompts.template_reply(intent, profile=facts.profile, summary=call.result.summary, data=call.result.data)


def _fixed(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    """help, small talk, out of scope: fixed texts in the catalog's words (its noun and example requests)."""
    return prompts.template_reply(intent, profile=facts.profile)


def _smalltalk(prompts: Prompts, intent: Intent, facts: ReplyFacts) -> str:
    """Small talk: a greeting, or, to thanks and goodbyes ("thanks, bye!"), a reply to them, or to a question about
    the recommender's own taste, what it is."""
    acknowledged = bool(facts.decision.slots.get(ACKNOWLEDGED))
    about_recommender = bool(facts.decision.slots.get(ABOUT_RECOMMENDER))  # "What kind of movies are you into?"
    return prompts.template_reply(
        intent, profile=facts.profile, acknowledged=acknowledged, about_recommender=about_recommender
    )


def _no_result(prompts: Prompts, facts: ReplyFacts) -> str:
    """An intent whose tool gave nothing to say: the items, if any, else help."""
    if facts.items:
        return prompts.template_reply(Intent.SEARCH, profile=facts.profile, items=facts.items, constraints="")
    return prompts.template_reply(Intent.HELP, profile=facts.profile)


LIST_INTENTS = frozenset({Intent.RECOMMEND, Intent.SEARCH, Intent.SIMILAR})  # replies that show a list
RENDERERS: dict[Intent, Renderer] = {
    Intent.RECOMMEND: _list,
    Intent.SEARCH: _list,
    Intent.SIMILAR: _similar,
    Intent.ITEM_QUESTION: _item_question,
    Intent.PROFILE: _profile,
    Intent.FEEDBACK: _feedback,
    Intent.KEYWORDS: _keywords,
    Intent.MARKETING_COPY: _marketing_copy,
    Intent.AUDIENCE: _audience,
    Intent.HELP: _fixed,
    Intent.SMALLTALK: _smalltalk,
    Intent.OUT_OF_SCOPE: _fixed,
}


def render_template_reply(
    prompts: Prompts,
    ctx: ToolContext,
    intent: Intent,
    decision: Decision,
    outcomes: Sequence[ToolOutcome],
    items: list[ItemView],
) -> str:
    """The template reply of a turn: the error template when every tool call failed, else the intent's."""
    prompts = prompts.localized(ctx.locale)
    ok = [o for o in outcomes if o.ok and o.result is not None]
    if outcomes and not ok:
        errors = [o.error for o in outcomes if o.error]
        suggestions = list(dict.fromkeys(s for o in outcomes for s in o.suggestions))[:MAX_SUGGESTIONS]
        profile = localized_profile(ctx.catalog.profile, ctx.locale)
        return prompts.template_reply("error", profile=profile, errors=errors, suggestions=suggestions)
    reply = RENDERERS[intent](prompts, intent, ReplyFacts(ctx, decision, ok, items))
    unmet = (decision.slots.get("unmet") or []) if intent in LIST_INTENTS else []
    # "Stephen King books under 400 pages" without page counts: said, not silently dropped
    return " ".join([reply, *(ctx.locale.phrase("unmet", phrase=phrase) for phrase in unmet)])
