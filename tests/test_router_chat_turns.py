"""The talk around requests (bot/agent/router/chat_turns.py; issue 14's ReDial failure kinds), with the real
lexicon and a fake intent model: acknowledgements are chat, "have you seen X?" asks about X, an opinion makes a
seen title a like or a dislike, "I like action movies" asks for picks, "I'm open to anything" too."""

from __future__ import annotations

import pytest

from bot.agent.decision import ABOUT_RECOMMENDER, DialogueState
from bot.agent.events import ItemView
from bot.agent.router.routing import Router
from store.embedder import HashingEmbedder
from tests.router_fakes import details_state, listed_state, tiny_catalog
from tools.names import Intent, ToolName


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(HashingEmbedder(), None, items=tiny_catalog())


def tools_of(router: Router, text: str, state: DialogueState | None = None) -> list[ToolName]:
    return [call.tool for call in router.route(text, state or listed_state()).calls]


def signals(router: Router, text: str, state: DialogueState | None = None) -> list[tuple[str, str]]:
    decision = router.route(text, state or listed_state())
    calls = [c for c in decision.calls if c.tool == ToolName.RECORD_FEEDBACK]
    return [(str(c.arguments["item"]), str(c.arguments["signal"])) for c in calls]


@pytest.mark.parametrize(
    "text",
    [
        "those sound really good, I'll check them out",
        "Thanks for the suggestions, have a nice day!",
        "ok I will try them, bye",
        "sounds interesting, I will add that to my list",
        # choosing a suggestion, looking forward to one, promising to watch (ReDial)
        "I think I'll go with Heat (1995) he cant fight me on that one.",
        "Cant wait for Mission: Impossible - Fallout (2018)",
        "Haven't seen it yet, but i certainly will based on your suggestion.",
        "Now i have a lot of movies to watch",
    ],
)
def test_an_acknowledgement_after_a_list_is_chat(router: Router, text: str) -> None:
    decision = router.route(text, listed_state())
    assert decision.intent == Intent.SMALLTALK and not decision.calls, decision


@pytest.mark.parametrize(
    "text", ["thanks, any more like those?", "sounds good, but something older please", "thanks! a horror film now"]
)
def test_an_acknowledgement_with_a_request_still_asks(router: Router, text: str) -> None:
    assert tools_of(router, text), text


@pytest.mark.parametrize("text", ["Have you seen Heat?", "did you watch The Matrix (1999)?", "ever heard of Alien?"])
def test_have_you_seen_asks_about_the_title_and_records_nothing(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert decision.intent == Intent.ITEM_QUESTION and [c.tool for c in decision.calls] == [ToolName.ITEM_DETAILS]


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("I watched Heat and it was awesome", "like"),
        ("I saw The Matrix, really good", "like"),
        ("I have seen Alien but not a fan", "dislike"),
        ("I have seen Toy Story, boring", "dislike"),
        ("I have seen Toy Story", "seen"),
    ],
)
def test_the_opinion_after_seen_is_the_signal(router: Router, text: str, signal: str) -> None:
    assert [s for _, s in signals(router, text, DialogueState())] == [signal]


def test_a_praised_title_is_a_like_with_picks(router: Router) -> None:
    decision = router.route("Pulp Fiction (1994) was pretty good!", DialogueState())
    assert decision.intent == Intent.RECOMMEND, decision
    assert [c.tool for c in decision.calls] == [ToolName.RECORD_FEEDBACK, ToolName.RECOMMEND]
    assert decision.calls[0].arguments["signal"] == "like"


def test_praise_of_the_listed_items_likes_them(router: Router) -> None:
    assert signals(router, "that one was great") == [("6", "like")]  # the first shown
    assert signals(router, "those are awesome") == [("6", "like"), ("858", "like"), ("4896", "like")]


@pytest.mark.parametrize(
    "text", ["is it good", "I heard it is very good", "The Matrix is good?", "write a great tagline for Heat"]
)
def test_a_question_hearsay_or_copy_request_is_no_opinion(router: Router, text: str) -> None:
    assert not signals(router, text), text


