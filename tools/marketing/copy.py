"""Marketing copy for an item (tagline, push, social post, email), written by the LLM and checked by the guard.

The prompt (prompts/copy_<channel>.j2) gives the item's facts as delimited data and, as few-shot examples,
the real TMDB taglines of the most similar catalog items. A draft that fails the copy check (a CopyCheck, injected:
bot.guard.copy.check_copy via ToolContext.copy_check), or an LLM error / timeout / no LLM, gives way to a template
(prompts/copy_fallback_<channel>.j2) filled from the item's facts and keywords; the result says so (used_template,
fallback_reason) and keeps the guard's problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from prompts import Prompts
from prompts.locale import Locale, source_locale
from store.catalog_profile import CatalogProfile
from store.items import CatalogItem
from tools.chat_model import ChatModel, LLMError, complete, decoding_vocabulary
from tools.context import ToolContext
from tools.guard_report import GuardReport
from tools.localized import localized_profile
from tools.marketing.channels import ChannelRule, load_channel_rules
from tools.marketing.copy_prompt import favourites_for, hook_of, item_facts, similar_taglines
from tools.marketing.grounding import CopyCheck, Facts, common_words
from tools.marketing.keywords import KeywordExtractor
from tools.marketing.stop_words import english_stop_words
from tools.results import ToolInputError, ToolResult

if TYPE_CHECKING:
    from store.catalog import CatalogStore

Channel = Literal["tagline", "email", "push", "social"]
MAX_FREE_TEXT = 80
_LABEL = re.compile(r"^\s*(?:tagline|push(?: notification)?|social(?: media)?(?: post)?|post|copy)\s*:\s*", re.I)
_SAFE_FREE_TEXT = re.compile(r"^[\w ,.'&!-]*$")
# Words of calls to action and channels, beside the item's own: copy invites ("tonight", "new"); a film or a
# show's copy may also invite to watch it.
_COPY_WORDS = frozenset(
    {"tonight", "now", "new", "don't", "miss", "discover", "meet", "join", "fans", "fan",
     "story", "subject", "today", "weekend", "classic", "favorite", "favourite", "great", "love"}
)  # fmt: skip
_SCREEN_COPY_WORDS = frozenset({"watch", "stream", "film", "movie"})


def copy_vocabulary(facts: Facts, profile: CatalogProfile) -> set[str]:
    """The words a draft may use (a decoding constraint where the engine allows): the item's own words, its
    genres and function words, as written and capitalised, and the catalog's call-to-action words (watching and
    streaming only for films and shows). Taglines of similar items cannot leak through."""
    extra = _SCREEN_COPY_WORDS if profile.is_screen else frozenset({profile.item.singular, profile.item.plural})
    return decoding_vocabulary((*facts.texts, *facts.genres), english_stop_words() | _COPY_WORDS | extra)


def clean_draft(text: str, channel: str) -> str:
    """The model's answer as copy: no label, no wrapping quotes; one line except for email."""
    text = text.strip()
    if channel != "email":
        text = next((line for line in text.splitlines() if line.strip()), "")
    text = _LABEL.sub("", text).strip()
    if len(text) > 1 and text[0] in "\"'“" and text[-1] in "\"'”":
        text = text[1:-1].strip()
    return text


