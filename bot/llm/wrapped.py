"""A ChatModel around another one: its name, abilities and other attributes are the inner model's (load(),
last_stats, gate …); a subclass changes how it streams (bot/llm/memo.py replays, bot/llm/timed.py measures)."""

from __future__ import annotations

from typing import Any

from tools.chat_model import ChatModel


class WrappedChatModel:
    """Delegates everything but `stream` to `inner`."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def supports_tools(self) -> bool:
        return self.inner.supports_tools

    @property
    def continues_replies(self) -> bool:
        return self.inner.continues_replies

    def __getattr__(self, attribute: str) -> Any:  # load(), last_stats, gate... of the inner model
        return getattr(self.inner, attribute)
