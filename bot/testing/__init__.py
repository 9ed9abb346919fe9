"""Test doubles shipped with the library, for its own tests and for applications that embed it.

- ScriptedModel: a ChatModel that replays queued replies (text, tool calls, exceptions) and records every call.
- FakeBackend: an in-memory ChatBackend with canned or pretend-search turns that records every call.
"""

from bot.testing.fake_backend import CATALOG, SMALLTALK, Canned, FakeBackend, TurnCall, title_resolver
from bot.testing.scripted_model import ScriptedCall, ScriptedModel, ScriptedResponse, ScriptExhausted

__all__ = [
    "CATALOG",
    "SMALLTALK",
    "Canned",
    "FakeBackend",
    "ScriptExhausted",
    "ScriptedCall",
    "ScriptedModel",
    "ScriptedResponse",
    "TurnCall",
    "title_resolver",
]
