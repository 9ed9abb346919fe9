"""How people really write (issue 14, failures seen on ReDial and by new users), with the real rules and a fake
intent model (HashingEmbedder): a title's year is part of the title, never a year filter; "I have seen X" in a
conversation about what to watch gets picks; "movies like Toy Story" is a similarity request whatever "story" says;
"why do you keep recommending dramas?" is answered from the profile, not with more dramas."""

from __future__ import annotations

import pytest

from bot.agent.decision import DialogueState
from bot.agent.router.routing import Router
from store.embedder import HashingEmbedder
from tests.router_fakes import item, listed_state, tiny_catalog
from tools.names import Intent, ToolName


@pytest.fixture(scope="module")
def router() -> Router:
    extra = [
        item("1347", "A Nightmare on Elm Street", 1984, ("Horror", "Thriller"), 80),
        item("2706", "American Pie", 1999, ("Comedy", "Romance"), 90),
    ]
    return Router(HashingEmbedder(), None, items=[*tiny_catalog(), *extra])


def calls_of(router: Router, text: str, state: DialogueState | None = None) -> list[tuple[str, dict[str, object]]]:
    decision = router.route(text, state or DialogueState())
    return [(str(call.tool), call.arguments) for call in decision.calls]


@pytest.mark.parametrize(
    "text",
    [
        "When I was younger I really enjoyed A Nightmare on Elm Street (1984)",
        "I liked Heat (1995) and Ronin (1998), any suggestions?",
        "I loved The Matrix 1999, what should I watch?",
    ],
)
def test_a_titles_year_is_no_year_filter(router: Router, text: str) -> None:
    calls = calls_of(router, text)
    recommend = [arguments for name, arguments in calls if name == ToolName.RECOMMEND]
    assert recommend and recommend[0]["likes"], calls
    assert "year_from" not in recommend[0] and "year_to" not in recommend[0], calls


def test_a_year_said_as_a_filter_still_is_one(router: Router) -> None:
    calls = calls_of(router, "I liked Heat, something from 1999 please")
    assert any(arguments.get("year_from") == 1999 for _, arguments in calls), calls


def test_seen_in_a_question_about_what_to_watch_gets_picks(router: Router) -> None:
    decision = router.route(
        "Is that a great one? I have never seen it. I have seen American Pie (1999)", DialogueState()
    )
    tools = [call.tool for call in decision.calls]
    assert ToolName.RECORD_FEEDBACK in tools and ToolName.SIMILAR_ITEMS in tools, decision
    similar = next(call for call in decision.calls if call.tool == ToolName.SIMILAR_ITEMS)
    assert similar.arguments["item"].startswith("American Pie")


def test_seen_said_alone_is_only_noted(router: Router) -> None:
    decision = router.route("I've already seen The Matrix", DialogueState())
    assert decision.intent == Intent.FEEDBACK and [c.tool for c in decision.calls] == [ToolName.RECORD_FEEDBACK]


@pytest.mark.parametrize(
    "text", ["Movies like Toy Story", "Something similar to Toy Story", "anything like Toy Story?"]
)
def test_like_a_title_with_story_in_it_is_similarity(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert decision.intent == Intent.SIMILAR, decision
    assert decision.calls[0].tool == ToolName.SIMILAR_ITEMS and "Toy Story" in str(decision.calls[0].arguments["item"])


def test_a_plot_question_still_is_one(router: Router) -> None:
    decision = router.route("what is the story of Heat?", DialogueState())
    assert decision.intent == Intent.ITEM_QUESTION and decision.question == "plot", decision


@pytest.mark.parametrize(
    "text", ["Why do you keep recommending dramas to me?", "why all these crime movies?", "why do you recommend Heat?"]
)
def test_why_do_you_recommend_is_explained_from_the_profile(router: Router, text: str) -> None:
    for state in (DialogueState(), listed_state()):
        decision = router.route(text, state)
        if "Heat" in text:  # a title named: the question is about that item, never "more dramas"
            assert ToolName.RECOMMEND not in [c.tool for c in decision.calls], decision
            continue
        assert decision.intent == Intent.PROFILE, (text, decision)
        assert [c.tool for c in decision.calls] == [ToolName.USER_PROFILE]


@pytest.mark.parametrize("text", ["Oh I haven't seen Heat yet, but I really want to", "I have never seen The Matrix"])
def test_not_having_seen_a_title_records_nothing(router: Router, text: str) -> None:
    decision = router.route(text, DialogueState())
    assert ToolName.RECORD_FEEDBACK not in [c.tool for c in decision.calls], decision
