"""Marketing copy for an item (tagline, push, social post, email), written by the LLM and checked by the guard.

The prompt (prompts/copy_<channel>.j2) gives the item's facts as delimited data and, as few-shot examples,
the real TMDB taglines of the most similar catalog items. A draft that fails tools.copy_guard, or an LLM
error / timeout / no LLM, gives way to a template (prompts/copy_fallback_<channel>.j2) filled from the item's
facts and keywords; the result says so (used_template, fallback_reason) and keeps the guard's problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.llm_base import ChatModel, LLMError, complete
from bot.prompts import Prompts
from store.items import CatalogItem
from tools.context import ToolContext
from tools.copy_guard import ChannelRule, Facts, GuardResult, check_copy, common_words, load_channel_rules, main_title
from tools.results import ToolInputError, ToolResult

if TYPE_CHECKING:
    from store.catalog import CatalogStore

Channel = Literal["tagline", "email", "push", "social"]
MAX_FREE_TEXT = 80
_LABEL = re.compile(r"^\s*(?:tagline|push(?: notification)?|social(?: media)?(?: post)?|post|copy)\s*:\s*", re.I)
_SAFE_FREE_TEXT = re.compile(r"^[\w ,.'&!-]*$")
_FAVOURITE_MIN_RATING = 4.0


def clean_data(text: str, limit: int) -> str:
    """Item text as prompt data: no angle brackets (cannot close the <item> block), one line, at most limit chars."""
    flat = " ".join(text.replace("<", "(").replace(">", ")").split())
    return flat if len(flat) <= limit else flat[: flat.rfind(" ", 0, limit)] + " ..."


def clean_draft(text: str, channel: str) -> str:
    """The model's answer as copy: no label, no wrapping quotes; one line except for email."""
    text = text.strip()
    if channel != "email":
        text = next((line for line in text.splitlines() if line.strip()), "")
    text = _LABEL.sub("", text).strip()
    if len(text) > 1 and text[0] in "\"'“" and text[-1] in "\"'”":
        text = text[1:-1].strip()
    return text


def genre_phrase(item: CatalogItem) -> str:
    """ "a crime thriller" style phrase from the item's genres."""
    genres = [g.lower() for g in item.genres if not g.startswith("(")]
    if not genres:
        return "a film"
    noun = genres[-1]
    adjective = genres[0] if len(genres) > 1 else ""
    phrase = f"{adjective} {noun}".strip()
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def hook(item: CatalogItem, limit: int = 220) -> str:
    """The overview's opening sentences that fit in limit characters (whole sentences only)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(item.overview.split()))
    out = ""
    for sentence in sentences:
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    return out


def similar_taglines(catalog: CatalogStore, item: CatalogItem, k: int = 3) -> list[dict[str, str]]:
    """Real taglines of the catalog items most similar to item (few-shot examples), best first."""
    vector = catalog.vectors([item.item_id])[0]
    hits = catalog.search(vector, exclude_ids=[item.item_id], k=300)  # only ~1/3 of items have a tagline
    examples = [
        {"item_id": hit.item_id, "title": main_title(hit.title), "tagline": clean_data(hit.tagline, 120)}
        for hit, _ in hits
        if hit.tagline and len(hit.tagline) <= 90 and (not item.genres or set(hit.genres) & set(item.genres))
    ]
    return examples[:k]


def favourites_for(ctx: ToolContext, item: CatalogItem, k: int = 2, user_id: str | None = None) -> list[str]:
    """Main titles of a user's favourites (liked or rated >= 4) closest to item: the "for fans of" angle.

    user_id defaults to the session's user (whose likes stated in this conversation count too).
    """
    liked: dict[str, float] = {item_id: 5.0 for item_id in ctx.stated_likes} if user_id is None else {}
    for event in ctx.history.events(user_id or ctx.user_id):
        if event.signal == "like" or (event.signal == "rating" and (event.rating or 0) >= _FAVOURITE_MIN_RATING):
            liked[event.item_id] = max(liked.get(event.item_id, 0.0), float(event.rating or 5.0))
    liked.pop(item.item_id, None)
    known = [i for i in liked if ctx.catalog.get(i) is not None]
    if not known:
        return []
    similarity = ctx.catalog.vectors(known) @ ctx.catalog.vectors([item.item_id])[0]
    ranked = sorted(zip(known, similarity, strict=True), key=lambda p: (-float(p[1]), -liked[p[0]], p[0]))
    titles = [main_title(found.title) for i, _ in ranked[:k] if (found := ctx.catalog.get(i)) is not None]
    return titles


def item_facts(item: CatalogItem, keywords: Sequence[str] = (), overview_limit: int = 600) -> dict[str, Any]:
    """The item's facts as prompt / template variables (cleaned, clipped)."""
    return {
        "title": main_title(item.title),
        "year": item.year,
        "genres": [g for g in item.genres if not g.startswith("(")],
        "overview": clean_data(item.overview, overview_limit),
        "keywords": [clean_data(k, 40) for k in keywords],
        "genre_phrase": genre_phrase(item),
        "hook": hook(item),
    }