@pytest.mark.parametrize("text", ["I like action movies", "I love comedy and drama films", "I watch a lot of horror"])
def test_a_stated_taste_gets_picks_not_the_profile(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert decision.intent != Intent.PROFILE and decision.calls, decision
    assert decision.calls[-1].tool in (ToolName.RECOMMEND, ToolName.SEARCH_CATALOG), decision
    assert decision.calls[-1].arguments.get("genres"), decision


def test_the_profile_question_is_still_the_profile(router: Router) -> None:
    decision = router.route("what do you know about my taste?", DialogueState())
    assert decision.intent == Intent.PROFILE


@pytest.mark.parametrize("text", ["I'm open to any suggestion", "anything really", "surprise me"])
def test_open_to_anything_is_a_request(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert decision.intent == Intent.RECOMMEND and [c.tool for c in decision.calls] == [ToolName.RECOMMEND]
    assert "query" not in decision.calls[0].arguments, decision  # no leftover words as a query


def test_a_pronoun_question_about_the_listed_item_is_answered(router: Router) -> None:
    decision = router.route("what is that one about?", listed_state())
    assert decision.intent == Intent.ITEM_QUESTION and decision.calls[0].arguments["item"] == "6", decision


@pytest.mark.parametrize(
    ("text", "expected", "likes"),
    [
        (
            "I loved Heat and The Matrix but hated Toy Story, a thriller from the 90s please?",
            {"Heat (1995)": "like", "The Matrix (1999)": "like", "Toy Story (1995)": "dislike"},
            ["Heat (1995)", "The Matrix (1999)"],
        ),
        (
            "I have seen Pulp Fiction and loved Heat. No horror please",
            {"Pulp Fiction (1994)": "seen", "Heat (1995)": "like"},
            ["Heat (1995)"],
        ),
        (
            "Heat was great, Alien was boring",
            {"Heat (1995)": "like", "Alien (1979)": "dislike"},
            ["Heat (1995)"],
        ),
        (
            "I really liked Heat, I didn't like Alien, and I have already seen The Godfather. Any crime movies?",
            {"Heat (1995)": "like", "Alien (1979)": "dislike", "The Godfather (1972)": "seen"},
            ["Heat (1995)"],
        ),
    ],
)
def test_every_title_of_a_long_message_keeps_its_own_signal(
    router: Router, text: str, expected: dict[str, str], likes: list[str]
) -> None:
    decision = router.route(text, DialogueState())
    assert dict(signals(router, text, DialogueState())) == expected, decision
    recommend = [c for c in decision.calls if c.tool == ToolName.RECOMMEND]
    assert recommend and recommend[0].arguments.get("likes") == likes, decision


def test_a_dislike_with_a_request_gets_the_request(router: Router) -> None:
    decision = router.route("I hated Alien. Any crime movies?", DialogueState())
    assert signals(router, "I hated Alien. Any crime movies?", DialogueState()) == [("Alien (1979)", "dislike")]
    recommend = [c for c in decision.calls if c.tool == ToolName.RECOMMEND]
    assert recommend and recommend[0].arguments.get("genres") == ["Crime"], decision
    assert "likes" not in recommend[0].arguments


def test_a_taste_after_one_listed_item_is_no_similarity_request(router: Router) -> None:
    """With one item shown, "I like horror movies" asked for items like it (the "like" of "I like")."""
    one = DialogueState(last_items=listed_state().last_items[:1], last_calls=listed_state().last_calls)
    decision = router.route("I like horror movies", one)
    assert ToolName.SIMILAR_ITEMS not in [c.tool for c in decision.calls], decision
    assert decision.calls and decision.calls[-1].arguments.get("genres") == ["Horror"], decision
    like_x = router.route("I like movies like Heat", DialogueState())  # the second "like" still is one
    assert [c.tool for c in like_x.calls][-1] in (ToolName.SIMILAR_ITEMS, ToolName.RECOMMEND), like_x


@pytest.fixture(scope="module")
def unsure() -> Router:
    """A router whose intent model places nothing (every score below the threshold, "feedback" first, as MiniLM
    scores "Yeah, me too."), so the rules alone decide between chat and out of scope."""
    router = Router(HashingEmbedder(), None, items=tiny_catalog())
    low = {intent.value: 0.1 for intent in Intent} | {"feedback": 0.25}
    router._scores = lambda cleaned, slots: dict(low)  # type: ignore[method-assign]
    return router


@pytest.mark.parametrize(
    "text", ["Yeah, me too.", "No not yet!", "I agree. Some do not need a sequel.", "Yes he was.", "nope"]
)
def test_a_reply_nobody_can_place_is_chat_not_out_of_scope(unsure: Router, text: str) -> None:
    decision = unsure.route(text, listed_state())
    assert (decision.intent, decision.calls) == (Intent.SMALLTALK, []), decision


@pytest.mark.parametrize("text", ["what time is it in Tokyo", "I was wondering about the stock market"])
def test_what_nobody_can_place_without_a_reply_opener_stays_out_of_scope(unsure: Router, text: str) -> None:
    assert unsure.route(text, listed_state()).intent == Intent.OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("text", "asked", "question"),
    [
        ("What are those about?", ["6", "858", "4896"], "plot"),
        ("Are those both kid movies?", ["6", "858"], "genre"),
        ("are these any good?", ["6", "858", "4896"], "rating"),
    ],
)
def test_a_question_about_those_asks_about_each_shown_item(
    router: Router, text: str, asked: list[str], question: str
) -> None:
    decision = router.route(text, listed_state())
    assert [(c.tool, c.arguments) for c in decision.calls] == [(ToolName.ITEM_DETAILS, {"item": i}) for i in asked]
    assert (decision.intent, decision.question) == (Intent.ITEM_QUESTION, question)


@pytest.mark.parametrize(
    "text", ["Is it scary?", "Is that one a comedy?", "Does it have a lot of action?", "is it for kids?"]
)
def test_a_yes_no_question_about_it_with_a_category_asks_the_item_shown_its_genres(router: Router, text: str) -> None:
    decision = router.route(text, listed_state())  # before: recommend(genres=[Horror]), a list nobody asked for
    assert [(c.tool, c.arguments) for c in decision.calls] == [(ToolName.ITEM_DETAILS, {"item": "6"})], decision
    assert (decision.intent, decision.question) == (Intent.ITEM_QUESTION, "genre")


@pytest.mark.parametrize(
    ("text", "asked", "question"),
    [
        ("Is it from the 90s?", ["6"], "year"),
        ("Was it made before 2000?", ["6"], "year"),
        ("Is it recent?", ["6"], "year"),
        ("Is it a comedy from the 90s?", ["6"], "genre"),  # the answer names it with its year
        ("Are those from the 90s?", ["6", "858", "4896"], "year"),
        ("Is the first one scary?", ["6"], "genre"),  # a message that opens "is" asks yes or no
        ("Was the last one a comedy?", ["4896"], "genre"),
        ("Is the second one from the 90s?", ["858"], "year"),
    ],
)
def test_a_yes_no_question_with_dates_or_an_ordinal_asks_the_items_shown(
    router: Router, text: str, asked: list[str], question: str
) -> None:
    decision = router.route(text, listed_state())  # before: recommend(year_from=1990, year_to=1999)
    assert [(c.tool, c.arguments) for c in decision.calls] == [(ToolName.ITEM_DETAILS, {"item": i}) for i in asked]
    assert (decision.intent, decision.question) == (Intent.ITEM_QUESTION, question)


@pytest.mark.parametrize("text", ["Is it something from the 90s?", "is it possible to get a comedy?"])
def test_a_yes_no_question_asking_for_an_indefinite_pick_is_a_request(router: Router, text: str) -> None:
    assert tools_of(router, text) == [ToolName.RECOMMEND], text


@pytest.mark.parametrize("text", ["any scary ones?", "Is there a scary one?", "something scary?"])
def test_a_category_request_without_it_still_asks_for_picks(router: Router, text: str) -> None:
    decision = router.route(text, listed_state())
    assert [c.tool for c in decision.calls] == [ToolName.RECOMMEND], decision
    assert "Horror" in decision.calls[0].arguments.get("genres", []), decision


@pytest.mark.parametrize("text", ["any more like those?", "what about those from the 90s?", "What is Heat about?"])
def test_a_list_request_about_those_is_no_question_about_each(router: Router, text: str) -> None:
    assert ToolName.ITEM_DETAILS not in tools_of(router, text) or len(tools_of(router, text)) == 1, text


def test_seen_both_marks_the_first_two_shown_and_refreshes_the_list(router: Router) -> None:
    assert signals(router, "I have seen both movies!") == [("6", "seen"), ("858", "seen")]
    assert ToolName.RECOMMEND in tools_of(router, "I have seen both movies!")


def test_a_negated_acknowledgement_is_a_dislike_of_the_item_pointed_at(router: Router) -> None:
    assert signals(router, "That doesnt sound interesting to me") == [("6", "dislike")]
    decision = router.route("that sounds interesting", listed_state())
    assert decision.intent == Intent.SMALLTALK and not decision.calls, decision


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("is it interesting?", "rating"),
        ("No, what is it?", "plot"),
        ("That sounds interesting, what is it about?", "plot"),
    ],
)
def test_a_short_question_about_it_asks_about_the_first_item_shown(router: Router, text: str, question: str) -> None:
    decision = router.route(text, listed_state())
    assert [(c.tool, c.arguments) for c in decision.calls] == [(ToolName.ITEM_DETAILS, {"item": "6"})], decision
    assert decision.question == question


