"""The router on non-film catalogs: facet slots from the profile ("by Stephen King", "from Acme", "under 20
euros"), values matched against the catalog's own values, the catalog's nouns and categories, and titles that are
not facet values. HashingEmbedder: the intent model is fake, the rules are real."""

from __future__ import annotations

from typing import Any

import pytest

from bot.agent.decision import DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.routing import Router
from store.embedder import HashingEmbedder
from tests.facet_fixtures import books_store, routed
from tools.names import Intent, ToolName

LIST_TOOLS = (ToolName.RECOMMEND, ToolName.SEARCH_CATALOG)


def one_call(catalog: str, text: str, state: DialogueState | None = None) -> tuple[str, dict[str, Any]]:
    decision = routed(catalog, text, state)
    assert len(decision.calls) == 1, decision
    return decision.calls[0].tool, decision.calls[0].arguments


@pytest.mark.parametrize(
    ("text", "author"),
    [
        ("recommend me books by Stephen King", "Stephen King"),
        ("any novels by stephen  king?", "Stephen King"),
        ("something by Tolkien", "J.R.R. Tolkien"),
        ("books by agatha christie please", "Agatha Christie"),
        ("a mystery by Agatha Christy", "Agatha Christie"),
        ("give me 3 books from J.R.R. Tolkien", "J.R.R. Tolkien"),
    ],
)
def test_author_facet_from_cue_words(text: str, author: str) -> None:
    tool, arguments = one_call("books", text)
    assert tool in LIST_TOOLS
    assert arguments["facets"] == {"authors": [author]}
    assert "likes" not in arguments, "a facet value is not a liked title"
    assert not {"king", "tolkien", "books", "novels"} & set((arguments.get("query") or "").lower().split())


@pytest.mark.parametrize(
    ("text", "author"),
    [
        ("Stephen King books", "Stephen King"),
        ("any agatha christie novels?", "Agatha Christie"),
        ("I want Owen King books", "Owen King"),
    ],
)
def test_an_author_written_right_before_the_item_word_is_the_author_facet(text: str, author: str) -> None:
    tool, arguments = one_call("books", text)  # "Stephen King books" was "If you like The King (2014)"
    assert tool in LIST_TOOLS and arguments["facets"] == {"authors": [author]}, arguments
    assert "likes" not in arguments and "titles" not in routed("books", text).slots


def test_a_facet_request_the_intent_model_reads_as_the_profile_asks_for_picks() -> None:
    router = Router(HashingEmbedder(), None, store=books_store())
    scores = router._scores
    router._scores = lambda cleaned, slots: {**scores(cleaned, slots), "profile": 5.0}  # type: ignore[method-assign]
    picks = router.route("Stephen King books", DialogueState())  # the embedded intent model says "profile"
    assert [c.tool for c in picks.calls] in ([ToolName.RECOMMEND], [ToolName.SEARCH_CATALOG]), picks
    mine = router.route("what is my taste in Stephen King books?", DialogueState())
    assert [c.tool for c in mine.calls] == [ToolName.USER_PROFILE], mine


@pytest.mark.parametrize("text", ["some good books", "King books", "fantasy books please"])
def test_words_before_the_item_word_that_are_no_exact_value_name_nobody(text: str) -> None:
    decision = routed("books", text)
    assert "facets" not in decision.slots and not any("facets" in c.arguments for c in decision.calls), decision


def test_titles_inside_facet_values_are_not_titles() -> None:
    decision = routed("books", "recommend me books by Stephen King")
    assert "titles" not in decision.slots  # not "The King (2014)"
    assert decision.slots["facets"] == {"authors": ["Stephen King"]}


def test_several_values_and_a_title_next_to_a_facet() -> None:
    _, arguments = one_call("books", "books by Stephen King or Agatha Christie")
    assert arguments["facets"] == {"authors": ["Stephen King", "Agatha Christie"]}
    tool, arguments = one_call("books", "something like Carrie by Stephen King")
    assert tool == ToolName.SIMILAR_ITEMS
    assert arguments == {"item": "Carrie (1974)", "facets": {"authors": ["Stephen King"]}}


def test_ambiguous_value_is_passed_on_for_the_tool_to_ask() -> None:
    _, arguments = one_call("books", "books by Christopher")
    assert arguments["facets"] == {"authors": ["Christopher"]}  # Paolini or Tolkien: the tool asks which


