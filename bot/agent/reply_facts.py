"""What a reply may name: the titles and years of the turn's facts (results, shown items, cited items, likes)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.agent.events import ItemView
from bot.agent.toolbox import ToolOutcome
from bot.agent.turn import TurnRequest
from store.years import years_in
from tools.results import cited_item_ids


def allowed_facts(
    request: TurnRequest, outcomes: Sequence[ToolOutcome], items: list[ItemView]
) -> tuple[set[str], set[int]]:
    """The titles a reply may name (results, shown items, the items their reasons cite, the user's stated
    likes) and the years it may say."""
    titles: set[str] = set()
    years: set[int] = years_in(request.text)
    for outcome in outcomes:
        if outcome.result is None:
            continue
        for scored in outcome.result.items:
            titles.add(scored.item.title)
            if scored.item.year:
                years.add(scored.item.year)
            for cited_id in cited_item_ids(scored.provenance):
                cited = request.ctx.catalog.get(cited_id)
                if cited is not None:
                    titles.add(cited.title)
    for view in items:
        titles.add(view.title)
    for like in request.ctx.stated_likes:
        item = request.ctx.catalog.get(like)
        if item is not None:
            titles.add(item.title)
    return titles, years
