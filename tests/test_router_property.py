"""Property tests: the router never raises, and what it plans is always well-formed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.agent.decision import TOP_ITEM, Decision, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.routing import Router
from store.embedder import HashingEmbedder
from tests.router_fakes import tiny_catalog
from tools.names import Intent

TOOLS = {
    "search_catalog", "item_details", "recommend", "similar_items", "user_profile", "record_feedback",
    "extract_keywords", "write_copy", "audience_for",
}  # fmt: skip
WORDS = [
    "before", "after", "since", "from", "the", "80s", "1990s", "'70s", "eighties", "1850", "2099", "1999", "2000",
    "between", "and", "recent", "older", "newer", "classic", "more", "no", "not", "too", "scary", "funny", "horror",
    "comedies", "like", "loved", "seen", "Heat", "It", "Up", "the second one", "#2", "#99", "last", "give me", "3",
    "0", "999", "tagline", "email", "for", "about", "what", "year", "?", ",", ":", "\"", "'", "funnier", "it",
    "keywords", "audience", "recommend", "similar", "to", "😀", "<b>", "\x00", "película", "映画", "  ", "\n",
]  # fmt: skip


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(HashingEmbedder(), None, items=tiny_catalog())


def _state(draw_years: list[int], with_list: bool) -> DialogueState:
    views = [ItemView(str(i), f"Item {i}", y or None, (), "", 0.5) for i, y in enumerate(draw_years)]
    calls = [PlannedCall("recommend", {"genres": ["Crime"], "year_from": 1990})] if with_list else []
    return DialogueState(last_items=views, last_calls=calls, shown_ids=[v.item_id for v in views])


def _check(decision: Decision, router: Router) -> None:
    low, high = router.year_bounds
    assert decision.intent in set(Intent)
    assert 0.0 <= decision.confidence <= 1.0
    for source in [decision.slots, *(c.arguments for c in decision.calls)]:
        year_from, year_to = source.get("year_from"), source.get("year_to")
        for year in (year_from, year_to):
            assert year is None or low <= year <= high, source
        if year_from is not None and year_to is not None:
            assert year_from <= year_to, source
        k = source.get("k")
        assert k is None or 1 <= k <= 50
    for call in decision.calls:
        assert call.tool in TOOLS
        assert all(v is not None for v in call.arguments.values())
    placeholders = [c for c in decision.calls if TOP_ITEM in c.arguments.values()]
    for call in placeholders:  # "$top" only ever follows a call that returns items
        assert decision.calls.index(call) > 0


state_strategy = st.builds(_state, st.lists(st.integers(min_value=0, max_value=2030), max_size=5), st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), state=state_strategy)
def test_any_text_never_raises(router: Router, text: str, state: DialogueState) -> None:
    _check(router.route(text, state), router)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WORDS), max_size=14), state=state_strategy)
def test_cue_soup_is_well_formed(router: Router, words: list[str], state: DialogueState) -> None:
    _check(router.route(" ".join(words), state), router)


def test_ten_thousand_characters(router: Router) -> None:
    _check(router.route("before the 80s no horror " * 400 + "x" * 2000, DialogueState()), router)
