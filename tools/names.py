"""The names the agent and the tools share: tool names and the intents of a turn, as enums (never bare strings)."""

from __future__ import annotations

from enum import StrEnum


class ToolName(StrEnum):
    """The public name of a tool: what the model calls, what traces and the API show."""

    SEARCH_CATALOG = "search_catalog"
    ITEM_DETAILS = "item_details"
    RECOMMEND = "recommend"
    RECOMMEND_TITLES = "recommend_titles"  # the native planner's: titles the model proposes, grounded
    SIMILAR_ITEMS = "similar_items"
    USER_PROFILE = "user_profile"
    RECORD_FEEDBACK = "record_feedback"
    EXTRACT_KEYWORDS = "extract_keywords"
    WRITE_COPY = "write_copy"
    AUDIENCE_FOR = "audience_for"
    AUDIENCE_SUMMARY = "audience_summary"


class Intent(StrEnum):
    """What a user message asks for. Each intent has one reply template (prompts/templates/<intent>.j2)."""

    RECOMMEND = "recommend"
    SEARCH = "search"
    SIMILAR = "similar"
    ITEM_QUESTION = "item_question"
    PROFILE = "profile"
    FEEDBACK = "feedback"
    MARKETING_COPY = "marketing_copy"
    KEYWORDS = "keywords"
    AUDIENCE = "audience"
    HELP = "help"
    SMALLTALK = "smalltalk"
    OUT_OF_SCOPE = "out_of_scope"
