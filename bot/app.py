"""The composition root: builds stores, models, tools and the loop from one Settings.

Tests swap pieces through `Overrides` (a scripted LLM, a fake embedder, a small catalog).
Heavy things (embedder, catalog index, LLM, recommender weights) load once per process, lazily.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bot.config import Settings
from bot.llm_base import ChatModel, LLMError
from bot.prompts import Prompts
from bot.toolbox import Toolbox, ToolFunction, default_tool_functions
from store.embedder import Embedder
from store.sessions import SessionStore

if TYPE_CHECKING:
    from bot.chat import Concierge
    from bot.loop import AgentLoop
    from bot.router import Router
    from store.catalog import CatalogStore
    from store.catalog_watch import CatalogWatch
    from store.history import HistoryStore
    from tools.recommend import Recommender
    from tools.titles import TitleIndex

log = logging.getLogger(__name__)
T = TypeVar("T")
# Parts built from the catalog snapshot: rebuilt when a new catalog goes live.
CATALOG_DERIVED = ("catalog", "titles", "recommender", "router", "loop")


@dataclass(slots=True)
class Overrides:
    """Pieces a test (or an embedding application) supplies instead of the defaults."""

    embedder: Embedder | None = None
    catalog: CatalogStore | None = None
    history: HistoryStore | None = None
    recommender: Recommender | None = None
    titles: TitleIndex | None = None
    router: Router | None = None
    llm: ChatModel | None = None
    tools: dict[str, ToolFunction] | None = None
    canary: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Components:
    """Lazily built, process-wide shared parts. Thread-safe: each part is built once."""

    def __init__(self, settings: Settings, overrides: Overrides | None = None) -> None:
        self.settings = settings
        self.overrides = overrides or Overrides()
        self._lock = threading.RLock()
        self._llm_failed: str | None = None
        self._built: dict[str, Any] = {}
        self._catalog_source: str | None = None  # the live collection the snapshot was loaded from (server mode)
        self.catalog_watch: CatalogWatch | None = None
        if settings.chroma_url and self.overrides.catalog is None:
            from store.catalog_watch import CatalogWatch

            self.catalog_watch = CatalogWatch(settings, settings.catalog_check_s)

    def _once(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    def check_catalog(self) -> None:
        """Server mode: raise CatalogUnavailable while the Chroma server is unreachable; when another process has
        ingested a new catalog since the snapshot was loaded, drop the snapshot and what was built from it."""
        if self.catalog_watch is None:
            return
        live = self.catalog_watch.live_collection()
        with self._lock:
            if "catalog" in self._built and live != self._catalog_source:
                log.info("catalog: live collection is now %s (was %s): reloading", live, self._catalog_source)
                for name in CATALOG_DERIVED:
                    self._built.pop(name, None)

    def is_built(self, *names: str) -> bool:
        """True when every named part has been built (used by readiness checks)."""
        return all(name in self._built for name in names)

    @property
    def embedder(self) -> Embedder:
        def build() -> Embedder:
            if self.overrides.embedder is not None:
                return self.overrides.embedder
            from store.embedder import MiniLMEmbedder

            return MiniLMEmbedder(self.settings.embed_dtype)

        return self._once("embedder", build)

    @property
    def catalog(self) -> CatalogStore:
        def build() -> CatalogStore:
            if self.overrides.catalog is not None:
                return self.overrides.catalog
            from store.catalog import CatalogStore

            if self.catalog_watch is not None:
                self._catalog_source = self.catalog_watch.live_collection()
            return CatalogStore.open(self.settings, self.embedder)

        return self._once("catalog", build)

    @property
    def titles(self) -> TitleIndex:
        def build() -> TitleIndex:
            if self.overrides.titles is not None:
                return self.overrides.titles
            from tools.titles import TitleIndex

            return TitleIndex(self.catalog.items())

        return self._once("titles", build)

    @property
    def history(self) -> HistoryStore:
        def build() -> HistoryStore:
            if self.overrides.history is not None:
                return self.overrides.history
            from store.history import HistoryStore

            return HistoryStore(self.settings.history_path)

        return self._once("history", build)

    @property
    def sessions(self) -> SessionStore:
        return self._once("sessions", lambda: SessionStore(self.settings.home / "sessions.sqlite3"))

    @property
    def recommender(self) -> Recommender | None:
        def build() -> Recommender | None:
            if self.overrides.recommender is not None:
                return self.overrides.recommender
            from tools.ease import ModelNotTrained
            from tools.recommend import Recommender

            try:
                return Recommender.load(self.settings, self.catalog)
            except ModelNotTrained as exc:
                log.error("%s", exc)
                return None

        return self._once("recommender", build)

    def llm(self) -> ChatModel | None:
        """The chat model, loaded on first use; None (and a logged reason) when it cannot be loaded."""
        if self.overrides.llm is not None:
            return self.overrides.llm

        def build() -> ChatModel | None:
            from bot.llm_factory import build_chat_model

            try:
                return build_chat_model(self.settings)
            except (LLMError, OSError, ValueError) as exc:
                self._llm_failed = f"{type(exc).__name__}: {exc}"
                log.error("LLM backend could not be loaded: %s", self._llm_failed)
                return None

        return self._once("llm", build)

    @property
    def prompts(self) -> Prompts:
        return self._once("prompts", Prompts)

    @property
    def toolbox(self) -> Toolbox:
        return self._once("toolbox", lambda: Toolbox(self.overrides.tools or default_tool_functions()))

    @property
    def router(self) -> Router:
        def build() -> Router:
            if self.overrides.router is not None:
                return self.overrides.router
            from bot.router import Router

            return Router(self.embedder, self.titles)

        return self._once("router", build)

    def planner_for_backend(self) -> str:
        """The planner to use: the setting, or by the backend's capability when it is auto."""
        if self.settings.planner != "auto":
            return self.settings.planner
        if self.overrides.llm is not None:
            return "native" if self.overrides.llm.supports_tools else "router"
        uses_server = self.settings.llm_backend == "openai" or (
            self.settings.llm_backend == "auto" and self.settings.llm_base_url
        )
        return "native" if uses_server else "router"

    @property
    def loop(self) -> AgentLoop:
        def build() -> AgentLoop:
            from bot.loop import AgentLoop
            from bot.native_planner import NativePlanner
            from bot.reply import ReplyWriter

            replies = ReplyWriter(
                self.prompts,
                self.llm,
                llm_timeout_s=self.settings.llm_timeout_s,
                llm_max_tokens=self.settings.llm_max_tokens,
                canary=self.overrides.canary,
            )
            native = NativePlanner(
                self.toolbox,
                self.prompts,
                self.llm,
                timeout_s=self.settings.llm_timeout_s,
                max_tokens=max(self.settings.llm_max_tokens, 256),
                canary=self.overrides.canary,
            )
            return AgentLoop(self.toolbox, self.router, replies, native, self.settings.max_steps)

        return self._once("loop", build)

    def warm_up(self) -> None:
        """Load everything a turn needs (used before reporting ready)."""
        _ = (self.catalog, self.titles, self.history, self.recommender, self.router, self.loop, self.sessions)


def build_components(settings: Settings | None = None, overrides: Overrides | None = None) -> Components:
    return Components(settings or Settings(), overrides)


def build_backend(settings: Settings | None = None, overrides: Overrides | None = None) -> Concierge:
    """The ChatBackend every surface uses."""
    from bot.chat import Concierge

    return Concierge(build_components(settings, overrides))
