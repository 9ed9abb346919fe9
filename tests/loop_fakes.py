"""Small fakes for logic tests of the agent loop: a scripted router, a tiny catalog, fake tools."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.agent.decision import Decision, DialogueState
from bot.agent.loop import AgentLoop
from bot.agent.native_planner import NativePlanner
from bot.agent.replies import ReplyWriter
from bot.agent.toolbox import Toolbox
from bot.agent.turn import TurnRequest
from bot.testing.scripted_model import ScriptedModel
from prompts import Prompts
from store.catalog_profile import CatalogProfile, shipped_profile
from store.items import CatalogItem
from tools.context import ToolContext
from tools.names import ToolName
from tools.registry import default_tools
from tools.results import LIKED_ITEMS, ScoredItem, ToolInputError, ToolResult

ITEMS = [
    CatalogItem("6", "Heat", 1995, ("Action", "Crime", "Thriller"), overview="A group of professional bank robbers."),
    CatalogItem("1", "Toy Story", 1995, ("Animation", "Children", "Comedy"), overview="Toys come to life."),
    CatalogItem("858", "The Godfather", 1972, ("Crime", "Drama"), overview="A mafia family saga."),
    CatalogItem("2194", "The Untouchables", 1987, ("Action", "Crime", "Drama")),
]


class FakeCatalog:
    def __init__(self, items: Sequence[CatalogItem], profile: CatalogProfile | None = None) -> None:
        self._items = {i.item_id: i for i in items}
        self.profile = profile or shipped_profile("film")  # the fake's items are films

    def get(self, item_id: str) -> CatalogItem | None:
        return self._items.get(item_id)

    def items(self) -> list[CatalogItem]:
        return list(self._items.values())


class FakeTitles:
    def __init__(self, items: Sequence[CatalogItem]) -> None:
        self._items = list(items)

    def resolve(self, ref: str) -> CatalogItem:
        for item in self._items:
            if ref in (item.item_id, item.title) or ref.lower() in item.title.lower():
                return item
        raise ToolInputError(f"No item matches {ref!r}", suggestions=["Heat (1995)"])

    def match(self, text: str, limit: int = 5) -> list[tuple[CatalogItem, float]]:
        return [(i, 90.0) for i in self._items if text.lower() in i.title.lower()][:limit]

    def get_exact(self, text: str) -> CatalogItem | None:
        return next((i for i in self._items if i.title.lower() == text.lower()), None)

    def same_series(self, item_ids: Iterable[str]) -> list[str]:
        return list(item_ids)


def search_catalog(ctx: ToolContext, query: str, k: int = 10) -> ToolResult:
    """Search the catalog.

    Args:
        query: what to look for
        k: how many items
    """
    hits = [i for i in ITEMS if any(w in i.overview.lower() for w in query.lower().split())] or ITEMS[:2]
    return ToolResult([ScoredItem(i, 1.0 - n * 0.1, "matches your words") for n, i in enumerate(hits[:k])], "found")


def item_details(ctx: ToolContext, item: str) -> ToolResult:
    """Facts about one item.

    Args:
        item: id or title
    """
    found = ctx.titles.resolve(item)
    return ToolResult([ScoredItem(found, 1.0, "asked for")], f"details of {found.label}")


def recommend(ctx: ToolContext, genres: list[str] | None = None, k: int = 10) -> ToolResult:
    """Recommend items.

    Args:
        genres: genres to keep
        k: how many items
    """
    pool = [i for i in ITEMS if not genres or set(genres) & set(i.genres)]
    liked = ITEMS[3] if "Animation" in (genres or ()) else ITEMS[0]  # The Untouchables, not among the picks
    provenance = {LIKED_ITEMS: [{"item_id": liked.item_id, "title": liked.label}]}
    reason = f"Because you liked {liked.label}"
    return ToolResult([ScoredItem(i, 0.9, reason, dict(provenance)) for i in pool[:k]], "recommended")


def record_feedback(ctx: ToolContext, item: str, signal: Literal["like", "dislike", "seen"]) -> ToolResult:
    """Record feedback.

    Args:
        item: id or title
        signal: like, dislike or seen
    """
    found = ctx.titles.resolve(item)
    ctx.history.add_event(ctx.user_id, found.item_id, signal)
    return ToolResult([ScoredItem(found, 1.0, signal)], f"{signal} {found.label}")


FAKE_TOOLS = default_tools().subset(
    {
        ToolName.SEARCH_CATALOG: search_catalog,
        ToolName.ITEM_DETAILS: item_details,
        ToolName.RECOMMEND: recommend,
        ToolName.RECORD_FEEDBACK: record_feedback,
    }
)


@dataclass
class FakeHistory:
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def add_event(self, user_id: str, item_id: str, signal: str, rating: float | None = None) -> int:
        self.events.append((user_id, item_id, signal))
        return len(self.events)


class ScriptedRouter:
    def __init__(self, decisions: list[Decision]) -> None:
        self.decisions = list(decisions)
        self.seen: list[str] = []

    def route(self, text: str, state: DialogueState) -> Decision:
        self.seen.append(text)
        return self.decisions.pop(0)

    def named_items(self, text: str) -> list[str]:
        return []


def make_loop(
    router: ScriptedRouter, model: ScriptedModel | None, max_steps: int = 4, canary: str = ""
) -> tuple[AgentLoop, ToolContext]:
    prompts = Prompts()
    toolbox = Toolbox(FAKE_TOOLS)
    replies = ReplyWriter(prompts, FAKE_TOOLS, lambda: model, llm_timeout_s=5, llm_max_tokens=60, canary=canary)
    native = NativePlanner(toolbox, prompts, lambda: model, timeout_s=5, max_tokens=60, canary=canary)
    loop = AgentLoop(toolbox, router, replies, native, max_steps)
    ctx = ToolContext(
        catalog=FakeCatalog(ITEMS),  # type: ignore[arg-type]
        history=FakeHistory(),  # type: ignore[arg-type]
        embedder=None,  # type: ignore[arg-type]
        titles=FakeTitles(ITEMS),  # type: ignore[arg-type]
        user_id="u1",
        llm=model,
    )
    return loop, ctx


def request(
    ctx: ToolContext,
    text: str,
    *,
    mode: Literal["llm", "template"] = "template",
    planner: Literal["router", "native"] = "router",
    max_items: int = 5,
) -> TurnRequest:
    return TurnRequest(
        ctx=ctx,
        text=text,
        session_id="s1",
        state=DialogueState(),
        reply_mode=mode,
        planner=planner,
        max_items=max_items,
    )