def test_liking_those_kind_of_films_is_a_taste_not_a_like_of_each(router: Router) -> None:
    assert signals(router, "i like those kind of movies") == []
    assert signals(router, "those are awesome") == [("6", "like"), ("858", "like"), ("4896", "like")]


def test_a_question_about_those_answers_for_every_item_of_a_longer_list(router: Router) -> None:
    """Five items shown, "What are those about?": five answers, not the first three."""
    listed = listed_state()
    more = [ItemView("1", "Toy Story", 1995, ("Comedy",), "", 0.6), ItemView("296", "Pulp Fiction", 1994, (), "", 0.5)]
    state = DialogueState(last_items=[*listed.last_items, *more], last_calls=listed.last_calls)
    decision = router.route("What are those about?", state)
    assert [c.arguments["item"] for c in decision.calls] == ["6", "858", "4896", "1", "296"], decision


@pytest.fixture(scope="module")
def similar_first() -> Router:
    """A router whose intent model reads "similar" first (as MiniLM scores "movies with Jim Carrey": similar 0.60,
    search 0.58, recommend 0.56), so the rules decide what a request with nothing named to be similar to gets."""
    router = Router(HashingEmbedder(), None, items=tiny_catalog())
    scores = {intent.value: 0.1 for intent in Intent} | {"similar": 0.6, "search": 0.58, "recommend": 0.56}
    router._scores = lambda cleaned, slots: dict(scores)  # type: ignore[method-assign]
    return router


