"""The claim check (bot/guard/claims.py) and the answer check (bot/guard/answers.py) on hand-made cases; their
rates on real model output are measured on the labelled set (tests/test_faithfulness_set.py)."""

from __future__ import annotations

import pytest

from bot.guard.answers import answer_problems
from bot.guard.claims import ClaimFacts, ClaimLevel, claim_problems, default_vocabulary
from store.items import CatalogItem

LEON = (
    "A professional assassin, Léon, takes in a twelve-year-old girl, Mathilda, after her family is murdered "
    "by a corrupt DEA agent."
)
FACTS = ClaimFacts.build(["Léon: The Professional", LEON, "Because you liked Heat (1995) · Crime"],
                         ["Action", "Crime", "Drama", "Thriller"], [1994])  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "needle"),
    [
        ("Léon: The Professional is a film about a young musician obsessed with the legend of the Rock.", "musician"),
        ("Léon is a classic of the Italian film industry.", "italian"),
        ("Léon explores themes of identity, power and redemption.", "identity"),
        ("Léon is a comedy you will love.", "comedy"),  # not one of its genres
        ("Léon is a romantic thriller.", "romantic"),
        ("Léon is a crime thriller from the 1980s.", "1980s"),
        ("Léon is a crime thriller from the eighties.", "eighties"),
        ("Léon is rated 4.5 by fans.", "4.5"),
        ("Léon, the Marvel hero, takes in a girl.", "marvel"),
        ("Mathilda, a corrupt assassin, murdered the agent's twelve-year-old family.", "recombines"),
        ("Léon is a crime thriller and a love story.", "love story"),  # Romance is not one of its genres
        ("Léon is the most thrilling crime film ever.", "ever"),
        ("Léon is a crime thriller about the assassin of the same name.", "same name"),
        ("Léon is a crime drama with a fresh take on the classic thriller.", "take on"),
        ("Léon is a crime thriller that has been made with the same name.", "same name"),
        ("Léon is a thriller, and I made it into the genre of crime.", "made it into"),
        ("Léon is a crime drama that has been made by an assassin.", "has been made"),
        ("Léon is a well-rated crime thriller.", "well-rated"),  # its facts say nothing of its rating
        ("Léon is a critically acclaimed thriller.", "acclaimed"),
        ("Léon: The Professional is a classic no-name.", "no-name"),  # the books demo's model wrote this
        ("Léon is an underrated crime thriller.", "underrated"),
        ("Léon is a hidden gem of a thriller.", "hidden gem"),
    ],
)
def test_unsupported_claims_fail(sentence: str, needle: str) -> None:
    problems = claim_problems(sentence, FACTS)
    assert problems and needle in " ".join(problems).lower(), problems


@pytest.mark.parametrize(
    "sentence",
    [
        "Since you liked Heat, try Léon: The Professional, a crime thriller about a professional assassin.",
        "Léon is a tense crime drama in which an assassin takes in a twelve-year-old girl, Mathilda.",
        "An assassin takes in a twelve-year-old girl, Mathilda, after a corrupt DEA agent murdered her family.",
        "Léon: The Professional is a great 1994 pick from the 90s.",
        "Léon is a crime thriller you will love.",
    ],
)
def test_supported_sentences_pass(sentence: str) -> None:
    assert claim_problems(sentence, FACTS) == []


def test_well_rated_needs_facts_that_say_so() -> None:
    popular = ClaimFacts.build(["Jaws", "Popular and well rated · Horror"], ["Action", "Horror"], [1975])
    assert claim_problems("Jaws is a well-rated horror classic.", popular) == []


def test_a_love_story_is_a_claim_the_genre_romance_supports() -> None:
    romance = ClaimFacts.build(["Casablanca", "Popular and well rated"], ["Drama", "Romance"])
    assert claim_problems("Casablanca is a classic drama and a love story.", romance) == []


def test_names_level_checks_only_named_things_genres_and_numbers() -> None:
    copy = "Cops and robbers collide in a city that never sleeps."
    common = frozenset({"cops"})  # words the catalog writes in lower case: capitalised at a start, not names
    assert claim_problems(copy, FACTS, level=ClaimLevel.NAMES, common=common) == []
    assert claim_problems(copy, FACTS, level=ClaimLevel.NAMES)  # without that list "Cops" may be a name
    assert claim_problems(copy, FACTS)  # at content level, the fresh words need support
    named = claim_problems("Cops collide with Pacino in Los Angeles.", FACTS, level=ClaimLevel.NAMES)
    assert any("pacino" in p and "angeles" in p for p in named), named
    assert claim_problems("A hilarious ride.", FACTS, level=ClaimLevel.NAMES)  # a comedy claim, still checked
    assert claim_problems("Crime returns.", FACTS, level=ClaimLevel.NAMES, common=frozenset({"crime"})) == []


def test_genre_words_come_from_the_vocabulary_file() -> None:
    vocabulary = default_vocabulary()
    assert vocabulary.genre_words["funni"] == {"comedy"}  # stems
    assert "film" not in vocabulary.genre_words  # "film-noir" is a genre name, "film" claims nothing


ITEM = CatalogItem(item_id="1", title="Alien", year=1979, genres=("Horror", "Sci-Fi"), rating_mean=4.3,
                   overview="A commercial spaceship crew discovers a chamber of eggs on a distant planet.")  # fmt: skip


@pytest.mark.parametrize(
    ("question", "reply", "answers"),
    [
        ("year", "Alien came out in 1979.", True),
        ("year", "Alien is a horror film.", False),
        ("genre", "Alien (1979) is Horror, Sci-Fi.", True),
        ("genre", "Alien came out in 1979.", False),
        ("rating", "Alien (1979) is rated 4.3/5 by 120 users.", True),
        ("rating", "Alien (1979) is rated 4.0/5 by 120 users.", False),
        ("rating", "Alien is a classic.", False),
        ("plot", "Alien (1979) (Horror, Sci-Fi): a spaceship crew discovers a chamber of eggs.", True),
        ("plot", "Alien (1979) (Horror, Sci-Fi): a classic you will enjoy.", False),
        ("people", "The catalog does not list who made or stars in Alien (1979).", True),
        ("people", "Alien was directed by Ridley Scott.", False),
    ],
)
def test_answer_check(question: str, reply: str, answers: bool) -> None:
    assert (answer_problems(question, ITEM, reply) == []) is answers


def test_rating_answer_uses_the_shown_rounding() -> None:
    rated = CatalogItem(item_id="2", title="Heat", year=1995, rating_mean=3.96)
    assert answer_problems("rating", rated, "Heat (1995) is rated 4.0/5 by 10 users.") == []