def test_unknown_name_after_the_main_cue_is_kept() -> None:
    _, arguments = one_call("books", "books by Dan Brown")
    assert arguments["facets"] == {"authors": ["Dan Brown"]}  # the tool answers "no author 'Dan Brown'"
    _, arguments = one_call("books", "a book from the sixties")
    assert "facets" not in arguments


@pytest.mark.parametrize(
    "text",
    ["a fantasy novel with dragons", "suggest a good book to read", "a novel set in Paris"],
)
def test_catalog_nouns_are_in_scope_without_film_words(text: str) -> None:
    decision = routed("books", text)
    assert decision.intent in (Intent.RECOMMEND, Intent.SEARCH), decision
    assert decision.calls and decision.calls[0].tool in LIST_TOOLS


def test_catalog_categories_are_filters() -> None:
    _, arguments = one_call("books", "a fantasy novel with dragons")
    assert arguments["genres"] == ["Fantasy"]
    assert "novel" not in (arguments.get("query") or "")
    _, arguments = one_call("shop", "something for the kitchen")
    assert arguments["genres"] == ["Kitchen"]
    _, arguments = one_call("shop", "a gift under 15 euros")
    assert (arguments["genres"], arguments["max_values"]) == (["Gifts"], {"price": 15.0})


@pytest.mark.parametrize(
    ("text", "minimum", "maximum"),
    [
        ("mugs under 20 euros", None, 20.0),
        ("a mug for less than €9.99", None, 9.99),
        ("mugs under 20", None, 20.0),
        ("a vase over 25 EUR", 25.0, None),
        ("something between 10 and 30 euros", 10.0, 30.0),
        ("price under 40", None, 40.0),
    ],
)
def test_price_ranges(text: str, minimum: float | None, maximum: float | None) -> None:
    _, arguments = one_call("shop", text)
    assert arguments.get("min_values", {}).get("price") == minimum
    assert arguments.get("max_values", {}).get("price") == maximum
    assert not any(ch.isdigit() for ch in arguments.get("query") or "")


def test_maker_facet_and_price_together() -> None:
    _, arguments = one_call("shop", "mugs from Acme under 20 euros")
    assert arguments["facets"] == {"brand": ["Acme"]}
    assert arguments["max_values"] == {"price": 20.0}
    assert arguments.get("query") == "mugs"


def test_follow_ups_keep_and_refine_facets() -> None:
    shown = [ItemView("b4", "Joyland", 2013, (), "", 1.0), ItemView("b3", "Misery", 1987, (), "", 0.9)]
    state = DialogueState(
        last_items=shown,
        last_calls=[PlannedCall(ToolName.RECOMMEND, {"facets": {"authors": ["Stephen King"]}})],
        shown_ids=["b4", "b3"],
    )
    tool, arguments = one_call("books", "something older", state)
    assert tool == ToolName.RECOMMEND
    assert arguments["facets"] == {"authors": ["Stephen King"]} and arguments["year_to"] == 1986
    _, arguments = one_call("books", "only ones by Tolkien", state)
    assert arguments["facets"] == {"authors": ["J.R.R. Tolkien"]}


def test_older_than_a_named_item() -> None:
    decision = routed("books", "I loved Misery, something older by Stephen King")
    recommended = decision.calls[-1]
    assert recommended.tool == ToolName.RECOMMEND and recommended.arguments["likes"] == ["Misery (1987)"]
    assert recommended.arguments["year_to"] == 1986
    assert recommended.arguments["facets"] == {"authors": ["Stephen King"]}


def test_film_router_has_no_facets() -> None:
    decision = routed("films", "recommend me books by Stephen King")
    assert "facets" not in decision.slots
    assert all("facets" not in c.arguments for c in decision.calls)


@pytest.mark.parametrize(
    ("catalog", "text", "unmet"),
    [
        ("books", "Stephen King books under 400 pages", ["under 400 pages"]),  # goodbooks-10k has no page counts
        ("films", "a comedy under 2 hours", ["under 2 hours"]),
        ("films", "a film for kids under 10 years old", None),  # an age
        ("films", "give me 3 comedies over 3 stars", None),  # a rating
        ("films", "movies from 1990", None),  # a year
        ("shop", "mugs under 20 euros", None),  # the shop's price facet
    ],
)
def test_a_bound_no_facet_can_apply_is_kept_to_be_said(catalog: str, text: str, unmet: list[str] | None) -> None:
    decision = routed(catalog, text)
    assert decision.slots.get("unmet") == unmet, decision
    assert not any("pages" in str(c.arguments.get("query")) for c in decision.calls), decision  # not a query word