@pytest.mark.parametrize("text", ["movies with Jim Carrey", "something by Quentin Tarantino", "any Tom Hanks movies?"])
def test_a_request_naming_nothing_to_be_similar_to_gets_a_list_not_the_greeting(
    similar_first: Router, text: str
) -> None:
    decision = similar_first.route(text, DialogueState())  # before: smalltalk, answered with the greeting
    assert [c.tool for c in decision.calls] == [ToolName.SEARCH_CATALOG], decision
    assert decision.calls[0].arguments["query"] in ("Jim Carrey", "Quentin Tarantino", "Tom Hanks"), decision


def test_after_a_list_a_request_with_its_own_subject_is_not_more_like_those(similar_first: Router) -> None:
    decision = similar_first.route("something by Quentin Tarantino", listed_state())
    liked = [c.arguments.get("likes") for c in decision.calls]
    assert decision.calls and liked != [["6", "858", "4896"]], decision  # before: recommend(likes=the items shown)
    assert "Quentin Tarantino" in str(decision.calls[0].arguments.get("query")), decision
    alone = similar_first.route("movies with Jim Carrey", details_state())  # one item shown: not "like that one"
    assert [c.tool for c in alone.calls] == [ToolName.SEARCH_CATALOG], alone  # before: similar_items of it
    more = similar_first.route("more like those", listed_state())
    assert more.calls and more.calls[0].arguments.get("likes"), more  # the plural still asks for more like those
    chat = similar_first.route("I like that too", DialogueState())
    assert not chat.calls, chat  # no request word: still no list


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("Did people like the first one?", "6"),
        ("Did you like the second one?", "858"),
        ("Do you like Heat?", "Heat (1995)"),
        ("Do you think he'd like Heat?", "Heat (1995)"),  # a bare "like" after an opinion cue is the verb
    ],
)
def test_did_people_like_it_asks_how_well_liked_it_is(router: Router, text: str, item: str) -> None:
    decision = router.route(text, listed_state())  # before: similar_items (the "like" of "like X")
    assert [(c.tool, c.arguments) for c in decision.calls] == [(ToolName.ITEM_DETAILS, {"item": item})], decision
    assert decision.question == "rating", decision


@pytest.mark.parametrize("text", ["what about something like Heat?", "how about something like Heat"])
def test_what_about_something_like_x_asks_for_its_neighbours(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())  # before: item_details(Heat), its rating
    assert [c.tool for c in decision.calls] == [ToolName.SIMILAR_ITEMS], decision
    assert "Heat" in str(decision.calls[0].arguments["item"]), decision


def test_a_favorite_question_read_as_similar_is_about_the_recommender(similar_first: Router) -> None:
    decision = similar_first.route("cool beans What is your favorite movie of all times?", DialogueState())
    assert (decision.intent, decision.calls) == (Intent.SMALLTALK, []), decision  # before: recommend(query beans)
    assert decision.slots.get(ABOUT_RECOMMENDER), decision
