"""The conversation on both demo catalogs: the books suite (tests/dialogues_books/) against the books home, and the
shared suite (tests/dialogues_shared/, parametrised by tests/dialogue_catalogs/<catalog>.yaml) against both homes.

The books home is built once by the session (tests/books_home.py: the real MiniLM, about 100 s the first time, a
content-hash check afterwards); the film home is the one `make test` builds ($CONCIERGE_HOME).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.composition import Components, Overrides, build_components
from bot.concierge import Concierge, build_backend
from bot.config import Settings
from bot.dialogues.format import Dialogue, load_dialogues, load_variables
from bot.dialogues.pytest_plugin import assert_dialogue, dialogue_cases
from bot.dialogues.runner import BackendTransport, RunOptions
from tests.books_home import BooksHome, build_books_home

TESTS = Path(__file__).parent
BOOKS_SUITE = TESTS / "dialogues_books"
SHARED_SUITE = TESTS / "dialogues_shared"
CATALOG_VARS = {name: TESTS / "dialogue_catalogs" / f"{name}.yaml" for name in ("films", "books")}
TEMPLATE = RunOptions(reply_mode="template")


def _vars(catalog: str) -> dict[str, str]:
    return load_variables(CATALOG_VARS[catalog])


def test_catalog_suites_are_valid() -> None:
    books = load_dialogues([BOOKS_SUITE])
    assert len(books) >= 12
    film_keys, book_keys = set(_vars("films")), set(_vars("books"))
    assert film_keys == book_keys, film_keys ^ book_keys
    used = set(re.findall(r"\$\{(\w+)\}", "".join(p.read_text() for p in SHARED_SUITE.glob("*.yaml"))))
    assert used <= film_keys, used - film_keys
    for catalog in CATALOG_VARS:
        shared = load_dialogues([SHARED_SUITE], variables=_vars(catalog))
        assert len(shared) >= 8
        texts = [t.text for d in shared for t in d.turns]
        assert not any("${" in text for text in texts), texts


def test_run_vars_win_over_file_vars(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("vars: {hero: Heat}\ndialogues:\n  - name: n\n    turns: [{user: 'I loved ${hero}'}]\n")
    assert load_dialogues([path])[0].turns[0].user == "I loved Heat"
    assert load_dialogues([path], variables={"hero": "Emma"})[0].turns[0].user == "I loved Emma"


@pytest.fixture(scope="session")
def books_home() -> BooksHome:
    return build_books_home()


@pytest.fixture(scope="module")
def books_components(books_home: BooksHome) -> Components:
    return build_components(books_home.settings, Overrides(embedder=books_home.embedder))


@pytest.fixture(scope="module")
def books_transport(books_components: Components) -> BackendTransport:
    backend = Concierge(books_components)
    return BackendTransport(lambda overrides: backend)


@pytest.fixture(scope="module")
def films_transport() -> BackendTransport:
    settings = Settings.model_validate({})
    if not settings.chroma_path.exists():
        pytest.skip(f"demo data not built in {settings.home} (run concierge build-demo)")
    backend = build_backend(settings)
    return BackendTransport(lambda overrides: backend)


@pytest.mark.slow
def test_books_home_is_the_books_catalog(books_home: BooksHome, books_components: Components) -> None:
    """The home holds the 10,000 books with the books profile, and recommends without any trained weights."""
    print(f"books home ready in {books_home.seconds:.1f} s ({books_home.ingest})")
    assert books_home.ingest.items == 10_000
    assert books_components.catalog.profile.item.plural == "books"
    recommender = books_components.recommender
    assert recommender is not None and recommender.kind == "content"


@pytest.mark.slow
@pytest.mark.parametrize("dialogue", dialogue_cases([BOOKS_SUITE]))
def test_books_dialogue(dialogue: Dialogue, books_transport: BackendTransport) -> None:
    assert_dialogue(dialogue, books_transport, TEMPLATE)


@pytest.mark.slow
@pytest.mark.parametrize("dialogue", dialogue_cases([SHARED_SUITE], variables=_vars("books")))
def test_shared_dialogue_on_books(dialogue: Dialogue, books_transport: BackendTransport) -> None:
    assert_dialogue(dialogue, books_transport, TEMPLATE)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CONCIERGE_HOME"), reason="set CONCIERGE_HOME to a built demo home")
@pytest.mark.parametrize("dialogue", dialogue_cases([SHARED_SUITE], variables=_vars("films")))
def test_shared_dialogue_on_films(dialogue: Dialogue, films_transport: BackendTransport) -> None:
    assert_dialogue(dialogue, films_transport, TEMPLATE)
