"""Slot extraction: genres and negations, years and decades, counts, rating, copy options, lexicon errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.router.phrases import LEXICON_DIR, Lexicon, LexiconError, clean, tokenize
from bot.agent.router.slots import Slots, extract

BOUNDS = (1902, 2018)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon()


def slots_of(text: str, lexicon: Lexicon) -> Slots:
    cleaned = clean(text)
    return extract(cleaned, tokenize(cleaned), lexicon, BOUNDS)


@pytest.mark.parametrize(
    ("text", "genres", "excluded"),
    [
        ("recommend some horror movies", ["Horror"], []),
        ("something funny", ["Comedy"], []),
        ("a scary one", ["Horror"], []),
        ("cartoons please", ["Animation"], []),
        ("a romcom", ["Comedy", "Romance"], []),
        ("an action movie, but no horror", ["Action"], ["Horror"]),
        ("anything except comedies and romance", [], ["Comedy", "Romance"]),
        ("a comedy, not too scary", ["Comedy"], ["Horror"]),
        ("nothing animated", [], ["Animation"]),
        ("no, I want a western", ["Western"], []),
        ("less action, more drama", ["Drama"], ["Action"]),
        ("sci fi without horror or gore", ["Sci-Fi"], ["Horror"]),
    ],
)
def test_genres_and_negations(text: str, genres: list[str], excluded: list[str], lexicon: Lexicon) -> None:
    slots = slots_of(text, lexicon)
    assert sorted(slots.genres) == sorted(genres)
    assert sorted(slots.exclude_genres) == sorted(excluded)


@pytest.mark.parametrize(
    ("text", "year_from", "year_to"),
    [
        ("comedies from the 80s", 1980, 1989),
        ("thrillers from the 1990s", 1990, 1999),
        ("something from the seventies", 1970, 1979),
        ("only ones made after 2000", 2000, None),
        ("from before 1970", None, 1969),
        ("between 1985 and 1992", 1985, 1992),
        ("after the 80s", 1990, None),
        ("1995 onwards", 1995, None),
        ("a recent film", 2013, None),
        ("a classic", None, 1979),
        ("movies from 1999", 1999, 1999),
        ("before 1800 please", None, 1902),
        ("after 2050", 2018, None),
        ("a movie I can watch with my 6 year old", None, None),
    ],
)
def test_years(text: str, year_from: int | None, year_to: int | None, lexicon: Lexicon) -> None:
    slots = slots_of(text, lexicon)
    assert (slots.year_from, slots.year_to) == (year_from, year_to)


@pytest.mark.parametrize(
    ("text", "k"),
    [("give me 3 comedies", 3), ("top five westerns", 5), ("pick me 4 documentaries", 4), ("a few dramas", 3),
     ("I want 100 movies", 50), ("my 6 year old", None), ("one from the 90s", None)],
)  # fmt: skip
def test_counts(text: str, k: int | None, lexicon: Lexicon) -> None:
    assert slots_of(text, lexicon).k == k


def test_copy_question_feedback_and_ordinals(lexicon: Lexicon) -> None:
    copy = slots_of("draft a playful marketing email for The Matrix aimed at teenagers", lexicon)
    assert (copy.channel, copy.tone, copy.audience) == ("email", "playful", "teenagers")
    assert slots_of("a push notification for it", lexicon).channel == "push"
    assert slots_of("when did Heat come out?", lexicon).question == "year"
    assert slots_of("what genre is Alien", lexicon).question == "genre"
    assert slots_of("highly rated dramas", lexicon).min_rating == 4.0
    assert [m.value for m in slots_of("I didn't like it", lexicon).feedback] == ["dislike"]
    assert [m.value for m in slots_of("I've already seen it", lexicon).feedback] == ["seen"]
    assert slots_of("the second one", lexicon).ordinal == 2
    assert slots_of("#3 please", lexicon).ordinal == 3
    assert slots_of("the last one", lexicon).ordinal == -1


def test_lexicon_errors_name_the_file(tmp_path: Path) -> None:
    for name in ("cues.yaml", "genres.yaml", "intents.yaml"):
        (tmp_path / name).write_text((LEXICON_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    Lexicon(tmp_path)  # a faithful copy loads
    cues = tmp_path / "cues.yaml"
    cues.write_text(cues.read_text(encoding="utf-8").replace('"no", not,', "no, not,"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"cues\.yaml: negation: False was read as a boolean"):
        Lexicon(tmp_path)
    cues.write_text("negation: [\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"cues\.yaml: invalid YAML"):
        Lexicon(tmp_path)
    cues.write_text("negation: [not]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"cues\.yaml: missing key 'feedback'"):
        Lexicon(tmp_path)
