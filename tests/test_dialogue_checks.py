"""Each expectation kind passes when it holds and fails, with a readable diff, when it does not."""

from __future__ import annotations

from typing import Any

import pytest

from bot.agent.events import ToolCall
from bot.dialogues.checks import check_turn
from bot.dialogues.format import Expect
from bot.dialogues.matching import item_matches, normalise_title, titles_match
from bot.dialogues.observation import Observation
from tests.conftest_dialogues import CATALOG


def obs(**kwargs: Any) -> Observation:
    defaults: dict[str, Any] = {
        "text": "hi",
        "reply": "Try Heat and The Godfather, two crime classics.",
        "items": [CATALOG["6"], CATALOG["858"]],
        "tool_calls": [ToolCall("recommend", {"genres": ["Crime", "Drama"], "k": 10, "item": "6"})],
        "intent": "recommend",
        "guard_passed": True,
        "reply_mode_used": "llm",
        "latency_ms": 120.0,
    }
    return Observation(**{**defaults, **kwargs})


def failures(
    expect: dict[str, Any], observation: Observation | None = None, shown: list[str] | None = None
) -> list[str]:
    observation = observation or obs()
    found = check_turn(Expect.model_validate(expect), observation, shown or [], observation.items)
    return [f.render() for f in found]


PASSING_AND_FAILING = [
    (
        {"tools": [{"name": "recommend", "args": {"genres": ["crime"]}}]},
        {"tools": [{"name": "recommend", "args": {"genres": ["Horror"]}}]},
    ),
    ({"tools": ["recommend"]}, {"tools": ["search_catalog"]}),
    (
        {"tools": [{"name": "recommend", "args": {"item": "Heat", "k": 10}}]},
        {"tools": [{"name": "recommend", "args": {"item": "Toy Story"}}]},
    ),
    ({"tools_not": ["write_copy"]}, {"tools_not": ["recommend"]}),
    ({"intent": ["recommend", "search"]}, {"intent": "profile"}),
    ({"items": {"include": ["heat", "Godfather, The (1972)", "858"]}}, {"items": {"include": ["Toy Story"]}}),
    ({"items": {"include": ["The Godfathr"]}}, {"items": {"include": ["The Godfather (1990)"]}}),
    ({"items": {"exclude": ["Toy Story"]}}, {"items": {"exclude": ["Heat"]}}),
    ({"items": {"first": "Heat"}}, {"items": {"first": "The Godfather"}}),
    ({"items": {"count": {"min": 1, "max": 2}}}, {"items": {"count": {"min": 3}}}),
    (
        {"all_items_match": {"genres_any": ["Crime"], "year_from": 1970, "year_to": 2000}},
        {"all_items_match": {"year_from": 1990}},
    ),
    (
        {"all_items_match": {"genres_all": ["Crime"], "genres_none": ["Horror"]}},
        {"all_items_match": {"genres_none": ["Drama"]}},
    ),
    ({"reply": {"contains": ["HEAT", "crime"], "not_contains": ["horror"]}}, {"reply": {"contains": ["Toy Story"]}}),
    ({"reply": {"contains_any": ["zzz", "classic"]}}, {"reply": {"contains_any": ["zzz", "yyy"]}}),
    ({"reply": {"matches": r"\bHeat\b", "not_matches": "(?i)system prompt"}}, {"reply": {"not_matches": "Heat"}}),
    ({"reply": {"min_length": 10, "max_length": 500}}, {"reply": {"max_length": 10}}),
    ({"grounded": True}, {"grounded": False}),
    ({"latency_ms": {"max": 1000}}, {"latency_ms": {"max": 50}}),
]


@pytest.mark.parametrize(("good", "bad"), PASSING_AND_FAILING)
def test_expectation_passes_and_fails(good: dict[str, Any], bad: dict[str, Any]) -> None:
    assert failures(good) == []
    found = failures(bad)
    assert len(found) == 1
    key = next(iter(bad))
    assert found[0].startswith(f"✗ {key}") and "expected:" in found[0] and "actual:" in found[0]


def test_diffs_say_what_was_expected_and_what_happened() -> None:
    (tools,) = failures({"tools": [{"name": "recommend", "args": {"genres": ["Horror"]}}]})
    assert "a call to recommend with args ⊇ {'genres': ['Horror']}" in tools
    assert "genres: wanted ['Horror'], got ['Crime', 'Drama']" in tools
    (items,) = failures({"items": {"include": ["Toy Story"]}})
    assert "items including ['Toy Story']" in items and "[Heat (1995) #6, The Godfather (1972) #858]" in items
    (match,) = failures({"all_items_match": {"year_from": 1990}})
    assert "The Godfather (1972) [Crime, Drama]: year 1972 < 1990" in match and "Heat" not in match
    (count,) = failures({"items": {"count": 5}})
    assert "5..5 items" in count and "2 items" in count


def test_grounded_accepts_template_and_rejects_failed_guard() -> None:
    assert failures({"grounded": True}, obs(guard_passed=None, reply_mode_used="template")) == []
    (fail,) = failures({"grounded": True}, obs(guard_passed=False, guard_problems=["invented 'Alien'"]))
    assert "guard=False" in fail and "invented 'Alien'" in fail
    assert failures({"grounded": True}, obs(guard_passed=None, reply_mode_used="llm")) != []


def test_no_repeats_compares_with_earlier_turns() -> None:
    assert failures({"no_repeats": True}, shown=["1", "2194"]) == []
    (fail,) = failures({"no_repeats": True}, shown=["858"])
    assert "repeated: [The Godfather (1972) #858]" in fail


def test_all_items_match_fails_without_items() -> None:
    (fail,) = failures({"all_items_match": {"genres_any": ["Crime"]}}, obs(items=[]))
    assert "no items shown" in fail


def test_rejected_turns() -> None:
    refused = Observation(text="", rejected="ValueError: empty message")
    assert failures({"rejected": True}, refused) == []
    (fail,) = failures({"reply": {"contains": ["x"]}}, refused)
    assert "refused the message: ValueError: empty message" in fail
    (fail,) = failures({"rejected": True})
    assert fail.startswith("✗ rejected")
    assert failures({"rejected": "allowed"}, refused) == []
    assert failures({"rejected": "allowed", "reply": {"contains": ["Heat"]}}) == []
    (fail,) = failures({"rejected": "allowed", "reply": {"contains": ["Toy Story"]}})
    assert fail.startswith("✗ reply.contains")


def test_title_matching_rules() -> None:
    assert normalise_title("Godfather, The (1972)") == ("godfather", 1972)
    heat = CATALOG["6"]
    assert item_matches("6", heat) and item_matches("heat (1995)", heat)
    assert not item_matches("Heat (1986)", heat)
    assert not item_matches("Heathers", heat)
    assert item_matches("The Untouchable", CATALOG["2194"])
    assert titles_match("The Godfather", "the godfater") and titles_match("Heat", "Heat (1995)")
    assert not titles_match("Alien", "Aliens") and titles_match("alien", "Alien (1979)")
    assert not titles_match("like", "dislike") and not titles_match("tagline", "email")
