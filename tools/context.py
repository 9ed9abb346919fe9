"""The dependencies a tool gets: passed in by the loop, never taken from globals or from the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.llm_base import ChatModel
    from store.catalog import CatalogStore
    from store.embedder import Embedder
    from store.history import HistoryStore
    from tools.recommend import Recommender
    from tools.titles import TitleIndex

Role = Literal["user", "marketer"]


@dataclass(slots=True)
class ToolContext:
    """Everything a tool may use. user_id and role always come from the session / token, never from a model."""

    settings: Settings
    catalog: CatalogStore
    history: HistoryStore
    embedder: Embedder
    titles: TitleIndex
    user_id: str
    role: Role = "user"
    recommender: Recommender | None = None
    llm: ChatModel | None = None
    # likes stated in this conversation that are not yet in history (cold start), as item ids
    stated_likes: list[str] = field(default_factory=list)
