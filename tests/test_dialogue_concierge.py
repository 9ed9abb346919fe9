"""The dialogue runner through the real Concierge facade and agent loop (fake tools, tiny catalog, rule router)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.backend import ChatBackend
from bot.composition import Overrides
from bot.concierge import build_backend
from bot.config import Settings
from bot.dialogues.format import DialogueSettings, parse_dialogues
from bot.dialogues.report import text_report
from bot.dialogues.runner import BackendTransport, RunOptions, run_dialogues
from store.catalog import CatalogStore
from store.catalog_profile import shipped_profile
from store.embedder import HashingEmbedder

pytest.importorskip("bot.agent.loop", reason="the agent loop does not import yet")
from tests.loop_fakes import FAKE_TOOLS, ITEMS, FakeTitles

SUITE = """
dialogues:
  - name: crime then question then feedback
    turns:
      - user: some crime please
        expect:
          tools: [{name: recommend, args: {genres: [Crime]}}]
          all_items_match: {genres_any: [Crime]}
          items: {include: [Heat, "Godfather, The (1972)"], exclude: [Toy Story]}
          grounded: true
      - user: tell me about heat
        expect: {tools: [{name: item_details, args: {item: Heat}}], items: {first: Heat}, intent: item_question}
      - user: I liked Toy Story
        expect: {tools: [{name: record_feedback, args: {item: Toy Story, signal: like}}]}
  - name: likes become history
    user: {likes: [The Godfather]}
    turns:
      - user: some crime please
        expect: {no_repeats: true, items: {count: {min: 1, max: 3}}}
  - name: broken on purpose
    turns:
      - user: some crime please
        expect: {items: {include: [Toy Story]}}
"""


@dataclass
class MemoryHistory:
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def add_event(self, user_id: str, item_id: str, signal: str, rating: float | None = None) -> int:
        self.events.append((user_id, item_id, signal))
        return len(self.events)

    def delete_user(self, user_id: str) -> int:
        before = len(self.events)
        self.events = [e for e in self.events if e[0] != user_id]
        return before - len(self.events)


class RuleRouter:
    """Just enough routing for the dialogues above."""

    def named_items(self, text: str) -> list[str]:
        return []

    def route(self, text: str, state: DialogueState) -> Decision:
        if found := re.match(r"tell me about (.+)", text):
            return Decision("item_question", 0.9, [PlannedCall("item_details", {"item": found.group(1)})])
        if found := re.match(r"I liked (.+)", text):
            return Decision(
                "feedback", 0.9, [PlannedCall("record_feedback", {"item": found.group(1), "signal": "like"})]
            )
        return Decision("recommend", 0.9, [PlannedCall("recommend", {"genres": ["Crime"]})])


def make_backend(home: Path, history: MemoryHistory) -> ChatBackend:
    settings = Settings.model_validate({"home": home, "reply_mode": "template", "planner": "router"})
    overrides = Overrides(
        embedder=HashingEmbedder(dim=16),
        catalog=CatalogStore.from_items(ITEMS, HashingEmbedder(dim=16), profile=shipped_profile("film")),
        history=history,  # type: ignore[arg-type]
        titles=FakeTitles(ITEMS),  # type: ignore[arg-type]
        router=RuleRouter(),  # type: ignore[arg-type]
        tools=FAKE_TOOLS,
    )
    return build_backend(settings, overrides)


def test_runner_through_the_real_loop(tmp_path: Path) -> None:
    history = MemoryHistory()
    backend = make_backend(tmp_path, history)

    def factory(settings: DialogueSettings) -> ChatBackend:
        return backend

    results = run_dialogues(parse_dialogues(SUITE, "loop.yaml"), BackendTransport(factory), RunOptions(jobs=2))
    report = text_report(results)
    assert [r.status for r in results] == ["passed", "passed", "failed"], report
    feedback_user = results[0].user_id
    assert results[1].user_id != feedback_user
    # the like recorded in chat and the stated like went to history; forget_user removed both afterwards
    assert history.events == []
    assert "expected: items including ['Toy Story']" in report
    assert "tools: recommend(genres=['Crime'])" in report
