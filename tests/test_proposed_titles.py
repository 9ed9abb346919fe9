"""recommend_titles (tools/proposals.py): titles a capable model proposes, grounded in the catalog and fused with the
hybrid ranker's list; unresolved titles are never shown. Over the 600-item small catalog with real EASE weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.events import TurnDone, TurnResult
from bot.agent.toolbox import Toolbox
from bot.concierge import Concierge
from bot.testing.scripted_model import ScriptedModel
from tests.app_fixtures import small_backend
from tools.chat_model import LLMError, LLMReply, ToolCallRequest
from tools.context import ToolContext
from tools.names import Intent, ToolName
from tools.proposals import FUSION, PROPOSED, fuse, recommend_titles, resolve_proposals
from tools.recommend import recommend
from tools.registry import default_tools
from tools.results import ScoredItem

HEAT, GODFATHER, TOY_STORY, SHINING = "6", "858", "1", "1258"
INVENTED = "A Film That Does Not Exist (2031)"


@pytest.fixture(scope="module")
def model() -> ScriptedModel:
    return ScriptedModel(supports_tools=True)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, model: ScriptedModel) -> Concierge:
    return small_backend(Path(tmp_path_factory.mktemp("proposals")), llm=model)


def _ctx(backend: Concierge, user: str) -> ToolContext:
    return backend.context(user, "user", with_llm=False)


def _ids(items: list[ScoredItem]) -> list[str]:
    return [s.item.item_id for s in items]


def test_unresolved_titles_are_never_shown_and_are_reported(backend: Concierge) -> None:
    ctx = _ctx(backend, "cold-proposals")
    titles = ["Heat (1995)", "the godfahter 1972", INVENTED]
    result = recommend_titles(ctx, titles=titles, k=10)
    ids = _ids(result.items)
    assert HEAT in ids and GODFATHER in ids
    assert result.data["unresolved"] == [INVENTED]
    assert not any("does not exist" in s.item.title.lower() for s in result.items)
    assert [p["item_id"] for p in result.data["proposed"]] == [HEAT, GODFATHER]
    by_id = {s.item.item_id: s for s in result.items}
    assert by_id[HEAT].provenance[PROPOSED] == "Heat (1995)"
    assert by_id[GODFATHER].provenance[PROPOSED] == "the godfahter 1972"
    assert all(s.reason for s in result.items), "every item keeps the ranker's reason"
    assert "score_parts" in by_id[HEAT].provenance, "the ranker's provenance is kept"
    others = [s for s in result.items if s.item.item_id not in (HEAT, GODFATHER)]
    assert others and all(s.provenance[PROPOSED] is None for s in others), "merged with the ranker's candidates"


def test_a_stated_year_that_is_not_the_items_does_not_resolve(backend: Concierge) -> None:
    proposals, unresolved = resolve_proposals(_ctx(backend, "cold-proposals"), ["Heat (1972)", "HEAT 1995", "heat"])
    assert [p.item.item_id for p in proposals] == [HEAT] and proposals[0].text == "HEAT 1995"
    assert unresolved == ["Heat (1972)"]


def test_filters_apply_to_proposals(backend: Concierge) -> None:
    ctx = _ctx(backend, "cold-proposals")
    titles = ["Heat (1995)", "The Shining (1980)", "The Godfather (1972)"]
    no_horror = recommend_titles(ctx, titles=titles, exclude_genres=["Horror"], k=10)
    assert SHINING not in _ids(no_horror.items) and HEAT in _ids(no_horror.items)
    assert "The Shining (1980)" in no_horror.data["filtered_out"]
    recent = recommend_titles(ctx, titles=titles, year_from=1990, k=10)
    assert HEAT in _ids(recent.items)
    assert GODFATHER not in _ids(recent.items) and SHINING not in _ids(recent.items)
    assert all((s.item.year or 0) >= 1990 for s in recent.items)
    assert recent.data["unresolved"] == [], "filtered out is not unresolved"


def test_seen_and_liked_items_are_dropped(backend: Concierge) -> None:
    user = "saw-heat"
    backend.components.history.add_event(user, HEAT, "seen")
    ctx = _ctx(backend, user)
    result = recommend_titles(ctx, titles=["Heat (1995)", "Toy Story (1995)"], likes=["The Godfather"], k=10)
    ids = _ids(result.items)
    assert HEAT not in ids and GODFATHER not in ids and TOY_STORY in ids
    assert result.data["filtered_out"] == ["Heat (1995)"] and result.data["likes"] == ["The Godfather (1972)"]


def test_fusion_adds_a_proposal_the_ranker_would_not_list(backend: Concierge) -> None:
    ctx = _ctx(backend, "1")  # a demo user with history: the ranker's own list is personal
    plain = _ids(recommend(ctx, k=3).items)
    catalog = backend.components.catalog
    seen = backend.components.history.seen_ids("1")
    obscure = min(
        (i for i in catalog.items() if i.item_id not in seen and i.item_id not in plain), key=lambda i: i.rating_count
    )
    liked_too = catalog.get(plain[1])
    assert liked_too is not None
    result = recommend_titles(ctx, titles=[obscure.label, liked_too.label], k=3)
    ids = _ids(result.items)
    assert len(ids) == 3 and obscure.item_id in ids
    assert ids[0] == liked_too.item_id, "a proposal the ranker also recommends comes first"
    assert result.items[0].provenance[FUSION] == {
        "ranker_rank": 2,
        "proposal_rank": 2,
        "score": pytest.approx(2 / 62, abs=1e-6),
    }
    assert set(ids) <= {obscure.item_id, *plain}


def test_fuse_interleaves_proposals_first_on_ties(backend: Concierge) -> None:
    items = backend.components.catalog.items()
    a, b, c, d = (ScoredItem(item, 1.0) for item in items[:4])
    fused = fuse([a, b], [c, d], k=4)
    assert _ids(fused) == [c.item.item_id, a.item.item_id, d.item.item_id, b.item.item_id]
    both = fuse([a, b], [b], k=2)
    assert _ids(both) == [b.item.item_id, a.item.item_id]


def test_the_tool_is_declared_for_the_native_planner() -> None:
    registry = default_tools()
    spec = registry.spec(ToolName.RECOMMEND_TITLES)
    assert spec.intent == Intent.RECOMMEND and spec.shows_items and spec.refinable
    schema = next(
        s for s in Toolbox(registry).openai_schemas("user") if s["function"]["name"] == ToolName.RECOMMEND_TITLES
    )
    parameters = schema["function"]["parameters"]
    assert parameters["required"] == ["titles"] and parameters["properties"]["titles"]["description"]


def test_native_planner_shows_grounded_proposals_only(backend: Concierge, model: ScriptedModel) -> None:
    call = ToolCallRequest("c1", ToolName.RECOMMEND_TITLES, {"titles": ["Heat (1995)", INVENTED], "k": 5})
    final = "Heat is a great pick for you."
    model.push(LLMReply(tool_calls=[call]), final)
    before = len(model.calls)
    events = list(backend.run_turn(user_id="native-proposals", text="a tense crime film please", reply_mode="llm"))
    done = events[-1]
    assert isinstance(done, TurnDone)
    result: TurnResult = done.result
    assert [c.name for c in result.tool_calls] == [ToolName.RECOMMEND_TITLES] and result.tool_calls[0].ok
    shown = [i.item_id for i in result.items]
    assert shown and shown[0] == HEAT
    assert not any("exist" in i.title.lower() for i in result.items)
    assert set(shown) <= {i.item_id for i in backend.components.catalog.items()}
    assert result.reply == final and result.reply_mode_used == "llm"
    offered = {t["function"]["name"] for t in model.calls[before].tools or []}
    assert {ToolName.RECOMMEND_TITLES, ToolName.RECOMMEND} <= offered
    observation = model.calls[before + 1].messages[-1]
    assert observation["role"] == "tool" and INVENTED in observation["content"], "the model learns what did not resolve"


def test_a_follow_up_the_router_plans_refines_the_models_call(backend: Concierge, model: ScriptedModel) -> None:
    call = ToolCallRequest("c1", ToolName.RECOMMEND_TITLES, {"titles": ["The Shining (1980)", "Heat (1995)"]})
    model.push(LLMReply(tool_calls=[call]), "Here you go.")
    first = list(backend.run_turn(user_id="native-follow-up", text="something gripping", reply_mode="template"))[-1]
    assert isinstance(first, TurnDone)
    assert [i.item_id for i in first.result.items][::2][:2] == [SHINING, HEAT], "proposals interleave with picks"
    state = backend.components.sessions.load_state("native-follow-up", first.result.session_id)
    assert state is not None and [c["tool"] for c in state["last_calls"]] == [ToolName.RECOMMEND_TITLES]
    model.push(LLMError("connection refused"))  # the native planner hands this turn to the router
    events = backend.run_turn(
        user_id="native-follow-up", text="no horror though", session_id=first.result.session_id, reply_mode="template"
    )
    done = list(events)[-1]
    assert isinstance(done, TurnDone)
    calls = done.result.tool_calls
    assert [c.name for c in calls] == [ToolName.RECOMMEND_TITLES], done.result.trace
    assert calls[0].arguments["titles"] == ["The Shining (1980)", "Heat (1995)"]
    assert calls[0].arguments["exclude_genres"] == ["Horror"]
    shown = [i.item_id for i in done.result.items]
    assert HEAT in shown and SHINING not in shown
