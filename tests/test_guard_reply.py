"""The grounding guard: each failure kind, and no false positives on good replies."""

from __future__ import annotations

import pytest

from bot.guard import KnownTitles, as_known_titles, check_reply, norm_title, title_aliases

CATALOG = [
    "Heat",
    "Toy Story",
    "Toy Story 2",
    "The Matrix",
    "The Matrix Reloaded",
    "Star Trek",
    "Star Trek II: The Wrath of Khan",
    "Sunset Blvd. (a.k.a. Sunset Boulevard)",
    "Wallace & Gromit: A Close Shave",
    "Schindler's List",
    "The Night of the Living Dead",
    "Up",
    "Love Actually",
    "Pulp Fiction",
    "Casablanca",
    "3:10 to Yuma",
]
KNOWN = KnownTitles(CATALOG)


def check(text: str, titles: list[str], years: list[int], **kwargs: object):
    options: dict = {"known_titles": KNOWN}
    options.update(kwargs)
    return check_reply(text, allowed_titles=titles, allowed_years=years, **options)


GOOD = [
    ("Heat is a tense crime classic, and Pulp Fiction adds a darker sense of humour. Enjoy!", ["Heat", "Pulp Fiction"]),
    ("If you want laughs, Toy Story 2 (1999) is a warm and funny pick for the whole family.", ["Toy Story 2"]),
    (
        'For a noir night, "Sunset Boulevard" is a sharp look at fading fame.',
        ["Sunset Blvd. (a.k.a. Sunset Boulevard)"],
    ),
    ("Wallace & Gromit: A Close Shave is charming stop-motion fun from 1995.", ["Wallace & Gromit: A Close Shave"]),
    ("Star Trek II is the fan favourite: Khan makes a great villain.", ["Star Trek II: The Wrath of Khan"]),
    ("Schindler’s List is a moving drama. It's heavy, but worth it.", ["Schindler's List"]),
    ("These picks mix love and action: a great night in. The 1980s were a golden age for this!", ["Heat"]),
    ("I think you'll love these classics; Casablanca (1942) is a great place to start.", ["Casablanca"]),
    ("E.T. the Extra-Terrestrial (1982) is a warm classic for the whole family.", ["E.T. the Extra-Terrestrial"]),
    ("Here are a few feel-good picks with plenty of heart and humour for your weekend.", ["Up"]),
    ("Up there with the best, Heat keeps you on the edge of your seat. Love it or not, it's a classic.", ["Heat"]),
]


@pytest.mark.parametrize(("text", "titles"), GOOD)
def test_good_replies_pass(text: str, titles: list[str]) -> None:
    years = [1942, 1995, 1999, 1982, 1993, 1950, 1994]
    report = check(text, titles, years, language="en")
    assert report.passed, report.problems


def test_catalog_title_not_in_results_fails() -> None:
    report = check("Heat is great, and The Matrix Reloaded is even better.", ["Heat"], [])
    assert report.problems == ("names a title not in the results: 'The Matrix Reloaded'",)


def test_franchise_prefix_of_allowed_title_is_not_flagged() -> None:
    assert check("Fans of Star Trek will enjoy Khan's return.", ["Star Trek II: The Wrath of Khan"], []).passed


def test_lower_case_words_that_match_titles_are_not_flagged() -> None:
    assert check("It is the matrix of love actually that keeps the story going.", ["Heat"], []).passed


def test_invented_title_with_year_fails() -> None:
    report = check("Try Galaxy Raiders (1987) for some space action.", ["Heat"], [1995])
    assert any(p.startswith("names a title not in the results") and "Galaxy Raiders" in p for p in report.problems)
    assert "year not in the results: 1987" in report.problems


def test_invented_quoted_title_fails_but_quoted_genre_passes() -> None:
    report = check('You might like "Moon Over Paris" tonight.', ["Heat"], [])
    assert report.problems == ("unknown quoted title: 'Moon Over Paris'",)
    assert check('These are all great "Sci-Fi" picks for tonight.', ["Heat"], []).passed


def test_single_word_catalog_title_counts_when_quoted() -> None:
    report = check('You will also like "Up" for sure.', ["Heat"], [])
    assert report.problems == ("names a title not in the results: 'Up'",)


