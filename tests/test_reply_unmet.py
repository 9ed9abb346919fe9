"""A bound the catalog cannot apply ("Stephen King books under 400 pages" without page counts) is said in the list
reply, in the reply's language, and nothing is said when every bound applied."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import cast

import pytest

from bot.agent.decision import Decision, PlannedCall
from bot.agent.events import ItemView
from bot.agent.reply_templates import render_template_reply
from bot.agent.toolbox import ToolOutcome
from prompts import Prompts
from prompts.locale import Locales
from tests.facet_fixtures import BOOKS, books_store
from tools.context import ToolContext
from tools.names import Intent, ToolName
from tools.results import ScoredItem, ToolResult
from tools.titles import TitleIndex

SHINING = next(b for b in BOOKS if b.item_id == "b2")


def _list_reply(code: str, slots: dict[str, object]) -> str:
    ctx = SimpleNamespace(catalog=books_store(), titles=TitleIndex(BOOKS), locale=Locales().get(code))
    arguments = {"facets": {"authors": ["Stephen King"]}}
    outcome = ToolOutcome(ToolName.RECOMMEND, arguments, ToolResult(items=[ScoredItem(SHINING, 1.0)]), None, 1.0)
    decision = Decision(Intent.RECOMMEND, 0.9, [PlannedCall(ToolName.RECOMMEND, arguments)], slots=slots)
    shown = [ItemView("b2", "The Shining", 1977, ("Horror",), "Popular and well rated", 1.0)]
    return render_template_reply(Prompts(), cast(ToolContext, ctx), Intent.RECOMMEND, decision, [outcome], shown)


def test_an_unmet_bound_is_said_after_the_list_lead() -> None:
    reply = _list_reply("en", {"unmet": ["under 400 pages"]})
    assert reply.endswith("The catalog has nothing to filter “under 400 pages” by, so that is not applied."), reply
    assert "under 400 pages" not in _list_reply("en", {})


@pytest.mark.parametrize("code", ["de", "es", "fr", "zh"])
def test_the_note_is_in_the_replys_language(code: str) -> None:
    reply = _list_reply(code, {"unmet": ["under 400 pages"]})
    note = reply.removeprefix(_list_reply(code, {})).strip()
    assert "under 400 pages" in note and not re.search(r"\b(catalog|filter|applied)\b", note), reply
