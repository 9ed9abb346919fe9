"""The composition root: builds stores, models, tools and the loop from one Settings.

Tests swap pieces through `Overrides` (a scripted LLM, a fake embedder, a small catalog).
Heavy things (embedder, catalog index, LLM, recommender weights) load once per process, on first use.
`bot.concierge.build_backend` wraps the parts in the facade every surface talks to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.agent.language import LanguageSupport
from bot.agent.loop import AgentLoop, RouterLike
from bot.agent.native_planner import NativePlanner
from bot.agent.replies import ReplyWriter
from bot.agent.router.multilingual import MultilingualRouter
from bot.agent.router.routing import Router
from bot.agent.toolbox import Toolbox
from bot.config import Settings
from bot.guard import check_copy
from bot.llm.factory import build_chat_model, copy_drafts_for, llm_languages_for, planner_for
from bot.ops.metrics import TurnMetrics
from prompts import Prompts
from prompts.locale import Locale, shipped_locales
from store.catalog import CatalogStore
from store.catalog_update import CatalogUpdate, UpdateSummary, apply_update
from store.catalog_watch import CatalogWatch
from store.database import History, Sessions, open_history, open_sessions
from store.embedder import Embedder, MiniLMEmbedder
from store.event_weights import EventWeights
from store.folder_claim import FolderClaim, unserved
from tools.chat_model import ChatModel, LLMError
from tools.context import Role, ToolContext
from tools.recommender.engine import Recommender
from tools.recommender.training import newer_weights, train_recommender
from tools.registry import ToolRegistry, default_tools
from tools.titles import TitleIndex

log = logging.getLogger(__name__)
T = TypeVar("T")
CATALOG_DERIVED = ("catalog", "titles", "recommender", "router", "loop")  # rebuilt when a new catalog goes live


@dataclass(slots=True)
class Overrides:
    """Pieces a test (or an embedding application) supplies instead of the defaults."""

    embedder: Embedder | None = None
    catalog: CatalogStore | None = None
    history: History | None = None
    recommender: Recommender | None = None
    titles: TitleIndex | None = None
    router: RouterLike | None = None
    llm: ChatModel | None = None
    tools: ToolRegistry | None = None
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
        self.metrics = TurnMetrics()  # the service's registry (GET /metrics), shared with the Concierge
        # the catalog version (live collection, revision id) the snapshot was loaded from (server mode)
        self._catalog_source: tuple[str | None, str | None] | None = None
        self.catalog_watch: CatalogWatch | None = None
        self.folder_claim: FolderClaim | None = None  # the served local catalog folder (claim_catalog_folder)
        self.warmed = False  # everything a turn needs was built once (a reload later does not make it "loading")
        if settings.chroma_url and self.overrides.catalog is None:
            self.catalog_watch = CatalogWatch(settings.chroma, settings.catalog_check_s)

    def _once(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    def check_catalog(self) -> None:
        """Server mode: CatalogUnavailable while Chroma is unreachable; when another process ingested or updated the
        catalog since the snapshot was loaded, drop the snapshot and what was built from it (rebuilt on next use)."""
        if self.catalog_watch is None:
            return
        live = self.catalog_watch.live_version()
        with self._lock:
            if "catalog" in self._built and live != self._catalog_source:
                log.info("catalog: live version is now %s (was %s): reloading", live, self._catalog_source)
                for name in CATALOG_DERIVED:
                    self._built.pop(name, None)

    def claim_catalog_folder(self) -> None:
        """Claim the served local catalog folder so only this process writes it (no-op in server mode; when another
        service holds it, this one refuses catalog updates: store/folder_claim.py)."""
        if self.settings.chroma_url or self.folder_claim is not None:
            return  # a server, or claimed already
        self.folder_claim = FolderClaim(self.settings.chroma)
        if not self.folder_claim.try_claim():
            log.warning("another process serves the catalog at %s: updates are refused here", self.settings.chroma_path)

    def update_catalog(self, update: CatalogUpdate) -> UpdateSummary:
        """Write a validated live update (all or nothing) and patch this process's snapshot with it at once, without
        reading the collection back; other processes see the new revision within CONCIERGE_CATALOG_CHECK_S."""
        with unserved(self.settings.chroma, self.folder_claim):
            applied = apply_update(self.settings.chroma, self.embedder, update)
        with self._lock:
            current = self._built.get("catalog")
            for name in CATALOG_DERIVED:
                self._built.pop(name, None)
            # patch only the version the update was applied to (with a server, another process may have changed it)
            same = self.catalog_watch is None or self._catalog_source == applied.before
            if current is not None and self.overrides.catalog is None and same:
                self._built["catalog"] = current.with_changes(applied.upserts, applied.vectors, applied.deleted)
                self._catalog_source = applied.version
            if self.catalog_watch is not None:
                self.catalog_watch.expire()
        if self.warmed:
            self.warm_up()  # the parts built from the catalog, now rather than in the next turn
        return applied.summary

    def is_built(self, *names: str) -> bool:
        return all(name in self._built for name in names)  # every named part is built (readiness checks)

    @property
    def embedder(self) -> Embedder:
        def build() -> Embedder:
            if self.overrides.embedder is not None:
                return self.overrides.embedder
            return MiniLMEmbedder(self.settings.embed_dtype, self.settings.embed_model)

        return self._once("embedder", build)

    @property
    def catalog(self) -> CatalogStore:
        def build() -> CatalogStore:
            if self.overrides.catalog is not None:
                return self.overrides.catalog
            if self.catalog_watch is not None:
                self._catalog_source = self.catalog_watch.live_version()
            return CatalogStore.open(self.settings.chroma, self.embedder)

        return self._once("catalog", build)

    @property
    def titles(self) -> TitleIndex:
        def build() -> TitleIndex:
            if self.overrides.titles is not None:
                return self.overrides.titles
            return TitleIndex(self.catalog.items())

        return self._once("titles", build)

    @property
    def history(self) -> History:
        def build() -> History:
            if self.overrides.history is not None:
                return self.overrides.history
            return open_history(self.settings.database, EventWeights.load(self.settings.event_weights))

        return self._once("history", build)

    @property
    def sessions(self) -> Sessions:  # SQLite under home, or PostgreSQL with CONCIERGE_DATABASE_URL
        return self._once("sessions", lambda: open_sessions(self.settings.database))

    @property
    def recommender(self) -> Recommender | None:
        def build() -> Recommender | None:
            if self.overrides.recommender is not None:
                return self.overrides.recommender
            # no weights trained on this catalog (a shop's catalog without interaction history): content + popularity
            return Recommender.for_catalog(self.settings.models_dir, self.settings.rules_file, self.catalog)

        return self._once("recommender", build)

    def llm(self) -> ChatModel | None:
        """The chat model (generations timed into self.metrics), loaded on first use; None (a reason logged) if not."""

        def build() -> ChatModel | None:
            try:
                return build_chat_model(self.settings, self.metrics.observe_llm, given=self.overrides.llm)
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
        return self._once("toolbox", lambda: Toolbox(self.overrides.tools or default_tools()))

    @property
    def languages(self) -> LanguageSupport:
        return self._once("languages", lambda: LanguageSupport(self.settings.language_codes, shipped_locales()))

    def llm_languages(self) -> tuple[str, ...]:
        """The languages the LLM writes (Settings.llm_languages; auto = English for the embedded model)."""
        return llm_languages_for(self.settings, self.overrides.llm, self.languages.codes)

    @property
    def router(self) -> RouterLike:
        def build() -> RouterLike:
            if self.overrides.router is not None:
                return self.overrides.router
            english = Router(self.embedder, self.titles, tools=self.toolbox.registry, store=self.catalog)
            return MultilingualRouter.for_languages(english, self.languages.codes, self.catalog.items())

        return self._once("router", build)

    def planner_for_backend(self) -> str:  # the setting, or by the backend's capability when it is auto
        return planner_for(self.settings, self.overrides.llm)

    @property
    def loop(self) -> AgentLoop:
        def build() -> AgentLoop:
            replies = ReplyWriter(
                self.prompts,
                self.toolbox.registry,
                self.llm,
                llm_timeout_s=self.settings.llm_timeout_s,
                llm_max_tokens=self.settings.llm_max_tokens,
                canary=self.overrides.canary,
                describe_items=self.settings.llm_item_summaries,
                llm_languages=self.llm_languages(),
                language_of=self.languages.picker.language_of,
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

    def tool_context(
        self,
        user_id: str,
        role: Role = "user",
        *,
        llm: ChatModel | None = None,
        stated_likes: list[str] | None = None,
        with_recommender: bool = True,
        words: Locale | None = None,
    ) -> ToolContext:
        """A tool call's dependencies: stores, recommender (not for commands that never recommend), LLM, words."""
        return ToolContext(
            catalog=self.catalog,
            history=self.history,
            embedder=self.embedder,
            titles=self.titles,
            user_id=user_id,
            role=role,
            recommender=self.recommender if with_recommender else None,
            llm=llm,
            stated_likes=list(stated_likes or []),
            llm_timeout_s=self.settings.llm_timeout_s,
            copy_check=check_copy,
            copy_drafts=self.copy_drafts(),
            words=words,
        )

    def copy_drafts(self) -> bool:
        """Whether the LLM drafts marketing copy (Settings.llm_copy; auto = only a served, capable model)."""
        return copy_drafts_for(self.settings, self.overrides.llm)

    def retrain_recommender(self, *, force: bool = False) -> dict[str, Any]:
        """Retrain EASE^R when the history changed; newer weights (here or from a process sharing them) are served."""
        summary = train_recommender(self.settings.models_dir, self.catalog, self.history, force=force)
        served = self.recommender
        if newer_weights(self.settings.models_dir, served.ease if served is not None else None):
            fresh = Recommender.for_catalog(self.settings.models_dir, self.settings.rules_file, self.catalog)
            with self._lock:
                self._built["recommender"] = fresh
        return summary

    def warm_up(self) -> None:
        """Load everything a turn needs (used before reporting ready)."""
        _ = (self.catalog, self.titles, self.history, self.recommender, self.router, self.loop, self.sessions)
        self.warmed = True


def build_components(settings: Settings | None = None, overrides: Overrides | None = None) -> Components:
    return Components(settings or Settings(), overrides)
