"""Router decisions driven by slots and cues (HashingEmbedder: the intent model is fake, the rules are real)."""

from __future__ import annotations

import pytest

from bot.agent.decision import TOP_ITEM, DialogueState, PlannedCall
from bot.agent.router.routing import Router
from bot.agent.router.title_spotter import TitleSpotter
from store.embedder import HashingEmbedder
from tests.router_fakes import details_state, listed_state, tiny_catalog


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(HashingEmbedder(), None, items=tiny_catalog())


def calls(router: Router, text: str, state: DialogueState | None = None) -> list[tuple[str, dict]]:
    decision = router.route(text, state or DialogueState())
    return [(c.tool, c.arguments) for c in decision.calls]


def spotted(router: Router, text: str) -> list[str]:
    return router.route(text, DialogueState()).slots.get("titles", [])


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("what is Heat about?", ["Heat (1995)"]),
        ("I loved heat", ["Heat (1995)"]),
        ("I can't stand the heat in this city", []),
        ("what year is it from?", []),
        ("I have seen It", ["It (2017)"]),
        ("I loved It (1990)", ["It (1990)"]),
        ("show me more", []),
        ("a movie for kids", []),
        ("is Up any good", ["Up (2009)"]),
        ("what's up", []),
        ("something like The Matrix and Ronin", ["The Matrix (1999)", "Ronin (1998)"]),
        ('I watched "her" yesterday', ["Her (2013)"]),
        ("something like Amelie", ["Amelie (2001)"]),
        ("tell me about Mission: Impossible - Fallout", ["Mission: Impossible - Fallout (2018)"]),
    ],
)
def test_title_spotting_respects_common_words(router: Router, text: str, titles: list[str]) -> None:
    assert spotted(router, text) == titles


def test_fuzzy_and_unknown_titles(router: Router) -> None:
    assert calls(router, "something like the godfater") == [("similar_items", {"item": "The Godfather (1972)"})]
    assert calls(router, "tell me about pulp fcition") == [("item_details", {"item": "Pulp Fiction (1994)"})]
    unknown = calls(router, "something like Zzyzx Blorptastic Returns")
    assert unknown == [("similar_items", {"item": "Zzyzx Blorptastic Returns"})]
    asked = router.route("what year did Flibbertigibbet Quux come out?", DialogueState())
    assert (asked.intent, asked.question) == ("item_question", "year")
    assert asked.calls == [PlannedCall("item_details", {"item": "Flibbertigibbet Quux"})]


def test_spotter_needs_context_for_one_word_titles() -> None:
    from bot.agent.router.phrases import Lexicon, clean, tokenize

    spotter = TitleSpotter(tiny_catalog(), Lexicon())
    text = clean("Heat is great but heat waves are not")
    hits = spotter.spot(text, tokenize(text))
    assert [h.raw for h in hits] == ["Heat"]  # sentence start + "is" cue; the lower-case one has no cue


def test_item_questions(router: Router) -> None:
    decision = router.route("when did The Godfather come out?", DialogueState())
    assert (decision.intent, decision.question) == ("item_question", "year")
    assert decision.calls == [PlannedCall("item_details", {"item": "The Godfather (1972)"})]
    assert router.route("what genre is Alien?", DialogueState()).question == "genre"
    follow = router.route("tell me more about the second one", listed_state())
    assert follow.intent == "item_question" and follow.calls == [PlannedCall("item_details", {"item": "858"})]
    pronoun = router.route("and what year is it from?", details_state())
    assert pronoun.question == "year" and pronoun.calls == [PlannedCall("item_details", {"item": "1"})]


def test_feedback(router: Router) -> None:
    liked = calls(router, "I really liked Heat")
    assert liked == [
        ("record_feedback", {"item": "Heat (1995)", "signal": "like"}),
        ("recommend", {"likes": ["Heat (1995)"]}),
    ], "a like stated at the start of a conversation is answered with recommendations"
    assert calls(router, "I hated Toy Story") == [
        ("record_feedback", {"item": "Toy Story (1995)", "signal": "dislike"})
    ]
    assert calls(router, "I've already seen The Matrix") == [
        ("record_feedback", {"item": "The Matrix (1999)", "signal": "seen"})
    ]
    both = router.route("I loved Heat and Ronin, what should I watch next?", DialogueState())
    assert [c.tool for c in both.calls] == ["record_feedback", "record_feedback", "recommend"]
    assert both.calls[-1].arguments["likes"] == ["Heat (1995)", "Ronin (1998)"]


def test_feedback_on_a_listed_item_refreshes_the_list(router: Router) -> None:
    decision = router.route("not that one, I've seen it", listed_state())
    assert decision.intent == "feedback"
    assert decision.calls[0] == PlannedCall("record_feedback", {"item": "6", "signal": "seen"})
    refresh = decision.calls[1]
    assert refresh.tool == "recommend" and refresh.arguments["genres"] == ["Crime"]
    assert set(refresh.arguments["exclude_ids"]) == {"6", "858", "4896"}
    second = router.route("seen the second one", listed_state())
    assert second.calls[0].arguments == {"item": "858", "signal": "seen"}
    last = router.route("I didn't like the last one", listed_state())
    assert last.calls[0].arguments == {"item": "4896", "signal": "dislike"}


def test_similar(router: Router) -> None:
    assert calls(router, "something like The Matrix") == [("similar_items", {"item": "The Matrix (1999)"})]
    assert calls(router, "more like the second one", listed_state()) == [("similar_items", {"item": "858"})]
    assert calls(router, "find me something similar", details_state()) == [("similar_items", {"item": "1"})]
    plural = calls(router, "more like those", listed_state())
    assert plural[0][0] == "recommend" and plural[0][1]["likes"] == ["6", "858", "4896"]


