"""Seeker messages of ReDial the router used to misread (issue 14), with the real lexicon and a fake intent model:
a genre word inside a title is the title's; a question cue in a sentence that ends with "." is no question when
another sentence asks; "that genre" points at no item shown; a request next to a promise to watch still asks (the
promises themselves: tests/test_router_chat_turns.py); and the other rules of docs/agent.md's seeker-turn list."""

from __future__ import annotations

import pytest

from bot.agent.decision import ABOUT_RECOMMENDER, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.phrases import clean, tokenize
from bot.agent.router.query_text import residual
from bot.agent.router.routing import Router
from bot.agent.router.slots import extract
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tests.router_fakes import item, listed_state, tiny_catalog
from tools.names import Intent, ToolName


def catalog() -> list[CatalogItem]:
    extra = [
        item("122912", "Avengers: Infinity War - Part I", 2018, ("Action", "Adventure", "Sci-Fi"), 20),
        item("1396", "Fear", 1996, ("Thriller",), 15),
        item("122916", "Black Panther", 2017, ("Action", "Adventure", "Sci-Fi"), 30),
        item("58156", "Superhero Movie", 2008, ("Action", "Comedy", "Sci-Fi"), 10),
        item("2028", "Saving Private Ryan", 1998, ("Action", "Drama", "War"), 150),
        item("1210", "Star Wars: Episode VI - Return of the Jedi", 1983, ("Action", "Adventure", "Sci-Fi"), 90),
    ]
    return [*tiny_catalog(), *extra]


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(HashingEmbedder(), None, items=catalog())


def calls(router: Router, text: str, state: DialogueState | None = None) -> list[tuple[str, dict[str, object]]]:
    return [(str(c.tool), dict(c.arguments)) for c in router.route(text, state or DialogueState()).calls]


@pytest.mark.parametrize(
    "text", ["Avengers: Infinity War (2018) is my favorite", "Avengers: Infinity War (2018) was great"]
)
def test_a_genre_word_inside_a_title_is_no_genre_filter(router: Router, text: str) -> None:
    planned = calls(router, text)
    assert planned, text
    assert not any("genres" in arguments for _, arguments in planned), planned


def test_a_genre_word_outside_the_title_still_filters(router: Router) -> None:
    planned = calls(router, "I loved Avengers: Infinity War (2018), any war movies?")
    assert any(arguments.get("genres") == ["War"] for _, arguments in planned), planned


def test_a_question_cue_in_a_statement_is_no_question_when_another_sentence_asks(router: Router) -> None:
    # "good" is a rating cue; here it describes the taste, and the question asks for more picks
    planned = calls(router, "This one has good action. What else would you recommend me?", listed_state())
    assert [tool for tool, _ in planned] == [ToolName.RECOMMEND], planned
    # the same cue in the sentence with the question mark still asks about the item shown
    asked = router.route("I enjoy action movies. Is it any good?", listed_state())
    assert [c.tool for c in asked.calls] == [ToolName.ITEM_DETAILS] and asked.question == "rating", asked


def test_that_genre_points_at_no_item_shown(router: Router) -> None:
    planned = calls(router, "I enjoy action movies. What else would you recommend me from that genre?", listed_state())
    assert [tool for tool, _ in planned] == [ToolName.RECOMMEND], planned
    assert "Action" in planned[0][1].get("genres", []), planned  # (and the list's Crime: "that genre")
    # "that one" still points at the item shown
    asked = router.route("what genre is that one?", listed_state())
    assert [c.tool for c in asked.calls] == [ToolName.ITEM_DETAILS] and asked.question == "genre", asked


def test_a_request_next_to_a_promise_still_asks(router: Router) -> None:
    planned = calls(router, "I certainly will. What else would you recommend?", listed_state())
    assert [tool for tool, _ in planned] == [ToolName.RECOMMEND], planned


def test_a_question_about_it_with_nothing_shown_asks_about_an_unnamed_item(router: Router) -> None:
    decision = router.route("is it interesting?", DialogueState())
    assert decision.intent == Intent.ITEM_QUESTION and not decision.calls, decision
    assert decision.question == "rating", decision
    shown = router.route("is it interesting?", listed_state())  # something shown: that item
    assert [c.tool for c in shown.calls] == [ToolName.ITEM_DETAILS], shown


@pytest.mark.parametrize("text", ["Probably a shark heist", "possibly sharks I guess", "definitely sharks"])
def test_a_hedge_is_no_part_of_the_query(router: Router, text: str) -> None:
    tokens = tokenize(clean(text))
    slots = extract(clean(text), tokens, router.lexicon, router.year_bounds)
    assert residual(tokens, slots, router.lexicon, set(), keep_genres=False) in ("shark", "sharks")


@pytest.mark.parametrize(
    "text", ["No, i haven't watched that one, i like old movies too", "that one no, I love all horror movies"]
)
def test_a_like_of_a_genre_or_an_era_is_no_like_of_the_item_shown(router: Router, text: str) -> None:
    planned = calls(router, text, listed_state())
    assert [tool for tool, _ in planned] == [ToolName.RECOMMEND], planned
    assert planned[0][1].get("year_to") or planned[0][1].get("genres"), planned


