"""Expectation checks of dialogue tests: each turns one `expect` key into a list of failures with expected vs actual.

Item references and tool arguments are matched as bot/dialogues/matching.py describes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from bot.agent.events import ItemView, ToolCall
from bot.agent.language import LanguagePicker
from bot.dialogues.matching import call_matches, item_matches, value_matches
from bot.dialogues.observation import Observation
from bot.dialogues.schema import Expect, ItemFilter, ItemsExpect, ReplyExpect, ToolExpect

MIN_LANGUAGE_LETTERS = 6  # a reply with fewer letters left once titles are out is not checked for its language


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed expectation: which key, what was expected, what happened."""

    expectation: str
    expected: str
    actual: str

    def render(self, indent: str = "") -> str:
        return (
            f"{indent}✗ {self.expectation}\n{indent}    expected: {self.expected}\n{indent}    actual:   {self.actual}"
        )


# ---- formatting ----------------------------------------------------------------------------------------


def _fmt_items(items: Sequence[ItemView]) -> str:
    return "[" + ", ".join(f"{i.label} #{i.item_id}" for i in items) + "]" if items else "no items"


def fmt_call(call: ToolCall) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in call.arguments.items())
    status = "" if call.ok else f" FAILED: {call.error}"
    return f"{call.name}({args}){status}"


def _fmt_calls(calls: Sequence[ToolCall]) -> str:
    return "; ".join(fmt_call(c) for c in calls) if calls else "no tool calls"


# ---- checks, one per expect key ------------------------------------------------------------------------


def check_tools(expected: Sequence[ToolExpect], obs: Observation, known: Sequence[ItemView]) -> list[Failure]:
    failures = []
    for want in expected:
        if any(call_matches(want, call, known) for call in obs.tool_calls):
            continue
        wanted = want.name + (f" with args ⊇ {want.args}" if want.args else "")
        same_name = [c for c in obs.tool_calls if c.name == want.name]
        detail = ""
        if same_name:
            missing = [
                f"{k}: wanted {v!r}, got {c.arguments.get(k, '<absent>')!r}"
                for c in same_name[:1]
                for k, v in want.args.items()
                if not (k in c.arguments and value_matches(v, c.arguments[k], known))
            ]
            detail = " — " + "; ".join(missing)
        failures.append(Failure("tools", f"a call to {wanted}", _fmt_calls(obs.tool_calls) + detail))
    return failures


def check_tools_not(names: Sequence[str], obs: Observation) -> list[Failure]:
    called = [c for c in obs.tool_calls if c.name in names]
    if not called:
        return []
    return [Failure("tools_not", f"no call to {', '.join(names)}", _fmt_calls(called))]


def check_intent(intents: Sequence[str], obs: Observation) -> list[Failure]:
    if obs.intent in intents:
        return []
    return [Failure("intent", " or ".join(intents), str(obs.intent))]


def check_items(want: ItemsExpect, obs: Observation) -> list[Failure]:
    failures = []
    shown = _fmt_items(obs.items)
    missing = [ref for ref in want.include if not any(item_matches(ref, i) for i in obs.items)]
    if missing:
        failures.append(Failure("items.include", f"items including {missing}", shown))
    unwanted = [i for i in obs.items if any(item_matches(ref, i) for ref in want.exclude)]
    if unwanted:
        failures.append(Failure("items.exclude", f"none of {want.exclude}", f"shown: {_fmt_items(unwanted)}"))
    if want.first is not None and not (obs.items and item_matches(want.first, obs.items[0])):
        failures.append(Failure("items.first", f"first item {want.first!r}", shown))
    if want.count is not None:
        n = len(obs.items)
        low, high = want.count.min, want.count.max
        if (low is not None and n < low) or (high is not None and n > high):
            bounds = f"{low if low is not None else 0}..{high if high is not None else '∞'}"
            failures.append(Failure("items.count", f"{bounds} items", f"{n} items: {shown}"))
    return failures


def _why_not(cond: ItemFilter, item: ItemView) -> str | None:
    genres = {g.casefold() for g in item.genres}
    if cond.genres_any and not genres & {g.casefold() for g in cond.genres_any}:
        return f"no genre of {cond.genres_any}"
    lacking = [g for g in cond.genres_all if g.casefold() not in genres]
    if lacking:
        return f"lacks {lacking}"
    banned = [g for g in cond.genres_none if g.casefold() in genres]
    if banned:
        return f"has {banned}"
    if cond.year_from is not None and (item.year is None or item.year < cond.year_from):
        return f"year {item.year} < {cond.year_from}"
    if cond.year_to is not None and (item.year is None or item.year > cond.year_to):
        return f"year {item.year} > {cond.year_to}"
    if cond.with_image and not item.display.image_url:
        return "no image_url"
    if cond.with_link and not item.display.url:
        return "no url"
    return None


def check_all_items_match(cond: ItemFilter, obs: Observation) -> list[Failure]:
    expected = ", ".join(f"{k}={v}" for k, v in cond.model_dump(exclude_defaults=True).items())
    if not obs.items:
        return [Failure("all_items_match", f"items, all with {expected}", "no items shown")]
    bad = [(i, why) for i in obs.items if (why := _why_not(cond, i)) is not None]
    if not bad:
        return []
    actual = "; ".join(f"{i.label} [{', '.join(i.genres)}]: {why}" for i, why in bad)
    return [Failure("all_items_match", f"every item with {expected}", actual)]


