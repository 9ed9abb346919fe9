"""The evaluation protocol (He et al., CIKM 2023) on one ReDial dialogue: which turns are evaluated, their context
and their targets.

Consecutive messages of one speaker are one turn (their texts joined by a space), so every context is an
alternation of seeker (user) and recommender (assistant) turns, as an OpenAI-compatible client sends it. A
recommender turn is evaluated when it mentions movies that no earlier turn mentioned (by ReDial id, or as the same
catalog item under another id): those are its targets; with `suggested_only`, only those the dialogue's
questionnaires also mark suggested=1. The context is every earlier turn, each @id rendered as "Title (Year)"; it
must end with a seeker turn (a recommender who speaks first has nothing to answer: that turn is skipped, counted).
Targets outside the catalog stay targets (they count as misses)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.dialogues.redial.data import MENTION, RedialDialogue
from bot.dialogues.redial.mapping import MovieName

Role = str  # "user" (the seeker) or "assistant" (the recommender)


@dataclass(frozen=True, slots=True)
class Target:
    movie_id: str  # ReDial id
    name: str  # "Title (Year)"
    item_id: str | None  # the catalog item, None when the catalog has no such movie


@dataclass(frozen=True, slots=True)
class EvalTurn:
    conversation_id: str
    turn: int  # the recommender turn's position among the dialogue's turns (0-based)
    messages: tuple[dict[str, str], ...]  # the context as OpenAI messages; the last is the seeker's
    mentioned: frozenset[str]  # catalog items mentioned in the context (excluded from every ranking)
    targets: tuple[Target, ...]


@dataclass(slots=True)
class DialogueTurns:
    evaluated: list[EvalTurn] = field(default_factory=list)
    skipped: int = 0  # recommender turns with new movies but no seeker turn before them


@dataclass(frozen=True, slots=True)
class Speech:
    role: Role
    text: str
    mentions: tuple[str, ...]


def speeches(dialogue: RedialDialogue) -> list[Speech]:
    """The dialogue's turns: runs of one speaker's messages merged (messages by anyone else are dropped)."""
    roles = {dialogue.seeker: "user", dialogue.recommender: "assistant"}
    merged: list[tuple[Role, list[str]]] = []
    for message in dialogue.messages:
        role = roles.get(message.sender)
        if role is None or not message.text.strip():
            continue
        if merged and merged[-1][0] == role:
            merged[-1][1].append(message.text.strip())
        else:
            merged.append((role, [message.text.strip()]))
    out = []
    for role, texts in merged:
        text = " ".join(texts)
        out.append(Speech(role, text, tuple(dict.fromkeys(MENTION.findall(text)))))
    return out


def render(text: str, name_of: Callable[[str], MovieName | None]) -> str:
    """@ids replaced by "Title (Year)" (an id without a name is left as written)."""

    def replace(match: re.Match[str]) -> str:
        name = name_of(match.group(1))
        return name.render() if name is not None else match.group(0)

    return MENTION.sub(replace, text)


def evaluated_turns(
    dialogue: RedialDialogue,
    name_of: Callable[[str], MovieName | None],
    item_of: Callable[[str], str | None],
    *,
    suggested_only: bool = False,
) -> DialogueTurns:
    """The dialogue's evaluated recommender turns. name_of: ReDial id -> its name; item_of: id -> catalog item."""
    out = DialogueTurns()
    context: list[dict[str, str]] = []
    seen_ids: set[str] = set()
    seen_items: set[str] = set()
    for number, speech in enumerate(speeches(dialogue)):
        if speech.role == "assistant":
            targets = _new_targets(speech, seen_ids, seen_items, name_of, item_of, dialogue, suggested_only)
            if targets and context and context[-1]["role"] == "user":
                mentioned = frozenset(seen_items)
                out.evaluated.append(EvalTurn(dialogue.conversation_id, number, tuple(context), mentioned, targets))
            elif targets:
                out.skipped += 1
        context.append({"role": speech.role, "content": render(speech.text, name_of)})
        seen_ids.update(speech.mentions)
        seen_items.update(item for item in map(item_of, speech.mentions) if item is not None)
    return out


def _new_targets(
    speech: Speech,
    seen_ids: set[str],
    seen_items: set[str],
    name_of: Callable[[str], MovieName | None],
    item_of: Callable[[str], str | None],
    dialogue: RedialDialogue,
    suggested_only: bool,
) -> tuple[Target, ...]:
    targets: list[Target] = []
    items: set[str] = set()
    for movie_id in speech.mentions:
        if movie_id in seen_ids or (suggested_only and movie_id not in dialogue.suggested):
            continue
        item = item_of(movie_id)
        if item is not None and (item in seen_items or item in items):
            continue  # the same film mentioned earlier (or twice here) under another ReDial id
        if item is not None:
            items.add(item)
        name = name_of(movie_id)
        targets.append(Target(movie_id, name.render() if name else f"@{movie_id}", item))
    return tuple(targets)
