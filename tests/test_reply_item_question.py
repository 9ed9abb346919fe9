"""The template reply of an item question that also recorded feedback ("Is that a great one? I have never seen it.
I have seen The Shining"): the feedback is said, then the answer; of a question about an item nobody named; and
of a question about the recommender's own taste."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from bot.agent.decision import ABOUT_RECOMMENDER, Decision, PlannedCall
from bot.agent.reply_templates import render_template_reply
from bot.agent.toolbox import ToolOutcome
from prompts import Prompts
from prompts.locale import source_locale
from tests.facet_fixtures import BOOKS, books_store
from tools.context import ToolContext
from tools.names import Intent, ToolName
from tools.results import ScoredItem, ToolResult
from tools.titles import TitleIndex


def _reply(decision: Decision, outcomes: list[ToolOutcome]) -> str:
    ctx = cast(ToolContext, SimpleNamespace(catalog=books_store(), titles=TitleIndex(BOOKS), locale=source_locale()))
    return render_template_reply(Prompts(), ctx, decision.intent, decision, outcomes, [])


def _outcome(tool: ToolName, arguments: dict[str, object], book_id: str) -> ToolOutcome:
    book = next(b for b in BOOKS if b.item_id == book_id)
    return ToolOutcome(tool, arguments, ToolResult(items=[ScoredItem(book, 1.0)], summary="1 item"), None, 1.0)


def test_an_item_question_with_feedback_says_the_feedback_then_answers() -> None:
    seen = _outcome(ToolName.RECORD_FEEDBACK, {"item": "b2", "signal": "seen"}, "b2")
    details = _outcome(ToolName.ITEM_DETAILS, {"item": "b1"}, "b1")
    calls = [PlannedCall(o.name, o.arguments) for o in (seen, details)]
    reply = _reply(Decision(Intent.ITEM_QUESTION, 0.9, calls, question="year"), [seen, details])
    assert reply == "Noted: you have read The Shining (1977).\n\nCarrie came out in 1974.", reply


def test_an_item_question_without_feedback_only_answers() -> None:
    details = _outcome(ToolName.ITEM_DETAILS, {"item": "b1"}, "b1")
    decision = Decision(Intent.ITEM_QUESTION, 0.9, [PlannedCall(details.name, details.arguments)], question="year")
    assert _reply(decision, [details]) == "Carrie came out in 1974."


def test_a_question_about_an_item_nobody_named_asks_which_one() -> None:
    reply = _reply(Decision(Intent.ITEM_QUESTION, 0.5, [], question="rating"), [])
    assert reply == "Which book do you mean? Tell me its title and I'll look it up.", reply


def test_a_question_about_the_recommenders_taste_says_it_has_none() -> None:
    reply = _reply(Decision(Intent.SMALLTALK, 0.9, [], slots={ABOUT_RECOMMENDER: True}), [])
    assert reply.startswith("I have no taste of my own: what I know is this catalog"), reply
    assert "book" in reply and "Hello" not in reply, reply
    assert _reply(Decision(Intent.SMALLTALK, 0.9, []), []).startswith("Hello!")