def test_a_like_of_the_item_shown_is_still_recorded(router: Router) -> None:
    planned = calls(router, "I like that one, any older movies?", listed_state())
    assert planned[0] == (ToolName.RECORD_FEEDBACK, {"item": "6", "signal": "like"}), planned


@pytest.mark.parametrize(
    "text",
    [
        "Anything else? What about The Matrix ?",
        "Do you think the Keanu Reeves one called The Matrix (1999) ?",
        "what do you think of The Matrix?",
    ],
)
def test_asking_for_an_opinion_of_a_title_asks_about_it(router: Router, text: str) -> None:
    assert calls(router, text) == [(ToolName.ITEM_DETAILS, {"item": "The Matrix (1999)"})], text


@pytest.mark.parametrize("state", [DialogueState(), listed_state()])
def test_how_about_you_asks_about_no_item(router: Router, state: DialogueState) -> None:
    decision = router.route("I'm good, how about you?", state)
    assert decision.intent != Intent.ITEM_QUESTION and ToolName.ITEM_DETAILS not in [c.tool for c in decision.calls]


def test_a_current_favorite_is_no_recency_filter(router: Router) -> None:
    planned = calls(router, "The Matrix (1999) is a current favorite")
    assert planned and not any("year_from" in arguments for _, arguments in planned), planned
    recent = calls(router, "any current movies?")
    assert recent and recent[-1][1].get("year_from"), recent


def test_a_childs_age_or_a_sleepover_asks_for_childrens_picks(router: Router) -> None:
    planned = calls(router, "I am actually looking for movies for my 12 yr olds sleepover")
    assert planned and planned[-1][1].get("genres") == ["Children"], planned
    assert "k" not in planned[-1][1], planned  # 12 is an age, not a count


def test_how_picks_combine_a_taste_is_no_query(router: Router) -> None:
    planned = calls(router, "I love action and funny movies, so I looking for something that combines both")
    assert [tool for tool, _ in planned] == [ToolName.RECOMMEND], planned
    assert "query" not in planned[0][1] and set(planned[0][1]["genres"]) == {"Action", "Comedy"}, planned


def reading(top: str) -> Router:
    """The router with an intent model whose best reading of every message is `top` (the rules decide)."""
    forced = Router(HashingEmbedder(), None, items=catalog())
    scores = forced._scores
    forced._scores = lambda cleaned, slots: {**scores(cleaned, slots), top: 5.0}  # type: ignore[method-assign]
    return forced


@pytest.mark.parametrize("state", [DialogueState(), listed_state()])
def test_a_question_about_the_recommenders_taste_is_chat(router: Router, state: DialogueState) -> None:
    decision = reading("profile").route("I'm peachy! Thanks for asking ?! What kind of movies are you into?", state)
    assert decision.intent == Intent.SMALLTALK and not decision.calls, decision
    assert decision.slots.get(ABOUT_RECOMMENDER) is True, decision  # the reply says it has no taste of its own
    mine = reading("profile").route("What kind of movies am I into? Show my taste", state)
    assert [c.tool for c in mine.calls] == [ToolName.USER_PROFILE], mine


@pytest.mark.parametrize("top", ["item_question", "recommend"])
@pytest.mark.parametrize(
    "text", ["No heard it is very good", "I also heard The Matrix (1999) was good, I just have not seen it yet!"]
)
def test_hearsay_without_a_question_or_request_is_chat(router: Router, text: str, top: str) -> None:
    decision = reading(top).route(text, listed_state())
    assert decision.intent == Intent.SMALLTALK and not decision.calls, decision


@pytest.mark.parametrize(
    "text", ["I heard The Matrix (1999) was good, anything like it?", "The Matrix is good, anything similar?"]
)
def test_hearsay_or_praise_next_to_a_request_still_asks(router: Router, text: str) -> None:
    planned = calls(router, text)
    assert planned and planned[-1][0] in (ToolName.SIMILAR_ITEMS, ToolName.RECOMMEND), planned


def test_a_misremembered_year_is_the_catalogs_film_and_a_far_one_is_another(router: Router) -> None:
    assert router.named_items("the Reese Witherspoon one called Fear (1990)") == ["1396"]
    assert router.named_items("I loved The Black Panther (1977)") == []
    assert router.named_items("Black Panther (2018) was great") == ["122916"]


def test_years_relative_to_the_oldest_item_stay_inside_the_catalog(router: Router) -> None:
    planned = calls(router, "something like Metropolis but older")
    low, _ = router.year_bounds
    assert planned and all(arguments.get("year_to", low) >= low for _, arguments in planned), planned


def shown(*views: tuple[str, str, int]) -> DialogueState:
    """After recommend() showed these (id, title, year) items."""
    items = [ItemView(i, title, year, (), "", 0.5) for i, title, year in views]
    return DialogueState(last_items=items, last_calls=[PlannedCall("recommend", {})], shown_ids=[i for i, *_ in views])


