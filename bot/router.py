"""The router planner: intent from sentence embeddings + slot cues, and the tool calls to make, without an LLM.

Placeholder convention: an argument whose value is TOP_ITEM ("$top") stands for the id of the first item
returned by the latest earlier call of the same decision that returned items (the loop resolves it), e.g.
"write a push notification recommending something to me" -> recommend(k=1), write_copy(item="$top", ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.followups import clean_args, referenced_item, rerun
from bot.intents import IntentClassifier
from bot.phrases import LEXICON_DIR, Lexicon, Token, clean, tokenize
from bot.plan import Decision, DialogueState, PlannedCall
from bot.slots import Slots, described_search, description, extract, free_text, residual
from bot.title_spotter import TitleHit, TitleSpotter, title_of
from store.embedder import Embedder
from store.items import CatalogItem

TOP_ITEM = "$top"
RULE_CONFIDENCE = 0.9
MIN_INTENT_SCORE = 0.3
FOREIGN_SHARE = 0.5


def _catalog_items(titles: Any) -> list[CatalogItem]:
    items = getattr(titles, "items", None)
    items = items() if callable(items) else items
    if items is None:
        raise TypeError("Router needs the catalog items: pass items=... or a TitleIndex with an .items attribute")
    return list(items)


class Router:
    """Deterministic planner for models that cannot choose tools: route(text, state) -> Decision."""

    def __init__(
        self,
        embedder: Embedder,
        titles: Any,
        lexicon_dir: Path | None = None,
        *,
        items: Sequence[CatalogItem] | None = None,
    ) -> None:
        folder = lexicon_dir or LEXICON_DIR
        catalog = list(items) if items is not None else _catalog_items(titles)
        self.titles = titles
        self.lexicon = Lexicon(folder)
        self.classifier = IntentClassifier(embedder, folder / "intents.yaml")
        self.spotter = TitleSpotter(catalog, self.lexicon)
        years = [i.year for i in catalog if i.year]
        self.year_bounds = (min(years, default=1900), max(years, default=2030))

    # ---- public --------------------------------------------------------------------------------
    def route(self, text: str, state: DialogueState) -> Decision:
        """Classify one message and plan its calls. Never raises on odd text (empty, huge, emoji, HTML)."""
        cleaned = clean(text if isinstance(text, str) else "")
        tokens = tokenize(cleaned)
        words = [t for t in tokens if not t.is_break]
        if not words:
            return Decision("smalltalk", 0.1, slots={"empty": True})
        slots = extract(cleaned, tokens, self.lexicon, self.year_bounds)
        hits = self.spotter.spot(cleaned, tokens)
        other_script = sum(1 for t in words if not t.norm.isascii()) / len(words)
        foreign = sum(m.end - m.start for m in slots.cues.get("foreign_words", [])) / len(words)
        if (other_script > FOREIGN_SHARE or foreign >= self.lexicon.foreign_share) and not hits:
            return Decision("out_of_scope", 0.2, slots={"language": "unknown"})
        scores = self._scores(cleaned, slots)
        decision = self._decide(cleaned, tokens, slots, hits, scores, state)
        decision.slots.update(self._slot_view(slots, hits))
        return decision

    # ---- scoring -------------------------------------------------------------------------------
    def _scores(self, cleaned: str, slots: Slots) -> dict[str, float]:
        scores = self.classifier.scores(self.classifier.embed(cleaned))
        for match in slots.cues.get("intent", []):
            scores[str(match.value)] = scores.get(str(match.value), 0.0) + self.lexicon.intent_cue_boost
        return scores

    @staticmethod
    def _slot_view(slots: Slots, hits: list[TitleHit]) -> dict[str, Any]:
        view: dict[str, Any] = {
            "titles": [title_of(h) for h in hits],
            "genres": slots.genres,
            "exclude_genres": slots.exclude_genres,
            "year_from": slots.year_from,
            "year_to": slots.year_to,
            "k": slots.k,
            "min_rating": slots.min_rating,
            "channel": slots.channel,
            "tone": slots.tone,
            "audience": slots.audience,
            "ordinal": slots.ordinal,
        }
        return {k: v for k, v in view.items() if v not in (None, [])}

    # ---- titles --------------------------------------------------------------------------------
    def _fuzzy_title(self, cleaned: str, tokens: list[Token], slots: Slots) -> TitleHit | None:
        """A misspelt or unknown title right after a title cue ("tell me about pulp fcition")."""
        starts: list[int] = []
        for name in ("similar", "title_span_start"):
            starts.extend(m.end for m in slots.cues.get(name, []))
        starts.extend(m.end for m in slots.feedback)
        starts.extend(m.end for m in slots.cues.get("question", []))
        best: TitleHit | None = None
        for start in sorted(set(starts))[:4]:
            hit = self.spotter.span_after(cleaned, tokens, start)
            if hit is not None and (best is None or hit.score > best.score):
                best = hit
        return best

    def _target(
        self, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState
    ) -> str | None:
        """The one item a message is about: a named title, a listed item it points at, or a fuzzy/raw title."""
        if hits:
            return title_of(hits[0])
        ref = referenced_item(slots, state, pronoun=True)
        if ref is not None:
            return ref.item_id
        fuzzy = self._fuzzy_title(cleaned, tokens, slots)
        if fuzzy is not None:
            hits.append(fuzzy)
            return title_of(fuzzy)
        return None

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
        top = max(scores, key=lambda k: scores[k])
        if hits and top == "profile":
            top = max((k for k in scores if k != "profile"), key=lambda k: scores[k])
        feedback = self._feedback(slots, hits, state)
        if feedback is not None:
            return feedback
        if slots.channel and (hits or slots.has("copy_action") or top == "marketing_copy"):
            return self._copy(cleaned, tokens, slots, hits, state)
        described = described_search(slots, [h.start for h in hits])
        asked = slots.question and (hits or slots.ordinal is not None) and top not in ("keywords", "audience")
        if asked and not described:
            return self._question(cleaned, tokens, slots, hits, state)
        followup = self._followup(slots, hits, state)
        if followup is not None:
            return followup
        if top in ("keywords", "audience", "profile"):
            return self._simple(top, cleaned, tokens, slots, hits, state, scores[top])
        similar = None if described else self._similar(cleaned, tokens, slots, hits, state, top)
        if similar is not None:
            return similar
        if top == "item_question" and not described:
            decision = self._question(cleaned, tokens, slots, hits, state)
            if decision.calls:
                return decision
        if described:
            hits.clear()
        if scores[top] < MIN_INTENT_SCORE and not slots.has_filters:
            return Decision("smalltalk" if top in ("smalltalk", "help") else "out_of_scope", max(0.0, scores[top]))
        if top in ("recommend", "search") or (slots.genres and top != "out_of_scope"):
            return self._list(top, tokens, slots, hits, min(1.0, max(scores[top], 0.5)))
        confidence = max(0.0, min(1.0, scores[top]))
        return Decision(top if top in ("help", "smalltalk", "out_of_scope") else "smalltalk", confidence)

    def _question(
        self, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState
    ) -> Decision:
        item = self._target(cleaned, tokens, slots, hits, state)
        if item is None:
            return Decision("item_question", 0.5, question=slots.question)
        call = PlannedCall("item_details", {"item": item})
        return Decision("item_question", RULE_CONFIDENCE, [call], question=slots.question or "plot")

    def _feedback(self, slots: Slots, hits: list[TitleHit], state: DialogueState) -> Decision | None:
        if not slots.feedback:
            return None
        ref = referenced_item(slots, state, pronoun=True)
        targets = [title_of(h) for h in hits if h.item] or ([ref.item_id] if ref else [])
        if not targets:
            return None
        signal = str(slots.feedback[0].value)
        calls = [PlannedCall("record_feedback", {"item": t, "signal": signal}) for t in targets]
        if signal == "like" and hits and (slots.has("next_request") or not state.last_calls):
            # likes stated in chat are the user's taste: answer with recommendations at once (cold start)
            arguments: dict[str, Any] = {"genres": slots.genres, "exclude_genres": slots.exclude_genres}
            arguments.update(likes=targets, year_from=slots.year_from, year_to=slots.year_to, k=slots.k)
            calls.append(PlannedCall("recommend", clean_args("recommend", arguments)))
            return Decision("recommend", RULE_CONFIDENCE, calls)
        if ref is not None and signal in ("seen", "dislike", "like"):
            refresh = rerun(state, slots, bounds=self.year_bounds, exclude_shown=True, extra_excluded=[ref.item_id])
            calls.extend([refresh] if refresh else [])
        return Decision("feedback", RULE_CONFIDENCE, calls)

    def _copy(
        self, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState
    ) -> Decision:
        pointed = hits or slots.ordinal is not None or slots.has("singular_ref")
        item = self._target(cleaned, tokens, slots, hits, state) if pointed else None
        calls: list[PlannedCall] = []
        if item is None:
            calls.append(PlannedCall("recommend", clean_args("recommend", {"genres": slots.genres, "k": 1})))
            item = TOP_ITEM
        arguments = {"item": item, "channel": slots.channel, "tone": slots.tone, "audience": slots.audience}
        calls.append(PlannedCall("write_copy", {k: v for k, v in arguments.items() if v is not None}))
        return Decision("marketing_copy", RULE_CONFIDENCE, calls)

    def _simple(
        self,
        intent: str,
        cleaned: str,
        tokens: list[Token],
        slots: Slots,
        hits: list[TitleHit],
        state: DialogueState,
        score: float,
    ) -> Decision:
        confidence = max(0.0, min(1.0, score))
        if intent == "profile":
            return Decision("profile", confidence, [PlannedCall("user_profile", {})])
        text = free_text(cleaned, tokens, slots) if intent == "keywords" else None
        item = None if text else self._target(cleaned, tokens, slots, hits, state)
        if intent == "keywords":
            arguments = {"item": item} if item else {"text": text or cleaned}
            return Decision("keywords", confidence, [PlannedCall("extract_keywords", arguments)])
        calls = [PlannedCall("audience_for", {"item": item})] if item else []
        return Decision("audience", confidence, calls)

    def _similar(
        self, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState, top: str
    ) -> Decision | None:
        cue_ends = {m.end for m in slots.cues.get("similar", [])}
        named = [h for h in hits if h.start in cue_ends or h.start - 1 in cue_ends]
        if named:
            arguments: dict[str, Any] = {"item": title_of(named[0])}
            arguments.update({"k": slots.k} if slots.k else {})
            return Decision("similar", RULE_CONFIDENCE, [PlannedCall("similar_items", arguments)])
        if not cue_ends and top != "similar":
            return None
        ref = referenced_item(slots, state, pronoun=False)
        if ref is None and len(state.last_items) == 1 and not slots.has("plural_ref"):
            ref = state.last_items[0]
        if ref is not None:
            return Decision("similar", RULE_CONFIDENCE, [PlannedCall("similar_items", {"item": ref.item_id})])
        if slots.has("plural_ref") or (top == "similar" and state.last_items and not hits):
            likes = list(state.stated_likes) or [i.item_id for i in state.last_items[:3]]
            arguments = {"likes": likes, "exclude_ids": list(state.shown_ids), "genres": slots.genres}
            return Decision("similar", RULE_CONFIDENCE, [PlannedCall("recommend", clean_args("recommend", arguments))])
        if top == "similar" or hits:
            target = self._target(cleaned, tokens, slots, hits, state)
            if target is not None:
                return Decision("similar", RULE_CONFIDENCE, [PlannedCall("similar_items", {"item": target})])
        return None

    def _followup(self, slots: Slots, hits: list[TitleHit], state: DialogueState) -> Decision | None:
        if not state.last_calls or hits or slots.has("similar"):
            return None
        older, newer = slots.has("older"), slots.has("newer")
        more = slots.has("more")
        refine = slots.has_filters and (not slots.has("request") or slots.has("refine"))
        if not (more or older or newer or slots.comparative_genres or refine):
            return None
        call = rerun(
            state, slots, bounds=self.year_bounds, exclude_shown=more or older or newer, older=older, newer=newer
        )
        if call is None:
            return None
        intent = "search" if call.tool == "search_catalog" else "recommend"
        return Decision(intent, RULE_CONFIDENCE, [call])

    def _list(self, top: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], confidence: float) -> Decision:
        skip = {i for h in hits for i in range(h.start, h.end)}
        query = residual(tokens, slots, self.lexicon, skip, keep_genres=False)
        arguments: dict[str, Any] = {
            "genres": slots.genres,
            "exclude_genres": slots.exclude_genres,
            "year_from": slots.year_from,
            "year_to": slots.year_to,
            "k": slots.k,
        }
        described = description(tokens, slots)
        if described or (top == "search" and query):
            arguments.update(query=described or query, min_rating=slots.min_rating)
            return Decision(
                "search", confidence, [PlannedCall("search_catalog", clean_args("search_catalog", arguments))]
            )
        likes = [title_of(h) for h in hits if h.item]
        arguments.update(query=query, likes=likes)
        return Decision("recommend", confidence, [PlannedCall("recommend", clean_args("recommend", arguments))])
