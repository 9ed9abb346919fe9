"""A title written with its year in brackets is that year's film (bot/agent/router/bracketed_titles.py): the
exact spotter alone read "Guardians of the Galaxy Vol. 2 (2017)" as the 2014 film, "Avengers: Infinity War (2018)"
as three films and "Spider-Man: Homecoming (2017)" (not in the catalog) as Spider-Man (2002). Real ReDial messages
(tests/data/router_redial.yaml), a catalog of the films involved."""

from __future__ import annotations

import pytest

from bot.agent.decision import DialogueState
from bot.agent.router.routing import Router
from store.embedder import HashingEmbedder
from tests.router_fakes import item, tiny_catalog


@pytest.fixture(scope="module")
def router() -> Router:
    films = [
        item("5349", "Spider-Man", 2002, ("Action", "Adventure"), 120),
        item("112852", "Guardians of the Galaxy", 2014, ("Action", "Sci-Fi"), 60),
        item("122918", "Guardians of the Galaxy 2", 2017, ("Action", "Sci-Fi"), 20),
        item("89745", "The Avengers", 2012, ("Action", "Sci-Fi"), 70),
        item("32", "Infinity", 1996, ("Drama",), 2),
        item("4", "The War", 1994, ("Drama", "War"), 3),
        item("122912", "Avengers: Infinity War - Part I", 2018, ("Action", "Sci-Fi"), 15),
        item("54004", "I Now Pronounce You Chuck and Larry", 2007, ("Comedy", "Romance"), 10),
        item("7", "Seven (a.k.a. Se7en)", 1995, ("Crime", "Thriller"), 150),
        item("8", "Seconds", 1966, ("Mystery",), 2),
        item("9", "Love", 2015, ("Drama", "Romance"), 2),
        item("662", "Fear", 1996, ("Thriller",), 8),
    ]
    return Router(HashingEmbedder(), None, items=[*tiny_catalog(), *films])


def titles(router: Router, text: str) -> list[str]:
    return router.route(text, DialogueState()).slots.get("titles", [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I really love Guardians of the Galaxy Vol. 2 (2017)", ["Guardians of the Galaxy 2 (2017)"]),
        ("I saw Avengers: Infinity War (2018) that was awesome!", ["Avengers: Infinity War - Part I (2018)"]),
        (
            "I also watched I Now Pronounce You Chuck & Larry (2007) and it was really funny",
            ["I Now Pronounce You Chuck and Larry (2007)"],
        ),
        ("I loved Heat (1995) and Ronin (1998)", ["Heat (1995)", "Ronin (1998)"]),
        ("Do you think the Reese Witherspoon one called Fear (1990) ?", ["Fear (1996)"]),
    ],
)
def test_a_bracketed_year_picks_that_years_title(router: Router, text: str, expected: list[str]) -> None:
    assert titles(router, text) == expected


@pytest.mark.parametrize(
    ("text", "not_meant"),
    [
        ("i watched Spider-Man: Homecoming (2017) and it was awesome", "Spider-Man (2002)"),
        ("If you like crime movies you would like Seven Seconds (2018)", "Seven"),
        ("And not really that romantic but totally hilarious Love Stinks (1999).", "Love (2015)"),
    ],
)
def test_a_film_the_bracketed_title_only_starts_with_is_not_named(router: Router, text: str, not_meant: str) -> None:
    decision = router.route(text, DialogueState())
    assert not any(t.startswith(not_meant) for t in decision.slots.get("titles", [])), decision.slots
    assert not any(not_meant in str(call.arguments) for call in decision.calls), decision.calls


def test_an_earlier_title_outside_the_bracketed_words_stays(router: Router) -> None:
    assert titles(router, "I loved Heat and Some Unknown Film (1984)") == ["Heat (1995)"]