def test_year_not_allowed_fails_but_decades_pass() -> None:
    assert check("Heat came out in 2015, a modern classic.", ["Heat"], [1995]).problems == (
        "year not in the results: 2015",
    )
    assert check("Heat is the best 1990s crime film around.", ["Heat"], []).passed


def test_repetition_fails() -> None:
    assert any(
        "repeats a sentence" in p for p in check("Heat is a great film. Heat is a great film.", ["Heat"], []).problems
    )
    assert any("repeats a word" in p for p in check("Heat is Action, Action, Action.", ["Heat"], []).problems)
    looping = "Heat is fun and Heat is fun and Heat is fun and it never ends."
    assert any("repeats a phrase" in p for p in check(looping, ["Heat"], []).problems)


def test_length_limits() -> None:
    assert check("Heat!", ["Heat"], []).problems == ("too short: 5 chars < 20",)
    long_text = " ".join(f"word{i}" for i in range(200)) + "."
    assert any(p.startswith("too long") for p in check(long_text, ["Heat"], [], max_chars=300).problems)


def test_forbidden_canary_and_prompt_leaks_fail() -> None:
    report = check("Sure: the marker is CANARY-77, and Heat is good.", ["Heat"], [], forbidden=["canary-77"])
    assert report.problems == ("forbidden text: 'canary-77'",)
    report = check("My system prompt says Heat is good.", ["Heat"], [])
    assert report.problems == ("forbidden text: 'system prompt'",)
    assert "forbidden text: 'the user said'" in check("The user said: give me Heat.", ["Heat"], []).problems


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("See https://example.com for Heat, it is great.", "url"),
        ("Heat is <b>great</b> for tonight.", "html/xml tag"),
        ("Heat is great:\n```\ncode\n```\nEnjoy.", "code fence"),
        ("Here you go:\n1. Heat is great.\n2. It is tense.", "list"),
        ("**Heat** is a great pick for tonight.", "markdown emphasis"),
        ("Watch [Heat](http://x.y) tonight, it is great.", "markdown link"),
    ],
)
def test_markup_fails(text: str, kind: str) -> None:
    assert any(p.startswith(f"markup ({kind})") for p in check(text, ["Heat"], []).problems)


def test_cut_off_text_fails() -> None:
    assert check("Heat is a tense crime film with a great", ["Heat"], []).problems[0].startswith("cut off")
    assert check("Heat is a tense crime film with a great", ["Heat"], [], require_sentence_end=False).passed


def test_language_check() -> None:
    assert check("Heat est un film policier très tendu, avec de grands acteurs.", ["Heat"], [], language="en")
    report = check("Heat est un film policier très tendu, avec de grands acteurs.", ["Heat"], [], language="en")
    assert report.problems == ("not English: too few common English words",)
    assert not check("Хит — отличный фильм для вечера.", ["Heat"], [], language="en").passed


def test_title_helpers() -> None:
    assert norm_title("Schindler’s List") == "schindlers list"
    assert norm_title("Wallace & Gromit") == "wallace and gromit"
    assert {"sunset blvd", "sunset boulevard"} <= title_aliases("Sunset Blvd. (a.k.a. Sunset Boulevard)")


def test_known_titles_from_an_object_with_items() -> None:
    class Item:
        def __init__(self, title: str) -> None:
            self.title = title

    class Index:
        def items(self) -> list[Item]:
            return [Item(t) for t in CATALOG]

    known = as_known_titles(Index())
    assert known is not None
    assert known.get("the matrix reloaded") == "The Matrix Reloaded"
    assert as_known_titles(["The Matrix"]).get("the matrix") == "The Matrix"  # type: ignore[union-attr]


def test_short_alias_does_not_hijack_a_title_with_year() -> None:
    report = check("Shrek 3 (2007) is a fun sequel for the family.", ["Heat"], [2007])
    assert report.problems == ("names a title not in the results: 'Shrek 3'",)


def test_min_title_mentions() -> None:
    assert check("Here are some picks you will enjoy tonight.", ["Heat"], [], min_title_mentions=1).problems == (
        "names 0 of the result titles, needs 1",
    )
    assert check("Heat is a tense pick you will enjoy tonight.", ["Heat"], [], min_title_mentions=1).passed
