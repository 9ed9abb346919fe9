"""The router on a bookshop (and a shop) in the catalog's own words: people questions from the people facet ("who
wrote X?"), consumption verbs as seen-feedback ("I've already read X"), a noun word used as a verb that does not make
a message in scope ("can you book me a table?"), and a bare title as an item request. HashingEmbedder: the intent
model is fake, the rules are real."""

from __future__ import annotations

import pytest

from bot.agent.router.catalog_words import CatalogWords
from bot.agent.router.phrases import clean, tokenize
from store.catalog_profile import shipped_profile
from tests.facet_fixtures import SHOP_PROFILE, planned_calls, routed
from tools.names import Intent, ToolName


@pytest.mark.parametrize("text", ["who wrote The Hobbit?", "Who is the author of The Hobbit", "The Hobbit author?"])
def test_people_question_from_the_people_facet(text: str) -> None:
    decision = routed("books", text)
    assert decision.intent == Intent.ITEM_QUESTION and decision.question == "people", decision
    assert planned_calls(decision) == [(ToolName.ITEM_DETAILS, {"item": "The Hobbit (1937)"})]


def test_maker_question_in_a_shop() -> None:
    decision = routed("shop", "who makes the Blue Mug?")
    assert decision.question == "people" and decision.calls[0].tool == ToolName.ITEM_DETAILS, decision
    assert routed("films", "who directed Heat?").question == "people"  # the film lexicon's own cue


@pytest.mark.parametrize(
    ("catalog", "text", "item"),
    [
        ("books", "I've already read Misery", "Misery (1987)"),
        ("books", "I have read The Shining", "The Shining (1977)"),
        ("shop", "I already bought the Espresso Mug", "Espresso Mug"),
        ("films", "I've already seen The Matrix", "The Matrix (1999)"),
    ],
)
def test_consumption_verbs_are_seen_feedback(catalog: str, text: str, item: str) -> None:
    decision = routed(catalog, text)
    assert decision.intent == Intent.FEEDBACK, decision
    assert planned_calls(decision) == [(ToolName.RECORD_FEEDBACK, {"item": item, "signal": "seen"})]


def test_what_to_read_next_is_not_feedback() -> None:
    decision = routed("books", "what should I read next?")
    assert decision.intent == Intent.RECOMMEND and decision.calls[0].tool == ToolName.RECOMMEND, decision


@pytest.mark.parametrize(
    "text",
    ["can you book me a table for two tonight?", "book a table for tonight", "please book us a flight to Rome"],
)
def test_the_noun_as_a_verb_is_not_a_request(text: str) -> None:
    decision = routed("books", text)
    assert decision.intent == Intent.OUT_OF_SCOPE and not decision.calls, decision


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("can you book me a table", False),
        ("book a flight to London", False),
        ("I want to book a room", False),
        ("a book for my dad", True),
        ("book recommendations please", True),
        ("a good book a teenager would like", True),
        ("books the whole family can enjoy", True),
        ("I want to read a thriller", True),  # the catalog's own verb
    ],
)
def test_nouns_count_in_noun_position(text: str, named: bool) -> None:
    words = CatalogWords(shipped_profile("books"))
    assert words.names_items(tokenize(clean(text))) is named


def test_out_of_scope_examples_with_the_noun_as_a_verb_are_kept() -> None:
    books = CatalogWords(shipped_profile("books"))
    assert books.adapt_example("out_of_scope", "book me a flight to London") == "book me a flight to London"
    assert books.adapt_example("out_of_scope", "suggest a good book to read") is None
    assert CatalogWords(SHOP_PROFILE).adapt_example("out_of_scope", "book me a flight to London")


@pytest.mark.parametrize(
    ("catalog", "text", "query"),
    [
        ("books", "Murder on the Orient Express", "Murder on the Orient Express (1934)"),
        ("books", "the fellowship of the ring?", "The Fellowship of the Ring (1954)"),
        ("films", "The Godfather", "The Godfather (1972)"),
    ],
)
def test_a_bare_title_is_an_item_request(catalog: str, text: str, query: str) -> None:
    decision = routed(catalog, text)
    assert planned_calls(decision) == [(ToolName.SEARCH_CATALOG, {"query": query})], decision


def test_a_common_word_alone_is_still_no_title() -> None:
    assert not routed("films", "Heat").calls  # a one-word title needs a cue or capitals mid-sentence
