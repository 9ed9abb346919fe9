"""The schema of dialogue test files (pydantic models, extra fields forbidden). Loading: bot/dialogues/format.py."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CountRange(_Strict):
    """How many items a turn must show (inclusive bounds)."""

    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)


class ToolExpect(_Strict):
    """A tool call that must happen: name plus a subset of its arguments."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class ItemsExpect(_Strict):
    """Items that must / must not be shown, matched by id or fuzzy title."""

    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    first: str | None = None
    count: CountRange | None = None

    @field_validator("count", mode="before")
    @classmethod
    def _exact_count(cls, value: object) -> object:
        return {"min": value, "max": value} if isinstance(value, int) else value


class ItemFilter(_Strict):
    """A condition every shown item must meet."""

    genres_any: list[str] = Field(default_factory=list)
    genres_all: list[str] = Field(default_factory=list)
    genres_none: list[str] = Field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    with_image: bool = False  # true: every item's card has a picture (image_url)
    with_link: bool = False  # true: every item's card has a link (url)


class ReplyExpect(_Strict):
    """Conditions on the reply text (contains: case-insensitive substrings; matches: Python regex, re.search)."""

    contains: list[str] = Field(default_factory=list)
    contains_any: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    matches: str | None = None
    not_matches: str | None = None
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=0)

    @field_validator("contains", "contains_any", "not_contains", mode="before")
    @classmethod
    def _one_string(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("matches", "not_matches")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from exc
        return value


class LatencyExpect(_Strict):
    max: float = Field(gt=0)


class Expect(_Strict):
    """Everything a turn may check. Absent keys are not checked."""

    tools: list[ToolExpect] = Field(default_factory=list)
    tools_not: list[str] = Field(default_factory=list)
    intent: list[str] = Field(default_factory=list)
    items: ItemsExpect | None = None
    all_items_match: ItemFilter | None = None
    reply: ReplyExpect | None = None
    grounded: bool | None = None
    no_repeats: bool | None = None
    latency_ms: LatencyExpect | None = None
    rejected: bool | Literal["allowed"] | None = None
    language: str | None = None  # the turn is answered in this language (the file's `language:` by default)

    @field_validator("tools", mode="before")
    @classmethod
    def _bare_names(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("intent", "tools_not", mode="before")
    @classmethod
    def _one_name(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Turn(_Strict):
    """One user message and what must hold after the bot answered it."""

    user: str
    repeat: int = Field(1, ge=1, le=100_000)
    reply_mode: Literal["llm", "template"] | None = None
    expect: Expect = Field(default_factory=Expect)

    @property
    def text(self) -> str:
        return self.user * self.repeat


class UserSpec(_Strict):
    """Who talks: a MovieLens demo user, a fresh user with stated likes, or a fresh user (`new`)."""

    demo_id: int | None = Field(None, ge=1)
    likes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> UserSpec:
        if self.demo_id is not None and self.likes:
            raise ValueError("give either demo_id or likes, not both")
        return self


class DialogueSettings(_Strict):
    """Per-dialogue overrides of the run's settings."""

    reply_mode: Literal["llm", "template"] | None = None
    planner: Literal["auto", "router", "native"] | None = None
    max_items: int | None = Field(None, ge=1, le=50)


class Dialogue(_Strict):
    """A named conversation: who talks, with which settings, and the turns."""

    name: str = Field(min_length=1)
    user: UserSpec = Field(default_factory=lambda: UserSpec.model_validate({}))
    settings: DialogueSettings = Field(default_factory=lambda: DialogueSettings.model_validate({}))
    tags: list[str] = Field(default_factory=list)
    turns: list[Turn] = Field(min_length=1)
    source: str = ""

    @field_validator("user", mode="before")
    @classmethod
    def _new_user(cls, value: object) -> object:
        if value == "new" or value is None:
            return {}
        if isinstance(value, str):
            raise ValueError("must be 'new', {demo_id: N} or {likes: [titles]}")
        return value

    @property
    def test_id(self) -> str:
        return f"{self.source}::{self.name}" if self.source else self.name
