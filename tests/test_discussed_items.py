"""The items a conversation is about shape the picks (issue 14): a title the user has seen or asked about, or one
another assistant named in a client's history, is weak evidence of taste (tools.recommend.DISCUSSED_WEIGHT); it is
never cited as a like; a dislike takes it out. And the popularity prior favours recent releases (fresh_popularity)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bot.agent.decision import DialogueState
from bot.agent.dialogue_state import advance_state, state_from_dict, state_to_dict
from bot.agent.events import ItemView, ToolCall, TurnDone, TurnEvent, TurnResult
from bot.agent.replay import replay_history
from bot.agent.turn import TurnRequest
from bot.concierge import Concierge
from store.items import CatalogItem
from tests.app_fixtures import small_backend
from tests.catalog_fixtures import demo_hybrid_ranker
from tools.recommend import DISCUSSED_WEIGHT, STATED_SHARE, history_weights
from tools.recommender.hybrid import HybridRanker, RankRequest
from tools.recommender.ranking_steps import fresh_popularity, query_strength
from tools.registry import default_tools
from tools.results import LIKED_ITEMS


@pytest.fixture(scope="module")
def ranker() -> HybridRanker:
    return demo_hybrid_ranker(1500, 120.0)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Concierge:
    return small_backend(tmp_path_factory.mktemp("discussed"), reply_mode="template")


def stateless_turn(backend: Concierge, user: str, text: str, history: list[dict[str, str]]) -> TurnResult:
    """One turn of a stateless client that sends the whole conversation (template replies)."""
    events = backend.run_turn(user_id=user, text=text, history=history, reply_mode="template")
    return next(e.result for e in events if isinstance(e, TurnDone))


def first_with(backend: Concierge, genre: str) -> CatalogItem:
    return next(i for i in backend.components.catalog.items() if genre in i.genres)


def result_with(*calls: ToolCall) -> TurnResult:
    return TurnResult("s", "reply", [], list(calls), "template")


def test_seen_and_asked_items_are_discussed_a_like_is_stated_and_a_dislike_takes_one_out() -> None:
    state = DialogueState()
    tools = default_tools()
    advance_state(
        state,
        result_with(
            ToolCall("record_feedback", {"item": "a", "signal": "seen"}),
            ToolCall("item_details", {"item": "b"}),
            ToolCall("record_feedback", {"item": "c", "signal": "like"}),
            ToolCall("item_details", {"item": "d"}, ok=False),
        ),
        tools,
        lambda ref: ref,
    )
    assert state.discussed == ["a", "b"] and state.stated_likes == ["c"]
    advance_state(state, result_with(ToolCall("record_feedback", {"item": "a", "signal": "dislike"})), tools, str)
    assert state.discussed == ["b"]
    assert state_from_dict(state_to_dict(state)).discussed == ["b"]  # kept with the session


def test_discussed_items_weigh_less_than_likes_and_never_dislikes(backend: Concierge) -> None:
    items = backend.components.catalog.items()
    seen, liked, disliked = items[0].item_id, items[1].item_id, items[2].item_id
    ctx = backend.components.tool_context("discussed-weights")
    backend.components.history.add_event("discussed-weights", disliked, "dislike")
    ctx.discussed = [seen, liked, disliked]
    ctx.stated_likes = [liked]
    history, _, discussed = history_weights(ctx, None, backend.components.history.disliked_ids("discussed-weights"))
    assert history == {liked: 1.0, seen: DISCUSSED_WEIGHT}
    assert discussed == frozenset({seen})


def test_likes_stated_in_chat_weigh_as_much_as_a_long_history(backend: Concierge) -> None:
    items = backend.components.catalog.items()
    user = "long-history"
    for item in items[:30]:
        backend.components.history.add_event(user, item.item_id, "like")
    ctx = backend.components.tool_context(user)
    stated = items[40]
    history, labels, _ = history_weights(ctx, [stated.item_id], frozenset())
    own = sum(w for i, w in history.items() if i != stated.item_id)
    assert own == pytest.approx(30.0) and history[stated.item_id] == pytest.approx(STATED_SHARE * own), history
    assert labels == [stated.label]


def test_a_stated_like_leans_a_long_history_towards_it(ranker: HybridRanker) -> None:
    catalog = ranker.catalog
    dramas = [i for i in catalog.items() if i.genres == ("Drama",)][:40]
    horror = next(i for i in catalog.items() if i.title == "Alien")
    keep = catalog.mask(exclude_ids=[horror.item_id, *(i.item_id for i in dramas)])
    long_history = {i.item_id: 1.0 for i in dramas}
    drowned = ranker.rank(RankRequest({**long_history, horror.item_id: 1.0}, keep, 10))
    weighed = ranker.rank(RankRequest({**long_history, horror.item_id: STATED_SHARE * len(dramas)}, keep, 10))
    lean = lambda picks: sum(bool({"Horror", "Sci-Fi"} & set(p.item.genres)) for p in picks)  # noqa: E731
    assert lean(weighed) >= 5 > lean(drowned), ([p.item.title for p in drowned], [p.item.title for p in weighed])


def test_a_discussed_item_shapes_the_picks_but_is_never_cited_as_liked(ranker: HybridRanker) -> None:
    catalog = ranker.catalog
    toy_story = next(i for i in catalog.items() if i.title == "Toy Story")
    keep = catalog.mask(exclude_ids=[toy_story.item_id])
    history = {toy_story.item_id: DISCUSSED_WEIGHT}
    as_liked = ranker.rank(RankRequest(dict(history), keep, 10))
    as_discussed = ranker.rank(RankRequest(dict(history), keep, 10, discussed=frozenset(history)))
    assert [p.item.item_id for p in as_discussed] == [p.item.item_id for p in as_liked]  # the same evidence
    assert sum("Animation" in p.item.genres for p in as_discussed) >= 3  # that leans the picks towards it
    assert any(p.provenance[LIKED_ITEMS] for p in as_liked)  # as a like it is cited ...
    for pick in as_discussed:  # ... as a discussed item never
        assert toy_story.item_id not in {entry["item_id"] for entry in pick.provenance[LIKED_ITEMS]}
        assert "Toy Story" not in (pick.reason or "").split("Similar to")[0], pick.reason


def test_titles_another_assistant_named_are_discussed_unless_the_replay_showed_them(backend: Concierge) -> None:
    shown = "shown-item"

    def run(request: TurnRequest) -> list[TurnEvent]:  # a replayed user turn that shows one item
        request.state.shown_ids.append(shown)
        return []

    named = {"first": ["x", shown], "second": ["y", "x"]}
    ctx = backend.components.tool_context("replay-discussed")
    request = TurnRequest(ctx, "now", "s", DialogueState(), "template", "router", 10)
    history: list[Any] = [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "first"},
        {"role": "user", "content": "and?"},
        {"role": "assistant", "content": "second"},
    ]
    state = replay_history(run, request, history, lambda st, done: None, lambda text: named[text])
    assert state.discussed == ["x", "y"]
    assert ctx.discussed == ["x", "y"]  # the asked turn's tools know them


def test_replayed_items_count_as_shown_only_when_the_next_assistant_message_names_them(backend: Concierge) -> None:
    first, second = backend.components.catalog.items()[:2]
    views = [ItemView(i.item_id, i.title, i.year, i.genres, "", 1.0) for i in (first, second)]

    def run(request: TurnRequest) -> list[TurnEvent]:  # a replayed user turn that shows both items
        return [TurnDone(TurnResult("s", "picks", views, [], "template"))]

    def advance(state: DialogueState, result: TurnResult) -> None:
        state.shown_ids += [v.item_id for v in result.items]

    ctx = backend.components.tool_context("replay-shown")
    request = TurnRequest(ctx, "more", "s", DialogueState(), "template", "router", 10)
    history: list[Any] = [
        {"role": "user", "content": "a comedy"},
        {"role": "assistant", "content": f"Here you are:\n1. {first.label} — Comedy: popular"},
    ]
    state = replay_history(run, request, history, advance, lambda text: [])
    assert state.shown_ids == [first.item_id]  # the second was never shown to the user


def test_a_stateless_conversation_recommends_from_what_its_assistant_named(backend: Concierge) -> None:
    named = first_with(backend, "Animation")
    history = [
        {"role": "user", "content": "hi, I need something to watch tonight"},
        {"role": "assistant", "content": f"Have you seen {named.label}?"},
    ]
    result = stateless_turn(backend, "stateless-named", "any others?", history)
    plain = stateless_turn(backend, "stateless-plain", "any others?", history[:1])
    assert result.items and named.item_id not in {i.item_id for i in result.items}
    assert [i.item_id for i in result.items] != [i.item_id for i in plain.items]


def test_fresh_popularity_raises_recent_releases_only() -> None:
    prior = np.array([1.0, 1.0, 0.5, 0.5], dtype=np.float32)
    years = np.array([1980, 2018, 2018, 0], dtype=np.float32)
    raised = fresh_popularity(prior, years, 3.0, 10.0)
    assert raised.max() == pytest.approx(1.0)
    assert raised[1] > raised[0] and raised[2] > raised[3]  # same prior: the newer release ranks higher
    assert raised[1] / raised[2] == pytest.approx(2.0)  # the same year keeps the ratio
    assert np.array_equal(fresh_popularity(prior, years, 0.0, 10.0), prior)
    assert np.array_equal(fresh_popularity(prior, np.zeros(4, dtype=np.float32), 3.0, 10.0), prior)


def test_a_query_that_matches_no_item_well_leaves_the_ranking_alone(ranker: HybridRanker) -> None:
    catalog = ranker.catalog
    liked = next(i for i in catalog.items() if i.title == "Heat")
    keep = catalog.mask(exclude_ids=[liked.item_id])
    history = {liked.item_id: 1.0}
    plain = [p.item.item_id for p in ranker.rank(RankRequest(dict(history), keep, 10))]
    noise = np.random.default_rng(0).normal(size=catalog.matrix.shape[1]).astype(np.float32)
    noise /= np.linalg.norm(noise)
    assert float((catalog.matrix @ noise).max()) < ranker.weights.query_low  # a wish about nothing in the catalog
    with_noise = ranker.rank(RankRequest(dict(history), keep, 10, noise, "agree"))
    assert [p.item.item_id for p in with_noise] == plain
    target = catalog.items()[catalog.count() - 1]  # a wish that is exactly one item's text
    aimed = ranker.rank(RankRequest(dict(history), keep, 10, catalog.matrix[catalog.count() - 1], "that one"))
    assert aimed[0].item.item_id == target.item_id


def test_query_strength_ramps_between_its_bounds() -> None:
    assert query_strength(np.array([0.1, 0.3]), 0.35, 0.5) == 0.0
    assert query_strength(np.array([0.1, 0.425]), 0.35, 0.5) == pytest.approx(0.5)
    assert query_strength(np.array([0.7]), 0.35, 0.5) == 1.0


def test_it_is_what_another_assistant_named_not_what_the_replay_picked(backend: Concierge) -> None:
    named = first_with(backend, "Horror")
    history = [
        {"role": "user", "content": "Hi! I want a movie for tonight"},
        {"role": "assistant", "content": f"Have you seen {named.label}? It is a good scary one."},
        {"role": "user", "content": "Yes I have seen it, it was great"},
    ]
    result = stateless_turn(backend, "stateless-it", "any other ideas?", history)
    assert result.items and named.item_id not in {i.item_id for i in result.items}
    cited = [i.reason for i in result.items if named.label in (i.reason or "")]
    assert cited, [i.reason for i in result.items]  # "it" was liked: the picks say so
