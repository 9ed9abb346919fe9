"""More of how ReDial seekers write (issue 14), with the real lexicon and a fake intent model: a year in brackets
is a title's year even when the title is not in the catalog; "Jumanji (2017)" is the 2017 film, whose title only
starts with "Jumanji"; "anything else" is a request, not the film "Anything Else"; a taste stated next to another
sentence's question ("How are you?") still asks for picks; greetings and fillers are no part of the query."""

from __future__ import annotations

import pytest

from bot.agent.decision import DialogueState
from bot.agent.router.chat_turns import states_taste
from bot.agent.router.phrases import clean, tokenize
from bot.agent.router.routing import Router
from bot.agent.router.slots import extract
from store.embedder import HashingEmbedder
from tests.router_fakes import item, listed_state, tiny_catalog
from tools.names import ToolName


@pytest.fixture(scope="module")
def router() -> Router:
    extra = [
        item("6750", "Anything Else", 2003, ("Comedy", "Drama", "Romance"), 3),
        item("2", "Jumanji", 1995, ("Adventure", "Children", "Fantasy"), 110),
        item("179401", "Jumanji: Welcome to the Jungle", 2017, ("Action", "Adventure", "Children"), 12),
    ]
    return Router(HashingEmbedder(), None, items=[*tiny_catalog(), *extra])


def arguments(router: Router, text: str, state: DialogueState | None = None) -> list[dict[str, object]]:
    return [dict(c.arguments) for c in router.route(text, state or DialogueState()).calls]


@pytest.mark.parametrize(
    "text",
    [
        "I have seen Happy Death Day (2017) and that was okay, any horror?",
        "When I was younger I loved Some Unknown Film (1984). Got any comedies?",
    ],
)
def test_a_bracketed_year_is_never_a_filter(router: Router, text: str) -> None:
    calls = arguments(router, text)
    assert calls and not any("year_from" in a or "year_to" in a for a in calls), calls


def test_a_year_after_a_title_prefix_picks_that_years_film(router: Router) -> None:
    calls = arguments(router, "I loved Jumanji (2017), what else?")
    liked = [a for a in calls if a.get("signal") == "like"]
    assert [a["item"] for a in liked] == ["Jumanji: Welcome to the Jungle (2017)"], calls
    assert [a["item"] for a in arguments(router, "I loved Jumanji (1995)") if "signal" in a] == ["Jumanji (1995)"]


@pytest.mark.parametrize(
    "text", ["It looks old but interesting Anything else would you recommend?", "ok. Anything else you recommend?"]
)
def test_anything_else_asks_for_more_and_names_no_film(router: Router, text: str) -> None:
    decision = router.route(text, listed_state())
    assert "titles" not in decision.slots, decision.slots
    assert [c.tool for c in decision.calls] == [ToolName.RECOMMEND], decision
    assert "Anything Else (2003)" not in str(decision.calls)


@pytest.mark.parametrize(
    ("text", "taste"),
    [
        ("Hi I like kid movies. How are you?", True),
        ("I enjoy comedy movies! And you?", True),
        ("I like comedy movies", True),
        ("Do I like comedy movies?", False),  # a question about the taste
        ("I like comedy movies, right?", False),
    ],
)
def test_a_taste_next_to_another_sentences_question_is_still_a_taste(router: Router, text: str, taste: bool) -> None:
    cleaned = clean(text)
    tokens = tokenize(cleaned)
    slots = extract(cleaned, tokens, router.lexicon, router.year_bounds, frozenset())
    assert states_taste(cleaned, slots, False, tokens) is taste


@pytest.mark.parametrize(
    "text", ["Hello there, sorry, I think I want a horror movie", "hi! looks like I need a comedy"]
)
def test_greetings_and_fillers_are_no_query(router: Router, text: str) -> None:
    (call,) = router.route(text, DialogueState()).calls
    assert call.tool == ToolName.RECOMMEND and "query" not in call.arguments, call


@pytest.mark.parametrize("text", ["I have not seen that one. Any other ideas?", "Great and you? Any other ideas?"])
def test_a_request_for_more_inside_chat_gets_picks(router: Router, text: str) -> None:
    for state in (DialogueState(), listed_state()):
        assert [c.tool for c in router.route(text, state).calls][-1:] == [ToolName.RECOMMEND], (text, state)


@pytest.mark.parametrize(
    "text", ["I like to watch comedy, action , and a little drama! What about you ?", "I love dramas, how about you?"]
)
def test_how_about_you_describes_nothing(router: Router, text: str) -> None:
    calls = router.route(text, DialogueState()).calls
    assert calls and calls[0].tool == ToolName.RECOMMEND, calls
    assert "about you" not in str(calls[0].arguments), calls


@pytest.mark.parametrize(
    ("text", "signal"),
    [("I didnt like Heat", "dislike"), ("I dont like Toy Story", "dislike"), ("I cant stand The Godfather", "dislike")],
)
def test_feedback_typed_without_apostrophes(router: Router, text: str, signal: str) -> None:
    feedback = [a for a in arguments(router, text) if "signal" in a]
    assert [a["signal"] for a in feedback] == [signal], feedback


def test_havent_seen_without_apostrophe_records_nothing(router: Router) -> None:
    decision = router.route("I havent seen that one. What is it about?", listed_state())
    assert ToolName.RECORD_FEEDBACK not in [c.tool for c in decision.calls], decision.calls


def test_cant_do_a_genre_excludes_it(router: Router) -> None:
    calls = arguments(router, "Oh no! I cant do scary movies!")
    assert calls and calls[0].get("exclude_genres") == ["Horror"] and not calls[0].get("genres"), calls
    assert "cant" not in str(calls[0].get("query", "")).lower(), calls
