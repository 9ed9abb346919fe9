"""The script of the fake ChatBackend (bot.testing.FakeBackend) in tests of the dialogue runner."""

from __future__ import annotations

from bot.agent.events import ItemView
from bot.testing import fake_backend
from bot.testing.fake_backend import SMALLTALK, Canned, FakeBackend, title_resolver

__all__ = ["CATALOG", "SCRIPT", "dialogue_backend", "title_resolver"]

# the default catalog plus Ronin, which the dialogues like (the API tests count the default catalog's search hits)
CATALOG = {
    **fake_backend.CATALOG,
    "2278": ItemView("2278", "Ronin", 1998, ("Action", "Crime", "Thriller"), "heist", 0.75),
}

SCRIPT = {
    "I loved Heat and Ronin": Canned(
        "Since you loved Heat, try The Godfather and The Untouchables.",
        items=("858", "2194"),
        calls=(("recommend", {"genres": ["Crime"], "likes": ["Heat", "Ronin"], "k": 10}),),
    ),
    "more like that": Canned(
        "More crime: Heat and Ronin.",
        items=("6", "2278"),
        calls=(("recommend", {"genres": ["Crime"], "exclude_ids": ["858", "2194"]}),),
    ),
    "something for kids": Canned(
        "Toy Story is a family classic.", items=("1",), calls=(("search_catalog", {"query": "kids"}),), intent="search"
    ),
    "tell me about the first one": Canned(
        "Heat (1995) is about professional bank robbers.",
        items=("6",),
        calls=(("item_details", {"item": "6"}),),
        intent="item_question",
    ),
    "write a tagline for Heat": Canned(
        "A los Angeles crime saga.",
        items=("6",),
        calls=(("write_copy", {"item": "6", "channel": "tagline"}),),
        intent="marketing_copy",
        guard=False,
    ),
    "slow": Canned("ok", delay_s=0.05, mode="template", guard=None, intent="smalltalk"),
    "crash": Canned(error=RuntimeError("backend exploded")),
}


def dialogue_backend() -> FakeBackend:
    """A fresh FakeBackend that answers SCRIPT, small talk to anything else; demo user "42"."""
    return FakeBackend(SCRIPT, unscripted=SMALLTALK, catalog=CATALOG, demo=("42",))