def test_follow_ups_rerun_the_last_list(router: Router) -> None:
    state = listed_state()
    more = calls(router, "more", state)
    assert more == [("recommend", {"genres": ["Crime"], "exclude_ids": ["6", "858", "4896"]})]
    older = dict(calls(router, "something older", state)[0][1])
    assert older["year_to"] == 1971 and "year_from" not in older
    newer = dict(calls(router, "more recent ones", state)[0][1])
    assert newer["year_from"] == 1999
    funnier = calls(router, "funnier", state)[0][1]
    assert funnier["genres"] == ["Crime", "Comedy"]
    refined = calls(router, "no horror though", state)[0][1]
    assert refined == {"genres": ["Crime"], "exclude_genres": ["Horror"]}
    decade = calls(router, "only ones from the 90s", state)[0][1]
    assert (decade["year_from"], decade["year_to"]) == (1990, 1999)
    explicit = calls(router, "older, from before 1970", state)[0][1]
    assert explicit["year_to"] == 1969


def test_search_after_search_stays_search(router: Router) -> None:
    state = DialogueState(last_calls=[PlannedCall("search_catalog", {"query": "a spaceship"})], shown_ids=["1"])
    call = calls(router, "only the ones from before 1990", state)[0]
    assert call == ("search_catalog", {"query": "a spaceship", "year_to": 1989})


def test_list_requests(router: Router) -> None:
    assert calls(router, "recommend some horror movies") == [("recommend", {"genres": ["Horror"]})]
    assert calls(router, "good comedies from the 80s") == [
        ("recommend", {"genres": ["Comedy"], "year_from": 1980, "year_to": 1989})
    ]
    negated = calls(router, "an action movie, but no horror")[0][1]
    assert negated == {"genres": ["Action"], "exclude_genres": ["Horror"]}
    search = calls(router, "a funny movie about time travel")[0]
    assert search[0] == "search_catalog" and search[1]["genres"] == ["Comedy"]
    assert "time travel" in search[1]["query"]


def test_marketing_copy(router: Router) -> None:
    assert calls(router, "write a tagline for Heat") == [("write_copy", {"item": "Heat (1995)", "channel": "tagline"})]
    email = calls(router, "draft a marketing email for The Matrix aimed at teenagers")[0][1]
    assert email == {"item": "The Matrix (1999)", "channel": "email", "audience": "teenagers"}
    listed = calls(router, "write a tagline for the first one", listed_state())
    assert listed == [("write_copy", {"item": "6", "channel": "tagline"})]
    decision = router.route("write a push notification recommending something to me", DialogueState())
    assert decision.intent == "marketing_copy"
    assert decision.calls == [
        PlannedCall("recommend", {"k": 1}),
        PlannedCall("write_copy", {"item": TOP_ITEM, "channel": "push"}),
    ]


def test_keywords(router: Router) -> None:
    assert calls(router, "give me keywords for The Godfather") == [
        ("extract_keywords", {"item": "The Godfather (1972)"})
    ]
    text = calls(router, "extract keywords from this text: a lonely robot falls in love")
    assert text == [("extract_keywords", {"text": "a lonely robot falls in love"})]


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", "🍿🎬❓", "\x00\x07\x1b[31m", "<script>alert(1)</script>", "おすすめの映画を教えてください"],
)
def test_odd_input_gets_no_calls_and_low_confidence(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert decision.calls == [] and decision.confidence <= 0.5
    assert decision.intent in ("smalltalk", "out_of_scope", "help")


def test_huge_input_is_routed(router: Router) -> None:
    decision = router.route("I like movies with dragons and castles and knights. " * 200, DialogueState())
    assert decision.intent in ("recommend", "search", "feedback", "similar", "smalltalk", "out_of_scope")


def test_router_takes_items_from_the_title_index() -> None:
    class Index:
        def __init__(self) -> None:
            self.items = tiny_catalog()

    router = Router(HashingEmbedder(), Index())
    assert router.route("what is Heat about?", DialogueState()).calls[0].arguments == {"item": "Heat (1995)"}
    with pytest.raises(TypeError, match="catalog items"):
        Router(HashingEmbedder(), object())


@pytest.mark.parametrize(
    "text", ["Bonjour, peux-tu me recommander un bon film ?", "Quiero ver una película de terror", "Посоветуй фильм"]
)
def test_other_languages_are_out_of_scope_with_low_confidence(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert (decision.intent, decision.calls) == ("out_of_scope", [])
    assert decision.confidence < 0.5


def test_count_goes_to_similar_items(router: Router) -> None:
    assert calls(router, "give me 3 movies like Heat") == [("similar_items", {"item": "Heat (1995)", "k": 3})]


def test_like_several_titles_recommends_from_all_of_them(router: Router) -> None:
    assert calls(router, "something like The Matrix or Ronin, from the 90s") == [
        ("recommend", {"likes": ["The Matrix (1999)", "Ronin (1998)"], "year_from": 1990, "year_to": 1999})
    ]
    decision = router.route("movies similar to Heat and The Godfather", DialogueState())
    assert decision.intent == "similar" and decision.calls[0].arguments["likes"] == [
        "Heat (1995)",
        "The Godfather (1972)",
    ]


def test_like_a_title_but_newer_or_older_is_relative_to_its_year(router: Router) -> None:
    assert calls(router, "something like Heat but newer") == [
        ("similar_items", {"item": "Heat (1995)", "year_from": 1996})
    ]
    assert calls(router, "movies like The Godfather but older")[0][1]["year_to"] == 1971
    assert calls(router, "more like the second one but newer", listed_state())[0][1]["year_from"] == 1973
    assert calls(router, "something like Heat from the 80s but newer")[0][1]["year_to"] == 1989  # said years win