@dataclass(slots=True)
class CopyOutcome:
    """One piece of copy and how it was made."""

    channel: str
    text: str
    used_template: bool
    guard: GuardReport
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
    """Writes guarded copy; holds the prompts, channel rules and the catalog's common-word list (built once).

    check: the copy check every draft and template must pass (bot.guard.copy.check_copy in the service).
    """

    def __init__(
        self,
        catalog: CatalogStore,
        llm: ChatModel | None,
        *,
        check: CopyCheck,
        timeout_s: float,
        temperature: float = 0.3,
        no_llm_reason: str = "no LLM configured",
        words: Locale | None = None,
    ) -> None:
        self.catalog = catalog
        self.words = words or source_locale()  # the copy's language: another than English is the template's
        self.llm = llm if self.words.is_source else None
        if not self.words.is_source:
            no_llm_reason = f"language: the copy guard checks English drafts only, not {self.words.code}"
        self.check = check
        self.timeout_s = timeout_s
        self.temperature = temperature
        self.no_llm_reason = no_llm_reason
        self.prompts = Prompts()
        self.profile = catalog.profile  # the catalog's words: "films in a streaming catalog", "the book below"
        self.rules: dict[str, ChannelRule] = load_channel_rules(profile=self.profile)
        self.common = common_words(i.overview for i in catalog.items())

    @classmethod
    def for_context(cls, ctx: ToolContext) -> CopyWriter:
        """The writer of a tool call: its catalog, LLM, LLM budget and the injected copy check."""
        if ctx.copy_check is None:
            raise RuntimeError("ToolContext.copy_check is not set: the composition root must inject the copy check")
        if not ctx.copy_drafts:
            return cls(ctx.catalog, None, check=ctx.copy_check, timeout_s=ctx.llm_timeout_s, words=ctx.locale,
                       no_llm_reason="LLM copy drafts are off (CONCIERGE_LLM_COPY)")  # fmt: skip
        return cls(ctx.catalog, ctx.llm, check=ctx.copy_check, timeout_s=ctx.llm_timeout_s, words=ctx.locale)

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
        facts = item_facts(item, self.profile.item, keywords)
        few_shot = similar_taglines(self.catalog, item)
        variables: dict[str, Any] = {
            "facts": facts,
            "few_shot": few_shot,
            "fans_of": list(fans_of),
            "audience": audience,
            "tone": tone,
            "rule": self.rules[channel],
        }
        grounding = Facts.from_item(
            item, [*fans_of, *keywords, audience or ""], self.common, self.catalog, other_titles=fans_of
        )
        variables["vocabulary"] = copy_vocabulary(grounding, self.profile)
        draft, reason = self._draft(channel, variables)
        model = self.llm.name if draft is not None and self.llm is not None else None
        if draft is not None:
            guard = self.check(draft, channel, grounding, self.rules)
            if guard.passed:
                return CopyOutcome(channel, draft, False, guard, few_shot, item.item_id, model, fans_of=list(fans_of))
            reason = "guard failed: " + "; ".join(guard.problems)
        else:
            guard = GuardReport.from_problems([reason or "no draft"])
        text, problems = self._template(channel, variables, grounding)
        return CopyOutcome(channel, text, True, guard, few_shot, item.item_id, model, reason, list(fans_of), problems)

    def _draft(self, channel: str, variables: dict[str, Any]) -> tuple[str | None, str | None]:
        if self.llm is None:
            return None, self.no_llm_reason
        messages = [{"role": "system", "content": self.prompts.render("copy_system.j2", profile=self.profile)}]
        if channel == "tagline":  # few-shot as chat turns: similar items' facts -> their real taglines
            for example in variables["few_shot"]:
                found = self.catalog.get(example["item_id"])
                if found is None:
                    continue
                shot = dict(variables, facts=item_facts(found, self.profile.item, (), 200), few_shot=[], fans_of=[])
                tagline = self.prompts.render("copy_tagline.j2", profile=self.profile, **shot)
                messages.append({"role": "user", "content": tagline})
                messages.append({"role": "assistant", "content": example["tagline"]})
            variables = dict(variables, few_shot=[])
        request = self.prompts.render(f"copy_{channel}.j2", profile=self.profile, **variables)
        messages.append({"role": "user", "content": request})
        try:
            reply = complete(
                self.llm,
                messages,
                max_tokens=self.rules[channel].max_tokens,
                temperature=self.temperature,
                timeout_s=self.timeout_s,
                vocabulary=variables["vocabulary"],
            )
        except LLMError as exc:
            return None, f"LLM error: {type(exc).__name__}: {exc}"
        return clean_draft(reply.text, channel), None

    def _template(self, channel: str, variables: dict[str, Any], grounding: Facts) -> tuple[str, list[str]]:
        """The fallback text: fewer keywords / no hook / no fans angle until it passes the guard. In another
        language than English, the locale's template, built from the item's facts only (the guard reads English)."""
        name = f"copy_fallback_{channel}.j2"
        if not self.words.is_source:
            prompts = self.prompts.localized(self.words)
            profile = localized_profile(self.profile, self.words)
            keywords = variables["facts"]["keywords"][:3]
            hook = ""  # the overview's English sentence: not in a copy in another language
            facts, fans = variables["facts"], variables["fans_of"]
            text = prompts.render_local(name, profile=profile, facts=facts, keywords=keywords, fans_of=fans, hook=hook)
            return text, []
        keywords = variables["facts"]["keywords"][:3]
        fans = variables["fans_of"]
        attempts = [(fans, keywords[:n], True) for n in range(len(keywords), -1, -1)]
        attempts += [(fans, [], False), ([], [], False)]
        text, problems = "", []
        for fans_of, words, with_hook in attempts:
            text = self.prompts.render(
                name,
                profile=self.profile,
                facts=variables["facts"],
                keywords=words,
                fans_of=fans_of,
                hook=hook_of(variables, with_hook),
            )
            report = self.check(text, channel, grounding, self.rules)
            if report.passed:
                return text, []
            problems = list(report.problems)
        return text, problems


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
    writer = CopyWriter.for_context(ctx)
    keywords = list(found.keywords[:5])
    if not keywords:
        keywords = [p for p, _ in KeywordExtractor(ctx.embedder).for_item(found, 5)]
    outcome = writer.write(
        found, channel, keywords=keywords, fans_of=favourites_for(ctx, found), audience=audience, tone=tone
    )
    how = f"template ({outcome.fallback_reason})" if outcome.used_template else f"LLM {outcome.model}"
    return ToolResult(summary=f"{channel} copy for {found.label} by {how}", data=outcome.to_data())
