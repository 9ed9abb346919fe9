"""The dependencies a tool gets: passed in by the loop, never taken from globals or from the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from prompts.locale import Locale, source_locale

if TYPE_CHECKING:
    from store.catalog import CatalogStore
    from store.embedder import Embedder
    from store.history_base import History
    from tools.chat_model import ChatModel
    from tools.guard_report import GuardReport
    from tools.ports import TitleLookup
    from tools.recommender.engine import Recommender

Role = Literal["user", "marketer", "admin"]  # admin: catalog updates and events; it chats as a marketer


@dataclass(slots=True)
class ToolContext:
    """Everything a tool may use. user_id and role always come from the session / token, never from a model."""

    catalog: CatalogStore
    history: History
    embedder: Embedder
    titles: TitleLookup
    user_id: str
    role: Role = "user"
    recommender: Recommender | None = None
    llm: ChatModel | None = None
    # likes stated in this conversation that are not yet in history (cold start), as item ids
    stated_likes: list[str] = field(default_factory=list)
    # other items this conversation is about (seen, asked about, named by another assistant), as item ids: weak
    # evidence of taste for `recommend` (bot.agent.decision.DialogueState.discussed)
    discussed: list[str] = field(default_factory=list)
    # the LLM call budget of tools that write text (marketing copy), from the settings
    llm_timeout_s: float = 30.0
    copy_drafts: bool = True  # False: marketing copy comes from the templates, the LLM drafts none (Settings.llm_copy)
    # the check marketing copy must pass, a tools.marketing.grounding.CopyCheck (bot.guard.check_copy: tools cannot
    # import it; typed loosely here as the context sits below marketing): set by the composition root, and the copy
    # tools refuse to run without it
    copy_check: Callable[..., GuardReport] | None = None
    # the turn's reply language: the words of the reasons tools write (English when None; read it as `locale`)
    words: Locale | None = None
    # a replayed earlier turn of a stateless client's conversation (bot/agent/replay.py): its feedback is not recorded
    # again (it was when the client first sent it)
    replaying: bool = False

    @property
    def locale(self) -> Locale:
        """The turn's reply language (the source locale, English, when none was chosen)."""
        return self.words or source_locale()
