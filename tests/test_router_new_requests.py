"""After a "similar" turn, a message that names a new constraint ("books by Agatha Christie") is a new request with
that constraint, not "more like those" with the constraint dropped; "more like those" keeps the message's own
constraints; and a similar reply never renders an empty anchor ("If you like , try these 5."). The intent model is
forced to say "similar" (as MiniLM does for "books by agatha christie"): the rules must hold whatever it says."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.reply_templates import render_template_reply
from bot.agent.router.routing import Router
from bot.agent.toolbox import ToolOutcome
from prompts import Prompts
from prompts.locale import source_locale
from store.catalog_profile import shipped_profile
from store.embedder import HashingEmbedder
from tests.facet_fixtures import BOOKS, books_store, routed
from tools.context import ToolContext
from tools.names import Intent, ToolName
from tools.results import ToolResult
from tools.titles import TitleIndex

SHOWN = [
    ItemView("b9", "The Fellowship of the Ring", 1954, ("Fantasy",), "", 1.0),
    ItemView("b10", "The Two Towers", 1954, ("Fantasy",), "", 0.9),
    ItemView("b11", "The Return of the King", 1955, ("Fantasy",), "", 0.8),
]


def after_similar() -> DialogueState:
    """The state after "something like The Hobbit" showed three books."""
    calls = [PlannedCall(ToolName.SIMILAR_ITEMS, {"item": "The Hobbit (1937)"})]
    return DialogueState(last_items=list(SHOWN), last_calls=calls, shown_ids=[v.item_id for v in SHOWN])


@pytest.fixture(scope="module")
def similar_minded() -> Router:
    """A books router whose intent model ranks "similar" first for every message."""
    router = Router(HashingEmbedder(), None, store=books_store())
    scores = router._scores
    router._scores = lambda cleaned, slots: {**scores(cleaned, slots), "similar": 5.0}  # type: ignore[method-assign]
    return router


@pytest.mark.parametrize(
    ("text", "facets"),
    [
        ("books by agatha christie", {"authors": ["Agatha Christie"]}),
        ("something by Stephen King", {"authors": ["Stephen King"]}),
    ],
)
def test_a_new_facet_value_is_a_new_request(similar_minded: Router, text: str, facets: dict[str, list[str]]) -> None:
    for state in (after_similar(), DialogueState()):
        decision = similar_minded.route(text, state)
        assert decision.intent == Intent.RECOMMEND, decision
        assert [(c.tool, c.arguments) for c in decision.calls] == [(ToolName.RECOMMEND, {"facets": facets})]


def test_a_new_facet_value_after_one_shown_item(similar_minded: Router) -> None:
    state = DialogueState(last_items=SHOWN[:1], last_calls=after_similar().last_calls, shown_ids=["b9"])
    decision = similar_minded.route("books by agatha christie", state)
    assert decision.calls[0].tool == ToolName.RECOMMEND, decision
    assert decision.calls[0].arguments == {"facets": {"authors": ["Agatha Christie"]}}


def test_more_like_those_keeps_the_message_constraints() -> None:
    decision = routed("books", "more like those but by Stephen King", after_similar())
    call = decision.calls[0]
    assert decision.intent == Intent.SIMILAR and call.tool == ToolName.RECOMMEND, decision
    assert call.arguments["likes"] == ["b9", "b10", "b11"] and call.arguments["exclude_ids"] == ["b9", "b10", "b11"]
    assert call.arguments["facets"] == {"authors": ["Stephen King"]}


def test_follow_ups_of_a_similar_turn_still_refine(similar_minded: Router) -> None:
    plain = routed("books", "more like those", after_similar()).calls
    assert plain == [
        PlannedCall(ToolName.RECOMMEND, {"likes": ["b9", "b10", "b11"], "exclude_ids": ["b9", "b10", "b11"]})
    ]
    older = routed("books", "something older", after_similar()).calls[0]
    assert older.tool == ToolName.SIMILAR_ITEMS, older
    assert older.arguments["item"] == "The Hobbit (1937)" and older.arguments["year_to"] == 1953
    assert similar_minded.route("something similar", after_similar()).calls[0].arguments["likes"] == [
        "b9",
        "b10",
        "b11",
    ]


def test_more_like_those_with_nothing_shown_is_not_an_empty_similar() -> None:
    decision = routed("books", "more like those")
    assert not (decision.intent == Intent.SIMILAR and decision.calls and not decision.calls[0].arguments), decision


def _reply(call: ToolOutcome) -> str:
    store = books_store()
    ctx = cast(ToolContext, SimpleNamespace(catalog=store, titles=TitleIndex(BOOKS), locale=source_locale()))
    decision = Decision(Intent.SIMILAR, 0.9, [PlannedCall(call.name, call.arguments)])
    return render_template_reply(Prompts(), ctx, Intent.SIMILAR, decision, [call], list(SHOWN))


def test_similar_reply_names_the_liked_items_of_a_recommend_call() -> None:
    likes = {"likes": ["b9", "b10", "b11"]}
    reply = _reply(ToolOutcome(ToolName.RECOMMEND, likes, ToolResult(summary="3 items"), None, 1.0))
    expected = "The Fellowship of the Ring (1954), The Two Towers (1954) and The Return of the King (1955)"
    assert reply == f"If you like {expected}, try these 3."
    anchored = _reply(ToolOutcome(ToolName.SIMILAR_ITEMS, {"item": "b8"}, ToolResult(summary="3"), None, 1.0))
    assert anchored == "If you like The Hobbit (1937), try these 3."


@pytest.mark.parametrize("arguments", [{}, {"likes": ["no such book"]}])
def test_similar_reply_never_renders_an_empty_anchor(arguments: dict[str, list[str]]) -> None:
    reply = _reply(ToolOutcome(ToolName.RECOMMEND, arguments, ToolResult(summary="3 items"), None, 1.0))
    assert reply == "Here are 3 similar books."
    one = Prompts().template_reply(
        "similar", profile=shipped_profile("books"), items=SHOWN[:1], anchor="", constraints=""
    )
    assert one == "Here is 1 similar book."