def test_a_title_after_but_not_gets_no_feedback_and_a_shown_title_seen_gets_a_fresh_list(router: Router) -> None:
    planned = calls(
        router, "I have seen It (2017) , but not It (1990) .", shown(("1", "Toy Story", 1995), ("176371", "It", 2017))
    )
    assert [a for t, a in planned if t == ToolName.RECORD_FEEDBACK] == [{"item": "It (2017)", "signal": "seen"}]
    assert planned[-1][0] == ToolName.RECOMMEND and "176371" in planned[-1][1]["exclude_ids"], planned


def test_a_dislike_verb_before_a_title_is_feedback_not_a_negation(router: Router) -> None:
    assert calls(router, "I hate Heat")[0] == (ToolName.RECORD_FEEDBACK, {"item": "Heat (1995)", "signal": "dislike"})


def test_a_named_title_seen_next_to_a_question_to_the_recommender_gives_no_fresh_list(router: Router) -> None:
    planned = calls(router, "I also watched The Matrix (1999) have you seen it?", shown(("1214", "Alien", 1979)))
    assert planned == [(ToolName.RECORD_FEEDBACK, {"item": "The Matrix (1999)", "signal": "seen"})], planned


def test_a_question_about_the_suggestion_next_to_a_title_seen_answers_it(router: Router) -> None:
    text = "Is that a great one? I have never seen it. I have seen Heat"
    decision = router.route(text, shown(("1214", "Alien", 1979)))
    assert [(str(c.tool), dict(c.arguments)) for c in decision.calls] == [
        (ToolName.RECORD_FEEDBACK, {"item": "Heat (1995)", "signal": "seen"}),
        (ToolName.ITEM_DETAILS, {"item": "1214"}),
    ], decision
    assert decision.intent == Intent.ITEM_QUESTION and decision.question == "rating", decision


def test_have_you_seen_with_the_users_own_opinion_is_a_like(router: Router) -> None:
    planned = calls(router, "Have you seen The Matrix (1999) it was a superhero movie but very funny.")
    assert planned[0] == (ToolName.RECORD_FEEDBACK, {"item": "The Matrix (1999)", "signal": "like"}), planned
    assert planned[-1][0] == ToolName.RECOMMEND and planned[-1][1]["likes"] == ["The Matrix (1999)"], planned
    assert "Superhero Movie" not in str(planned)  # "a superhero movie" describes, names no film
    asked = calls(router, "Have you seen The Matrix (1999)? it was very funny.")
    assert [t for t, _ in asked] == [ToolName.ITEM_DETAILS], asked


def test_an_opinion_the_intent_model_cannot_place_is_chat(router: Router) -> None:
    unsure = Router(HashingEmbedder(), None, items=catalog())
    unsure._scores = lambda cleaned, slots: {"out_of_scope": 0.2, "smalltalk": 0.1}  # type: ignore[method-assign]
    assert unsure.route("I was but wasn't. Still good though.", DialogueState()).intent == Intent.SMALLTALK
    assert unsure.route("I was but wasn't.", DialogueState()).intent == Intent.OUT_OF_SCOPE


@pytest.mark.parametrize("state", [DialogueState(), listed_state()])
def test_a_liked_film_the_catalog_lacks_is_answered_with_picks(router: Router, state: DialogueState) -> None:
    # "it" is the film named, not the item shown (after a list it recorded a like of the first item shown)
    planned = calls(router, "i watched Spider-Man: Homecoming (2017) and it was awesome", state)
    assert [t for t, _ in planned] == [ToolName.RECOMMEND] and "likes" not in planned[0][1], planned


def test_a_like_with_a_request_for_something_similar_asks_for_its_neighbours(router: Router) -> None:
    text = "I watched Up (2009) . It's a great moovie. My daughter loved it. Will you recommend me something similar?"
    planned = calls(router, text)
    assert planned == [
        (ToolName.RECORD_FEEDBACK, {"item": "Up (2009)", "signal": "like"}),
        (ToolName.SIMILAR_ITEMS, {"item": "Up (2009)"}),
    ], planned


@pytest.mark.parametrize("text", ["I also like Heat (1995)", "i also love Heat and The Matrix"])
def test_i_also_like_is_a_like_not_a_similarity_request(router: Router, text: str) -> None:
    planned = calls(router, text)
    assert planned[0] == (ToolName.RECORD_FEEDBACK, {"item": "Heat (1995)", "signal": "like"}), planned
    assert planned[-1][0] == ToolName.RECOMMEND and "Heat (1995)" in planned[-1][1]["likes"], planned


def test_is_it_like_a_title_compares_the_item_shown_with_it(router: Router) -> None:
    decision = router.route("is it like The Matrix (1999) ?", listed_state())
    assert [c.arguments["item"] for c in decision.calls] == ["6", "The Matrix (1999)"], decision
    assert decision.intent == Intent.ITEM_QUESTION and decision.question == "genre", decision
    # "something like The Matrix" still asks for its neighbours
    assert [c.tool for c in router.route("something like The Matrix", listed_state()).calls] == [ToolName.SIMILAR_ITEMS]
