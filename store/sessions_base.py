"""The session store's interface, the same on both engines (store/sessions.py on SQLite, store/postgres/sessions.py
on PostgreSQL): who owns a session, its transcript, and the dialogue state.

Every read and write names the owning user; a session of another user is indistinguishable from a missing one.
Transcripts older than the retention period are purged (bot/ops/retention.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

Turn = list[tuple[str, str, dict[str, Any]]]  # (role, content, extra fields) of each message of one turn


class Sessions(ABC):
    """Sessions and transcripts. Thread-safe."""

    @abstractmethod
    def create(self, user_id: str) -> str:
        """A new empty session of the user; its id."""

    @abstractmethod
    def owns(self, user_id: str, session_id: str) -> bool: ...

    @abstractmethod
    def load_state(self, user_id: str, session_id: str) -> dict[str, Any] | None:
        """The dialogue state of the session, or None when it is not this user's session."""

    @abstractmethod
    def append_turn(self, user_id: str, session_id: str, messages: Turn, state: dict[str, Any]) -> None:
        """Store one turn (user and assistant messages) and the new state in one transaction; LookupError when
        the session is not this user's."""

    @abstractmethod
    def messages(self, user_id: str, session_id: str) -> list[dict[str, Any]] | None:
        """The transcript, oldest first, or None when it is not this user's session."""

    @abstractmethod
    def message_count(self, user_id: str, session_id: str) -> int: ...

    @abstractmethod
    def delete_user(self, user_id: str) -> dict[str, int]:
        """Forget a user: every session and message of theirs ({"sessions": n, "messages": m})."""

    @abstractmethod
    def purge_older_than(self, days: float, now: float | None = None) -> dict[str, int]:
        """Delete transcripts (and their sessions) not updated for `days` days."""

    @abstractmethod
    def count_rows(self, user_id: str) -> int: ...

    @abstractmethod
    def close(self) -> None: ...
