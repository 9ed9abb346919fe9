"""The router planner: intent from sentence embeddings + slot cues, and the tool calls to make, without an LLM.

Placeholder convention: an argument whose value is TOP_ITEM ("$top") stands for the id of the first item
returned by the latest earlier call of the same decision that returned items (the loop resolves it), e.g.
"write a push notification recommending something to me" -> recommend(k=1), write_copy(item="$top", ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.agent.decision import ACKNOWLEDGED, Decision, DialogueState, PlannedCall
from bot.agent.router.catalog_words import CatalogWords
from bot.agent.router.chat_turns import (
    asks_about_named,
    asks_about_unnamed,
    asks_open,
    asks_own_profile,
    chat_reading,
    compared,
    is_acknowledgement,
    is_remark,
    shown_questions,
    states_taste,
)
from bot.agent.router.facet_slots import FacetSpotter, people_question_cues
from bot.agent.router.feedback_turns import feedback_decision
from bot.agent.router.followups import (
    RULE_CONFIDENCE,
    clamp_years,
    filter_arguments,
    followup_decision,
    like_call,
    like_shown,
    referenced_item,
    relative_years,
)
from bot.agent.router.intents import IntentClassifier
from bot.agent.router.item_tasks import copy_decision, task_decision
from bot.agent.router.phrases import LEXICON_DIR, REQUEST_PHRASES, Lexicon, Token, clean, tokenize
from bot.agent.router.query_text import described_search, description, residual
from bot.agent.router.slots import Slots, extract
from bot.agent.router.targets import slot_view, target_of
from bot.agent.router.title_spotter import (
    TitleHit,
    TitleSpotter,
    items_of,
    title_of,
    titled_tokens,
    unnamed_bracketed,
    whole_title,
)
from store.catalog import CatalogStore
from store.catalog_profile import CatalogProfile, shipped_profile
from store.embedder import Embedder
from store.items import CatalogItem
from tools.names import Intent, ToolName
from tools.registry import ToolRegistry, default_tools

MIN_INTENT_SCORE = 0.3
FOREIGN_SHARE = 0.5
_TASTE_READINGS = ("profile", "smalltalk", "similar", "feedback")  # intents a stated taste overrides
DEFAULT_PROFILE = "film"  # the profile of a router built from items alone (the demo's)


class Router:
    """Deterministic planner for models that cannot choose tools: route(text, state) -> Decision."""

    def __init__(
        self,
        embedder: Embedder,
        titles: Any,
        lexicon_dir: Path | None = None,
        *,
        items: Sequence[CatalogItem] | None = None,
        tools: ToolRegistry | None = None,
        store: CatalogStore | None = None,
        profile: CatalogProfile | None = None,
    ) -> None:
        """store: the catalog (its items, profile, categories and facet values); else items (or titles.items)
        with `profile` (the film demo's by default) and no facets."""
        folder = lexicon_dir or LEXICON_DIR
        catalog = store.items() if store is not None else list(items) if items is not None else items_of(titles)
        profile = store.profile if store is not None else profile or shipped_profile(DEFAULT_PROFILE)
        self.titles = titles
        self.tools = tools or default_tools()
        self.words = CatalogWords(profile, folder)
        categories = sorted({g for item in catalog for g in item.genres})
        additions = {**self.words.additions(), **people_question_cues(profile, folder)}
        self.lexicon = Lexicon(folder, categories=categories, additions=additions)
        self.classifier = IntentClassifier(embedder, folder / "intents.yaml", self.words.adapt_example)
        facet_index = store.facets if store is not None else None
        self.facets = FacetSpotter(profile, facet_index, self.lexicon, self.words.own.words)
        self.spotter = TitleSpotter(catalog, self.lexicon)
        years = [i.year for i in catalog if i.year]
        self.year_bounds = (min(years, default=1900), max(years, default=2030))

    def _call(self, tool: ToolName, arguments: dict[str, Any]) -> PlannedCall:
        """A call of tool with only the arguments it takes (no None, no empty values)."""
        return PlannedCall(tool, self.tools.clean_arguments(tool, arguments))

    # ---- public --------------------------------------------------------------------------------
    def route(self, text: str, state: DialogueState, *, glossed: bool = False) -> Decision:
        """Classify one message and plan its calls. Never raises on odd text (empty, huge, emoji, HTML).
        glossed: the text is another language's message in English words (no foreign-language refusal)."""
        cleaned = clean(text if isinstance(text, str) else "")
        tokens = tokenize(cleaned)
        words = [t for t in tokens if not t.is_break]
        if not words:
            return Decision(Intent.SMALLTALK, 0.1, slots={"empty": True})
        facets = self.facets.find(cleaned, tokens)
        # "books by Stephen King": a facet value is not a title ("King")
        hits = [h for h in self.spotter.spot(cleaned, tokens) if not facets.spans.intersection(range(h.start, h.end))]
        slots = extract(cleaned, tokens, self.lexicon, self.year_bounds, titled_tokens(tokens, hits))
        slots.facets, slots.min_values, slots.max_values = facets.values, facets.min_values, facets.max_values
        slots.unmet = facets.unmet
        slots.consumed.update(facets.spans)
        other_script = sum(1 for t in words if not t.norm.isascii()) / len(words)
        foreign = sum(m.end - m.start for m in slots.cues.get("foreign_words", [])) / len(words)
        if (other_script > FOREIGN_SHARE or foreign >= self.lexicon.foreign_share) and not hits and not glossed:
            return Decision(Intent.OUT_OF_SCOPE, 0.2, slots={"language": "unknown"})
        scores = self._scores(cleaned, slots)
        decision = self._decide(cleaned, tokens, slots, hits, scores, state)
        decision.slots.update(slot_view(slots, hits))
        # "older than Metropolis (1927)": every planned year inside the catalog's years
        decision.calls = [PlannedCall(c.tool, clamp_years(c.arguments, self.year_bounds)) for c in decision.calls]
        return decision

    def named_items(self, text: str) -> list[str]:
        """The catalog items the text names, as ids, in order (the title spotter's hits; once each)."""
        cleaned = clean(text if isinstance(text, str) else "")
        hits = self.spotter.spot(cleaned, tokenize(cleaned))
        return list(dict.fromkeys(h.item.item_id for h in hits if h.item is not None))

    # ---- scoring -------------------------------------------------------------------------------
    def _scores(self, cleaned: str, slots: Slots) -> dict[str, float]:
        scores = self.classifier.scores(self.classifier.embed(cleaned))
        for match in slots.cues.get("intent", []):
            scores[str(match.value)] = scores.get(str(match.value), 0.0) + self.lexicon.intent_cue_boost
        return scores

    # ---- decisions -----------------------------------------------------------------------------
    def _decide(
        self,
        cleaned: str,
        tokens: list[Token],
        slots: Slots,
        hits: list[TitleHit],
        scores: dict[str, float],
        state: DialogueState,
    ) -> Decision:
        named = whole_title(tokens, hits)
        if named is not None:  # a message that is just a title asks for that item: a title search shows it first
            call = self._call(ToolName.SEARCH_CATALOG, {"query": title_of(named), "k": slots.k})
            return Decision(Intent.SEARCH, RULE_CONFIDENCE, [call])
        if is_acknowledgement(cleaned, slots, hits):  # "sounds good, I'll check them out": chat, no list re-run
            return Decision(Intent.SMALLTALK, RULE_CONFIDENCE, slots={ACKNOWLEDGED: True})
        top = max(scores, key=lambda k: scores[k])
        if top in ("smalltalk", "out_of_scope", "feedback", "help") and any(slots.has(c) for c in REQUEST_PHRASES):
            # "I have not seen that one. Any other ideas?": the request, not the chat around it
            top, scores["recommend"] = "recommend", max(scores["recommend"], MIN_INTENT_SCORE)
        in_catalog = self.words.names_items(tokens) or slots.has_facets
        # "a fantasy novel with dragons" (books), "mugs under 20 euros" (a shop): the catalog's nouns and facets
        if top == "out_of_scope" and in_catalog:
            top = max(("recommend", "search"), key=lambda k: scores[k])
        # "can you book me a table for two?": the catalog's noun as a verb, and nothing else about the catalog
        elif self.words.noun_as_verb(tokens) and not (in_catalog or hits or slots.has_filters or slots.feedback):
            top = "out_of_scope"
        if hits and top == "profile":
            top = max((k for k in scores if k != "profile"), key=lambda k: scores[k])
        elif top in _TASTE_READINGS and states_taste(cleaned, slots, in_catalog, tokens):
            top = "recommend"  # "I like action movies", "i like old movies too": a taste, answered with picks
        elif top == "profile" and slots.has_facets and not asks_own_profile(slots):
            top = "recommend"  # "Stephen King books": a request with a facet, not a question about the profile
        chatting = chat_reading(cleaned, top, slots, hits, RULE_CONFIDENCE)  # "What kind of movies are you into?"
        if chatting is not None:
            return chatting
        if asks_about_named(cleaned, slots, hits):  # "have you seen X?": about X, no feedback
            return self._question(cleaned, tokens, slots, hits, state)
        unknown = unnamed_bracketed(tokens, hits)  # "Spider-Man: Homecoming (2017)", not in the catalog
        feedback = feedback_decision(
            cleaned, slots, hits, state, tools=self.tools, bounds=self.year_bounds, unknown_title=unknown
        )
        if feedback is not None:
            return feedback
        if asks_open(slots, hits):  # "I'm open to any suggestion"
            slots.consumed.update(i for m in slots.cues["open_request"] for i in range(m.start, m.end))
            return self._list("recommend", tokens, slots, hits, RULE_CONFIDENCE)
        if slots.channel and (hits or slots.has("copy_action") or top == "marketing_copy"):
            return copy_decision(self.tools, self.spotter, cleaned, tokens, slots, hits, state)
        side_by_side = compared(slots, hits, state, RULE_CONFIDENCE)  # "is it like Cabin Fever (2000)?"
        if side_by_side is not None:
            return side_by_side
        shown = shown_questions(cleaned, slots, hits, state, RULE_CONFIDENCE)  # "What are those about?"
        if shown is not None and top not in ("keywords", "audience"):
            return shown
        described = described_search(slots, [h.start for h in hits])
        shown_one = "?" in cleaned and referenced_item(slots, state, pronoun=True) is not None  # "is it any good?"
        pointed = slots.ordinal is not None or shown_one
        asked = slots.question and (hits or pointed) and top not in ("keywords", "audience")
        if asked and not described:
            return self._question(cleaned, tokens, slots, hits, state)
        if slots.question and not described and asks_about_unnamed(cleaned, slots, hits, state):
            return Decision(Intent.ITEM_QUESTION, 0.5, question=slots.question)  # "is it interesting?": which one?
        if slots.has("explain") and not hits:  # "why do you keep recommending dramas?": the profile says why
            top = "profile"
        explained = top == "profile" and slots.has("explain")
        followup = None if explained else followup_decision(self.tools, slots, hits, state, self.year_bounds)
        if followup is not None:
            return followup
        if top in ("keywords", "audience", "profile"):
            return task_decision(top, self.spotter, cleaned, tokens, slots, hits, state, scores[top])
        similar = None if described else self._similar(cleaned, tokens, slots, hits, state, top)
        if similar is not None:
            return similar
        if top == "item_question" and not described:
            decision = self._question(cleaned, tokens, slots, hits, state)
            if decision.calls:
                return decision
        if described:
            hits.clear()
        if scores[top] < MIN_INTENT_SCORE and not slots.has_filters:  # nothing placed: chat, or outside the catalog
            chat = top in ("smalltalk", "help") or is_remark(slots)  # "Yeah, me too.", "Still good though."
            return Decision(Intent.SMALLTALK if chat else Intent.OUT_OF_SCOPE, max(0.0, scores[top]))
        if top == "similar" and slots.has("request"):
            # "movies with Jim Carrey", "something by Quentin Tarantino": nothing named to be similar to or to ask
            # about, but a request for items all the same (a list, not the greeting)
            top = max(("recommend", "search"), key=lambda k: scores[k])
        if top in ("recommend", "search") or ((slots.genres or slots.has_facets) and top != "out_of_scope"):
            return self._list(top, tokens, slots, hits, min(1.0, max(scores[top], 0.5)))
        confidence = max(0.0, min(1.0, scores[top]))
        return Decision(Intent(top) if top in ("help", "smalltalk", "out_of_scope") else Intent.SMALLTALK, confidence)

    def _question(
        self, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState
    ) -> Decision:
        item = target_of(self.spotter, cleaned, tokens, slots, hits, state)
        if item is None:
            return Decision(Intent.ITEM_QUESTION, 0.5, question=slots.question)
        call = PlannedCall(ToolName.ITEM_DETAILS, {"item": item})
        return Decision(Intent.ITEM_QUESTION, RULE_CONFIDENCE, [call], question=slots.question or "plot")

    def _similar(
        self, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState, top: str
    ) -> Decision | None:
        cue_ends = {m.end for m in slots.cues.get("similar", [])}
        named = [h for h in hits if h.start in cue_ends or h.start - 1 in cue_ends]
        anchors = [h for h in hits if h.item is not None and h.start >= (named[0].start if named else 0)]
        years = [h.item.year for h in anchors if h.item is not None and h.item.year]
        if named and len(anchors) > 1:  # "something like Memento (2000) or Black Mass (2015)": like all of them
            likes = [title_of(h) for h in anchors]
            arguments = {"likes": likes, "exclude_ids": list(state.shown_ids), **filter_arguments(slots, years)}
            return Decision(Intent.SIMILAR, RULE_CONFIDENCE, [self._call(ToolName.RECOMMEND, arguments)])
        if named:
            return like_call(self.tools, title_of(named[0]), slots, years)
        if not cue_ends and top != "similar":
            return None
        plural = slots.has("plural_ref")
        # "books by Agatha Christie" after a list: a new request with that constraint, whatever the intent model says
        if not (cue_ends or plural or slots.ordinal is not None) and slots.has_filters:
            return None
        # the intent model's "similar" with nothing named and a subject of its own ("something by Quentin Tarantino")
        # is a new request, not "more like those" nor "like the one item shown"
        pointed = cue_ends or plural or hits or slots.ordinal is not None or slots.has("singular_ref")
        if not pointed and residual(tokens, slots, self.lexicon, set(), keep_genres=False):
            return None
        ref = referenced_item(slots, state, pronoun=False)
        listed = [i for i in state.last_items if i.item_id not in state.withdrawn]
        if ref is None and len(state.last_items) == 1 and listed and not plural:
            ref = listed[0]
        if ref is not None:
            return like_call(self.tools, ref.item_id, slots, [ref.year] if ref.year else [])
        more_like = like_shown(state, slots) if plural or (top == "similar" and state.last_items and not hits) else None
        if more_like is not None:
            return Decision(Intent.SIMILAR, RULE_CONFIDENCE, [self._call(ToolName.RECOMMEND, more_like)])
        if top == "similar" or hits:
            target = target_of(self.spotter, cleaned, tokens, slots, hits, state)
            if target is not None:
                return like_call(self.tools, target, slots)
        return None

    def _list(self, top: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], confidence: float) -> Decision:
        skip = {i for h in hits for i in range(h.start, h.end)}
        query = residual(tokens, slots, self.lexicon, skip, keep_genres=False)
        arguments: dict[str, Any] = {
            "genres": slots.genres,
            "exclude_genres": slots.exclude_genres,
            "year_from": slots.year_from,
            "year_to": slots.year_to,
            "k": slots.k,
            **slots.facet_arguments(),
            **relative_years(slots, [h.item.year for h in hits if h.item is not None and h.item.year]),
        }
        described = description(tokens, slots, self.lexicon.stopwords)
        if described or (top == "search" and query):
            arguments.update(query=described or query, min_rating=slots.min_rating)
            return Decision(Intent.SEARCH, confidence, [self._call(ToolName.SEARCH_CATALOG, arguments)])
        likes = [title_of(h) for h in hits if h.item]
        arguments.update(query=query, likes=likes)
        return Decision(Intent.RECOMMEND, confidence, [self._call(ToolName.RECOMMEND, arguments)])