@dataclass(slots=True)
class CopyOutcome:
    """One piece of copy and how it was made."""

    channel: str
    text: str
    used_template: bool
    guard: GuardResult
    few_shot: list[dict[str, str]]
    item_id: str
    model: str | None
    fallback_reason: str | None = None
    fans_of: list[str] = field(default_factory=list)
    template_problems: list[str] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "text": self.text,
            "used_template": self.used_template,
            "guard": self.guard.to_dict(),
            "few_shot": self.few_shot,
            "item_id": self.item_id,
            "model": self.model,
            "fallback_reason": self.fallback_reason,
            "fans_of": self.fans_of,
            "template_problems": self.template_problems,
        }


class CopyWriter:
    """Writes guarded copy; holds the prompts, channel rules and the catalog's common-word list (built once)."""

    def __init__(
        self, catalog: CatalogStore, llm: ChatModel | None, *, timeout_s: float, temperature: float = 0.3
    ) -> None:
        self.catalog = catalog
        self.llm = llm
        self.timeout_s = timeout_s
        self.temperature = temperature
        self.prompts = Prompts()
        self.rules: dict[str, ChannelRule] = load_channel_rules()
        self.common = common_words(i.overview for i in catalog.items())

    def write(
        self,
        item: CatalogItem,
        channel: str,
        *,
        keywords: Sequence[str] = (),
        fans_of: Sequence[str] = (),
        audience: str | None = None,
        tone: str | None = None,
    ) -> CopyOutcome:
        """LLM draft checked by the guard; the channel's template when the draft fails or the LLM does."""
        if channel not in self.rules:
            raise ToolInputError(f"unknown channel {channel!r}", suggestions=list(self.rules))
        facts = item_facts(item, keywords)
        few_shot = similar_taglines(self.catalog, item)
        variables = {
            "facts": facts,
            "few_shot": few_shot,
            "fans_of": list(fans_of),
            "audience": audience,
            "tone": tone,
            "rule": self.rules[channel],
        }
        grounding = Facts.from_item(item, [*fans_of, *keywords, audience or ""], self.common)
        outcome = CopyOutcome(channel, "", False, GuardResult(), few_shot, item.item_id, None, fans_of=list(fans_of))
        draft, reason = self._draft(channel, variables)
        if draft is not None:
            outcome.model = self.llm.name if self.llm is not None else None
            outcome.guard = check_copy(draft, channel, grounding, self.rules)
            if outcome.guard.passed:
                outcome.text = draft
                return outcome
            reason = "guard failed: " + "; ".join(outcome.guard.problems)
        else:
            outcome.guard = GuardResult([reason or "no draft"])
        outcome.used_template, outcome.fallback_reason = True, reason
        outcome.text, outcome.template_problems = self._template(channel, variables, grounding)
        return outcome

    def _draft(self, channel: str, variables: dict[str, Any]) -> tuple[str | None, str | None]:
        if self.llm is None:
            return None, "no LLM configured"
        messages = [{"role": "system", "content": self.prompts.render("copy_system.j2")}]
        if channel == "tagline":  # few-shot as chat turns: similar items' facts -> their real taglines
            for example in variables["few_shot"]:
                found = self.catalog.get(example["item_id"])
                if found is None:
                    continue
                shot = dict(variables, facts=item_facts(found, (), 200), few_shot=[], fans_of=[])
                messages.append({"role": "user", "content": self.prompts.render("copy_tagline.j2", **shot)})
                messages.append({"role": "assistant", "content": example["tagline"]})
            variables = dict(variables, few_shot=[])
        messages.append({"role": "user", "content": self.prompts.render(f"copy_{channel}.j2", **variables)})
        try:
            reply = complete(
                self.llm,
                messages,
                max_tokens=self.rules[channel].max_tokens,
                temperature=self.temperature,
                timeout_s=self.timeout_s,
            )
        except LLMError as exc:
            return None, f"LLM error: {type(exc).__name__}: {exc}"
        return clean_draft(reply.text, channel), None

    def _template(self, channel: str, variables: dict[str, Any], grounding: Facts) -> tuple[str, list[str]]:
        """The fallback text: fewer keywords / no hook / no fans angle until it passes the guard."""
        name = f"copy_fallback_{channel}.j2"
        keywords = variables["facts"]["keywords"][:3]
        fans = variables["fans_of"]
        attempts = [(fans, keywords[:n], True) for n in range(len(keywords), -1, -1)]
        attempts += [(fans, [], False), ([], [], False)]
        result = GuardResult()
        text = ""
        for fans_of, words, with_hook in attempts:
            text = self.prompts.render(
                name,
                facts=variables["facts"],
                keywords=words,
                fans_of=fans_of,
                hook=hook_of(variables, with_hook),
            )
            result = check_copy(text, channel, grounding, self.rules)
            if result.passed:
                return text, []
        return text, result.problems