def check_reply(want: ReplyExpect, obs: Observation) -> list[Failure]:
    failures = []
    reply = obs.reply
    folded = reply.casefold()
    quoted = repr(reply if len(reply) <= 300 else reply[:300] + "…")
    missing = [s for s in want.contains if s.casefold() not in folded]
    if missing:
        failures.append(Failure("reply.contains", f"reply containing {missing}", quoted))
    if want.contains_any and not any(s.casefold() in folded for s in want.contains_any):
        failures.append(Failure("reply.contains_any", f"reply containing one of {want.contains_any}", quoted))
    present = [s for s in want.not_contains if s.casefold() in folded]
    if present:
        failures.append(Failure("reply.not_contains", f"reply without {present}", quoted))
    if want.matches is not None and not re.search(want.matches, reply):
        failures.append(Failure("reply.matches", f"reply matching /{want.matches}/", quoted))
    if want.not_matches is not None and (found := re.search(want.not_matches, reply)):
        failures.append(
            Failure("reply.not_matches", f"no match of /{want.not_matches}/", f"{found.group(0)!r} in {quoted}")
        )
    if want.min_length is not None and len(reply) < want.min_length:
        failures.append(Failure("reply.min_length", f"≥ {want.min_length} characters", f"{len(reply)}: {quoted}"))
    if want.max_length is not None and len(reply) > want.max_length:
        failures.append(Failure("reply.max_length", f"≤ {want.max_length} characters", f"{len(reply)} characters"))
    return failures


def is_grounded(obs: Observation) -> bool:
    """The guard passed, or no LLM text needed guarding (template reply)."""
    if obs.guard_passed is not None:
        return obs.guard_passed or obs.reply_mode_used == "template"
    return obs.reply_mode_used == "template"


def check_grounded(want: bool, obs: Observation) -> list[Failure]:
    got = is_grounded(obs)
    if got == want:
        return []
    detail = f"guard={'none' if obs.guard_passed is None else obs.guard_passed}, reply_mode_used={obs.reply_mode_used}"
    if obs.guard_problems:
        detail += f", problems={obs.guard_problems}"
    return [Failure("grounded", str(want).lower(), detail)]


def check_no_repeats(obs: Observation, shown_before: Iterable[str]) -> list[Failure]:
    earlier = set(shown_before)
    repeated = [i for i in obs.items if i.item_id in earlier]
    if not repeated:
        return []
    return [Failure("no_repeats", "no item shown in an earlier turn", f"repeated: {_fmt_items(repeated)}")]


@cache
def _languages() -> LanguagePicker:
    return LanguagePicker(("en",))  # the detector alone: any language it knows is reported


def check_language(want: str, obs: Observation) -> list[Failure]:
    """The backend answered in `want`, and the reply, without the catalog's titles and categories (they keep the
    catalog's language), reads as `want` to the detector."""
    failures = []
    if obs.language is not None and obs.language != want:
        failures.append(Failure("language", want, f"the turn was answered in {obs.language}"))
    names = {n for i in obs.items for n in (i.label, i.title, *i.genres)}
    rest = obs.reply
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, " ")
    rest = re.sub(r"\(\d{4}\)|\d+", " ", rest)
    if sum(c.isalpha() for c in rest) >= MIN_LANGUAGE_LETTERS:
        found = _languages().language_of(rest)
        if found != want:
            seen = f"{found or 'no clear language'}: {rest[:120]!r}"
            failures.append(Failure("language", f"a reply in {want}", seen))
    return failures


def check_turn(
    expect: Expect, obs: Observation, shown_before: Sequence[str], known: Sequence[ItemView]
) -> list[Failure]:
    """Every failure of one turn. `known` = items shown so far (this turn included), to read id arguments."""
    if obs.rejected is not None:
        if expect.rejected in (True, "allowed"):
            return []
        return [Failure("rejected", "an answer", f"the backend refused the message: {obs.rejected}")]
    failures: list[Failure] = []
    if expect.rejected is True:
        failures.append(Failure("rejected", "the backend refuses this message", f"an answer: {obs.reply[:200]!r}"))
    failures += check_tools(expect.tools, obs, known)
    if expect.tools_not:
        failures += check_tools_not(expect.tools_not, obs)
    if expect.intent:
        failures += check_intent(expect.intent, obs)
    if expect.items is not None:
        failures += check_items(expect.items, obs)
    if expect.all_items_match is not None:
        failures += check_all_items_match(expect.all_items_match, obs)
    if expect.reply is not None:
        failures += check_reply(expect.reply, obs)
    if expect.grounded is not None:
        failures += check_grounded(expect.grounded, obs)
    if expect.no_repeats:
        failures += check_no_repeats(obs, shown_before)
    if expect.language is not None:
        failures += check_language(expect.language, obs)
    if expect.latency_ms is not None and obs.latency_ms > expect.latency_ms.max:
        failures.append(Failure("latency_ms", f"≤ {expect.latency_ms.max:.0f} ms", f"{obs.latency_ms:.0f} ms"))
    return failures
