"""Property tests of the parsers that read user text: slots (genres, negations, years, decades), the title
spotter and the title index. Arbitrary text (any unicode, control characters, lone surrogates, up to 5,000
characters) never crashes them and gives values in range; metamorphic properties pin what phrases mean.

tests/test_router_property.py covers Router.route end to end; these test the parsers underneath directly.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.agent.router.phrases import LEXICON_DIR, MAX_PARSE_CHARS, Lexicon, clean, load_yaml, phrase_key, tokenize
from bot.agent.router.slots import MAX_K, Slots, extract
from bot.agent.router.title_spotter import FUZZY_CUTOFF, TitleSpotter
from store.items import CatalogItem
from tests.catalog_fixtures import demo_items
from tools.results import ToolInputError
from tools.titles import TitleIndex, normalize, title_keys

BOUNDS = (1902, 2018)  # the demo catalog's years
LEXICON = Lexicon()
GENRES: Mapping[str, list[str]] = {
    str(name): [str(p) for p in phrases] for name, phrases in load_yaml(LEXICON_DIR / "genres.yaml")["genres"].items()
}
CUES = load_yaml(LEXICON_DIR / "cues.yaml")
NEGATIONS = [str(p) for p in CUES["negation"]]
DECADE_WORDS = {str(p): int(v) for p, v in CUES["decades"].items()}
FILLER = ["please", "something", "good", "for", "tonight", "a", "film", "thanks", "we", "are", "friends"]
# phrase -> every genre it names ("romcom" names Comedy and Romance)
PHRASE_GENRES: dict[str, set[str]] = {}
for _name, _phrases in GENRES.items():
    for _phrase in _phrases:
        PHRASE_GENRES.setdefault(_phrase, set()).add(_name)
SOUP = [
    "not", "no", "without", "except", "but", "horror", "comedies", "romcom", "sci fi", "90s", "'70s", "1990's",
    "the eighties", "after", "before", "since", "between", "and", "1850", "2099", "1999", "0", "999", "10000000000",
    "onwards", "classic", "recent", "#2", "give me", "3", "\x00", "\u202e", "\ud800", "\u200b", "٣", "²", "ﬁ",
    "\n", ",", ".", "\"", "'", "Heat", "It", "Pulp Fiction", "Blade Runner 2049", "映画", "😀", "  ",
]  # fmt: skip
CHECKS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANY_CHAR = st.characters(exclude_categories=())  # includes controls and lone surrogates
LONG = st.tuples(st.text(ANY_CHAR, min_size=1, max_size=60), st.integers(1000, 5000)).map(
    lambda p: (p[0] * (p[1] // len(p[0]) + 1))[: p[1]]
)  # up to 5,000 characters without asking hypothesis for 5,000 random draws
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(ANY_CHAR, max_size=5000),
    LONG,
    st.lists(st.sampled_from(SOUP), max_size=40).map(" ".join),
)


def slots_of(text: str) -> Slots:
    cleaned = clean(text)
    return extract(cleaned, tokenize(cleaned), LEXICON, BOUNDS)


def clamp(year: int) -> int:
    return max(BOUNDS[0], min(BOUNDS[1], year))


def words(draw_from: st.SearchStrategy[list[str]]) -> st.SearchStrategy[str]:
    return draw_from.map(" ".join)


FILLER_TEXT = words(st.lists(st.sampled_from(FILLER), max_size=4))


# ---- any text -------------------------------------------------------------------------------------------------


@CHECKS
@given(text=TEXT)
def test_clean_and_tokenize_any_text(text: str) -> None:
    cleaned = clean(text)
    assert len(cleaned) <= MAX_PARSE_CHARS
    assert all(ch in "\n\t" or ch.isprintable() or ch == " " for ch in cleaned)
    assert clean(cleaned) == cleaned  # cleaning twice changes nothing
    tokens = tokenize(cleaned)
    for before, after in itertools.pairwise(tokens):
        assert before.end <= after.start
    assert all(cleaned[t.start : t.end] == t.raw and t.norm for t in tokens)


@CHECKS
@given(text=TEXT)
def test_slots_of_any_text_are_in_range(text: str) -> None:
    slots = slots_of(text)
    names = set(LEXICON.genre_names)
    assert set(slots.genres) <= names and set(slots.exclude_genres) <= names
    assert set(slots.comparative_genres) <= names
    assert not set(slots.genres) & set(slots.exclude_genres)
    assert len(slots.genres) == len(set(slots.genres)) and len(slots.exclude_genres) == len(set(slots.exclude_genres))
    for year in (slots.year_from, slots.year_to):
        assert year is None or BOUNDS[0] <= year <= BOUNDS[1]
    if slots.year_from is not None and slots.year_to is not None:
        assert slots.year_from <= slots.year_to
    assert slots.k is None or 1 <= slots.k <= MAX_K
    assert slots.min_rating in (None, LEXICON.min_rating_value)
    assert all(0 <= i < len(tokenize(clean(text))) for i in slots.consumed)


# ---- metamorphic: years and decades -------------------------------------------------------------------------


def decade_phrases(decade: int) -> list[str]:
    phrases = [f"the {decade}s", f"{decade}s", f"{decade}'s", f"the {decade}'s"]
    if decade >= 1920:  # two digits mean 1920-2019 ("the 10s" is the 2010s)
        phrases += [f"the '{decade % 100:02d}s", f"{decade % 100:02d}s", f"'{decade % 100:02d}s"]
    phrases += [f"the {word}" for word, value in DECADE_WORDS.items() if value == decade]
    return phrases


@st.composite
def decade_and_phrase(draw: st.DrawFn) -> tuple[int, str]:
    decade = draw(st.sampled_from(range(1910, 2020, 10)))
    return decade, draw(st.sampled_from(decade_phrases(decade)))


@CHECKS
@given(decade=decade_and_phrase(), before=FILLER_TEXT, after=FILLER_TEXT, genre=st.sampled_from(sorted(PHRASE_GENRES)))
def test_a_decade_phrase_means_that_decade(decade: tuple[int, str], before: str, after: str, genre: str) -> None:
    start, phrase = decade
    slots = slots_of(f"{before} {genre} movies from {phrase} {after}")
    assert (slots.year_from, slots.year_to) == (clamp(start), clamp(start + 9)), phrase
    assert PHRASE_GENRES[genre] <= set(slots.genres)  # the genre word next to it is still read


@CHECKS
@given(decade=decade_and_phrase(), cue=st.sampled_from(["after", "since", "before"]), before=FILLER_TEXT)
def test_after_and_before_a_decade(decade: tuple[int, str], cue: str, before: str) -> None:
    start, phrase = decade
    slots = slots_of(f"{before} {cue} {phrase}")
    if cue == "before":
        assert (slots.year_from, slots.year_to) == (None, clamp(start - 1)), phrase
    else:
        assert (slots.year_from, slots.year_to) == (clamp(start + 10), None), phrase


@CHECKS
@given(year=st.integers(1800, 2099), cue=st.sampled_from(["from", "after", "since", "before", "made before"]))
def test_a_year_after_a_cue(year: int, cue: str) -> None:
    slots = slots_of(f"a movie {cue} {year}")
    expected = {
        "from": (clamp(year), clamp(year)),
        "after": (clamp(year), None),
        "since": (clamp(year), None),
        "before": (None, clamp(year - 1)),
        "made before": (None, clamp(year - 1)),
    }[cue]
    assert (slots.year_from, slots.year_to) == expected


@CHECKS
@given(first=st.integers(BOUNDS[0], BOUNDS[1]), second=st.integers(BOUNDS[0], BOUNDS[1]))
def test_between_two_years_in_either_order(first: int, second: int) -> None:
    slots = slots_of(f"between {first} and {second}")
    assert (slots.year_from, slots.year_to) == (min(first, second), max(first, second))


# ---- metamorphic: negations ---------------------------------------------------------------------------------


def short_enough(text: str) -> bool:
    return len(unicodedata.normalize("NFKC", text)) < MAX_PARSE_CHARS - 200


@CHECKS
@given(text=TEXT, negation=st.sampled_from(NEGATIONS), phrase=st.sampled_from(sorted(PHRASE_GENRES)))
def test_a_leading_negation_excludes_and_adds_nothing(text: str, negation: str, phrase: str) -> None:
    """'no musicals. <text>': the negated genres are excluded and no wanted genre appears that <text> lacked."""
    assume(short_enough(text))
    base = slots_of(text)
    negated = slots_of(f"{negation} {phrase}. {text}")
    assert PHRASE_GENRES[phrase] <= set(negated.exclude_genres), (negation, phrase)
    assert set(negated.genres) <= set(base.genres) - PHRASE_GENRES[phrase]
    assert set(base.exclude_genres) <= set(negated.exclude_genres)


@CHECKS
@given(text=TEXT, negation=st.sampled_from(NEGATIONS), phrase=st.sampled_from(sorted(PHRASE_GENRES)))
def test_a_trailing_negation_never_wants_that_genre(text: str, negation: str, phrase: str) -> None:
    """'<text>, not horror': Horror is excluded and never wanted, whatever <text> asked for."""
    assume(short_enough(text))
    slots = slots_of(f"{text}, {negation} {phrase}")
    assert PHRASE_GENRES[phrase] <= set(slots.exclude_genres), (negation, phrase)
    assert not PHRASE_GENRES[phrase] & set(slots.genres)


@CHECKS
@given(phrase=st.sampled_from(sorted(PHRASE_GENRES)), before=FILLER_TEXT, after=FILLER_TEXT)
def test_every_genre_phrase_names_its_genres(phrase: str, before: str, after: str) -> None:
    slots = slots_of(f"{before} {phrase} {after}")
    assert PHRASE_GENRES[phrase] <= set(slots.genres), phrase
    assert slots.exclude_genres == []


# ---- titles -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> list[CatalogItem]:
    return list(demo_items())


@pytest.fixture(scope="module")
def index(catalog: list[CatalogItem]) -> TitleIndex:
    return TitleIndex(catalog)


@pytest.fixture(scope="module")
def spotter(catalog: list[CatalogItem]) -> TitleSpotter:
    return TitleSpotter(catalog, LEXICON)


FIXTURES = settings(CHECKS, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FIXTURES
@given(text=TEXT)
def test_title_index_on_any_text(index: TitleIndex, text: str) -> None:
    ids = {item.item_id for item in index.items()}
    try:
        item = index.resolve(text)
    except ToolInputError as exc:
        assert len(exc.suggestions or []) <= 3
    else:
        assert item.item_id in ids
    matches = index.match(text, limit=5)
    assert len(matches) <= 5
    assert len({item.item_id for item, _ in matches}) == len(matches)
    assert all(item.item_id in ids and 0.0 <= score <= 100.0 for item, score in matches)
    rounded = [round(score) for _, score in matches]
    assert rounded == sorted(rounded, reverse=True)


def test_every_title_resolves_to_an_item_with_that_title(index: TitleIndex) -> None:
    """Exhaustive over the demo catalog: a title (with or without its year) names an item with that title.
    Titles that are only a number ("300", "1941") are read as item ids, as documented, unless the year is given."""
    wrong = []
    ids = {item.item_id for item in index.items()}
    for item in index.items():
        by_label = index.resolve(item.label)
        if not title_keys(by_label) & title_keys(item) or by_label.year != item.year:
            wrong.append((item.label, by_label.label))
        if normalize(item.title) in ids or item.title in ids:
            continue
        by_title = index.resolve(item.title)
        if not title_keys(by_title) & title_keys(item):
            wrong.append((item.title, by_title.label))
    assert wrong == []


ASCII_NOISE = st.text(st.sampled_from("abcdefghij XYZ,.!?-"), max_size=40)


def noisy_case(text: str, flips: list[bool]) -> str:
    """Swap the case of ASCII letters only (str.upper would turn ß into SS)."""
    out = []
    for n, ch in enumerate(text):
        flip = flips[n % len(flips)] if flips else False
        out.append(ch.swapcase() if flip and ch.isascii() and ch.isalpha() else ch)
    return "".join(out)


@FIXTURES
@given(data=st.data(), flips=st.lists(st.booleans(), max_size=8), punctuation=st.sampled_from(["", "!", "?", "..."]))
def test_a_title_in_any_case_with_punctuation_resolves_to_that_title(
    index: TitleIndex, data: st.DataObject, flips: list[bool], punctuation: str
) -> None:
    item = data.draw(st.sampled_from(index.items()), label="item")
    assume(item.title not in {i.item_id for i in index.items()})
    query = f"  {noisy_case(item.title, flips)}{punctuation} "
    found = index.resolve(query)
    assert title_keys(found) & title_keys(item), (query, found.label)


@FIXTURES
@given(text=TEXT)
def test_spotted_titles_are_well_formed(spotter: TitleSpotter, catalog: list[CatalogItem], text: str) -> None:
    cleaned = clean(text)
    tokens = tokenize(cleaned)
    hits = spotter.spot(cleaned, tokens)
    ids = {item.item_id for item in catalog}
    for hit in hits:
        assert 0 <= hit.start < hit.end <= len(tokens)
        assert hit.raw == cleaned[tokens[hit.start].start : tokens[hit.end - 1].end]
        assert hit.item is not None and hit.item.item_id in ids and hit.score == 100.0
    for first, second in itertools.pairwise(hits):
        assert first.end <= second.start
    for start in range(0, len(tokens), max(1, len(tokens) // 5)):
        fuzzy = spotter.span_after(cleaned, tokens, start)
        if fuzzy is not None:
            assert start <= fuzzy.start < fuzzy.end <= len(tokens)
            assert fuzzy.item is None or fuzzy.score >= FUZZY_CUTOFF


@FIXTURES
@given(data=st.data(), before=ASCII_NOISE, after=ASCII_NOISE)
def test_a_quoted_title_is_always_spotted(
    spotter: TitleSpotter, catalog: list[CatalogItem], data: st.DataObject, before: str, after: str
) -> None:
    item = data.draw(st.sampled_from(catalog), label="item")
    main = item.title.split(" (")[0]
    assume(0 < len(phrase_key(main)) <= 10)
    text = f'{before} "{main}" {after}'
    cleaned = clean(text)
    start, end = len(clean(f'{before} "')), len(clean(f'{before} "{main}'))
    tokens = tokenize(cleaned)
    hits = spotter.spot(cleaned, tokens)
    overlapping = [h for h in hits if tokens[h.start].start < end and tokens[h.end - 1].end > start]
    assert overlapping, (text, [h.raw for h in hits])
