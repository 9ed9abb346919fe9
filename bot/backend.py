"""The facade every surface (HTTP API, Gradio UI, widget, CLI, dialogue runner) talks to.

bot/composition.py builds the real one (`Concierge`); tests may pass any object with these methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, Protocol

from bot.agent.events import ReplyMode, TurnEvent
from store.catalog_profile import CatalogProfile
from tools.chat_model import Message
from tools.context import Role

Signal = Literal["like", "dislike", "seen"]


class SessionNotFound(LookupError):
    """No such session (or it belongs to another user: callers must not be able to tell the difference)."""


class ConversationTooLong(ValueError):
    """The session already holds settings.max_messages messages."""


class ChatBackend(Protocol):
    def ready(self) -> bool:
        """True once catalog, stores and models are loaded (GET /healthz answers 200)."""
        ...

    def unavailable_reason(self) -> str | None:
        """Why turns cannot be served right now (e.g. the catalog store is unreachable), or None."""
        ...

    def create_session(self, user_id: str) -> str:
        """A new session owned by user_id; returns its id."""
        ...

    def session_messages(self, user_id: str, session_id: str) -> list[dict[str, Any]]:
        """The transcript of a session of this user (role, content, items, ...). Raises SessionNotFound."""
        ...

    def run_turn(
        self,
        *,
        user_id: str,
        text: str,
        session_id: str | None = None,
        role: Role = "user",
        reply_mode: ReplyMode | None = None,
        max_items: int | None = None,
        history: Sequence[Message] | None = None,
        language: str | None = None,
    ) -> Iterator[TurnEvent]:
        """Run one turn; yields events and ends with TurnDone.

        session_id None = a fresh session is created (its id is in TurnDone.result.session_id).
        history: earlier messages supplied by the caller (OpenAI-compatible endpoint) instead of a stored session.
        language: the reply language asked for (UnsupportedLanguage when it has none); None = detected.
        Raises SessionNotFound for a session of another user.
        """
        ...

    def record_feedback(self, user_id: str, item_id: str, signal: Signal) -> dict[str, Any]:
        """Store feedback; returns {"item_id", "signal", "title"}. Raises KeyError for an unknown item."""
        ...

    def profile(self, user_id: str, *, language: str | None = None) -> dict[str, Any]:
        """The user's profile (structured: top_genres [{genre, weight}], decades, favourites, summary, counts); the
        summary in `language` (UnsupportedLanguage for one that is not served; None: the source language)."""
        ...

    def ingest_events(self, rows: Sequence[object]) -> dict[str, int]:
        """Store interaction events from the shop's systems (admin): every row is validated first (a bad one
        raises store.interactions.EventRowError with its index, and nothing is written), ids are idempotent.
        Returns {"received", "new", "known"}; the events count in the history and the profile at once."""
        ...

    def update_catalog(
        self, upsert: Sequence[Mapping[str, Any]] = (), delete: Sequence[Any] = (), *, source: str = "api"
    ) -> dict[str, Any]:
        """Upsert items (rows of the catalog file schema) and delete ids in the live catalog (admin), all or nothing:
        a bad row raises store.catalog_update.CatalogUpdateError naming it (`upsert[3]: ...`) and nothing is
        written; deleting an unknown id is a no-op listed in "missing". Returns store.catalog_update.UpdateSummary
        as a dict; store.writer_lock.WriterBusy when another process writes the catalog."""
        ...

    def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete everything of this user in every store; returns rows deleted per store."""
        ...

    def metrics_exposition(self) -> bytes:
        """The service's metrics (turns, latency, fallbacks and guard problems) in Prometheus' text format."""
        ...

    def demo_users(self) -> list[str]:
        """Ids of the demo (MovieLens) users, for the UI's picker in demo mode."""
        ...

    def catalog_profile(self) -> CatalogProfile:
        """The live catalog's profile (its item noun, category label, example requests): the UI's and the widget's
        words come from it. Loads the catalog when it is not loaded yet (callers check ready() first)."""
        ...

    def languages(self) -> dict[str, str]:
        """The reply languages, code -> the language's own name ("zh" -> "中文"), the default first: the UI's picker."""
        ...
