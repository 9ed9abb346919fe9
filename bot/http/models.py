"""Request bodies of the HTTP API (validated by pydantic; documented in the OpenAPI page)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Annotated[
    str | None,
    Field(
        min_length=2,
        max_length=16,
        description="Reply language (zh, es, fr, en ...); unset = detected from the message, else the conversation's.",
    ),
]


class MessageIn(BaseModel):
    """A user message to a session."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., description="The user's message.")
    reply_mode: Literal["llm", "template"] | None = Field(None, description="llm (default) or template (no LLM).")
    max_items: int | None = Field(None, ge=1, le=50, description="How many items to show (default 5).")
    language: Language = None


class FeedbackIn(BaseModel):
    """Feedback on an item the user was shown (or any catalog item)."""

    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(..., min_length=1, max_length=200)
    signal: Literal["like", "dislike", "seen"]


class ChatMessage(BaseModel):
    """One OpenAI chat message; content is a string or a list of parts ({"type": "text", "text": ...})."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, object]] | None = None

    def text(self) -> str:
        """The message's text (text parts joined by spaces)."""
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content if isinstance(part, dict))
        return self.content or ""


class ChatCompletionIn(BaseModel):
    """OpenAI-compatible request; unknown OpenAI fields (temperature, ...) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = "concierge"
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    reply_mode: Literal["llm", "template"] | None = None
    max_items: int = Field(5, ge=1, le=50)
    language: Language = None