def hook_of(variables: dict[str, Any], with_hook: bool) -> str:
    """The overview opening used by the social / email templates (empty when disabled)."""
    return str(variables["facts"]["hook"]) if with_hook else ""


def _check_free_text(name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = " ".join(value.split())
    if len(value) > MAX_FREE_TEXT or not _SAFE_FREE_TEXT.match(value):
        raise ToolInputError(f"{name} must be at most {MAX_FREE_TEXT} plain characters (letters, digits, , . ' & ! -)")
    return value


def write_copy(
    ctx: ToolContext,
    item: str,
    channel: Channel = "tagline",
    audience: str | None = None,
    tone: str | None = None,
) -> ToolResult:
    """Write marketing copy for one catalog item, grounded in its data and checked before it is returned.

    Args:
        item: the item id or title.
        channel: tagline, email, push or social.
        audience: who the copy is for, in a few words (e.g. "fans of heist films").
        tone: the tone, in a few words (e.g. "playful").
    """
    found = ctx.titles.resolve(item)
    audience, tone = _check_free_text("audience", audience), _check_free_text("tone", tone)
    writer = CopyWriter(ctx.catalog, ctx.llm, timeout_s=ctx.settings.llm_timeout_s)
    keywords = list(found.keywords[:5])
    if not keywords:
        from tools.keywords import KeywordExtractor

        keywords = [p for p, _ in KeywordExtractor(ctx.embedder).for_item(found, 5)]
    outcome = writer.write(
        found, channel, keywords=keywords, fans_of=favourites_for(ctx, found), audience=audience, tone=tone
    )
    how = f"template ({outcome.fallback_reason})" if outcome.used_template else f"LLM {outcome.model}"
    return ToolResult(summary=f"{channel} copy for {found.label} by {how}", data=outcome.to_data())
