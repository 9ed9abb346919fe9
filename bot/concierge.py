"""Concierge: the ChatBackend facade over the loop and the stores (sessions, history, profile)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bot.agent.decision import DialogueState
from bot.agent.dialogue_state import advance_state, state_from_dict, state_to_dict, withdraw_deleted
from bot.agent.events import ReplyMode, TurnDone, TurnEvent
from bot.agent.replay import replay_history
from bot.agent.reply_templates import taste_summary
from bot.agent.turn import TurnRequest
from bot.backend import ConversationTooLong, SessionNotFound, Signal
from bot.composition import Components, Overrides, build_components
from bot.config import Settings
from bot.ops.catalog_version import live_catalog_version
from bot.ops.metrics import TurnMetrics
from prompts.locale import SOURCE_LOCALE, Locale
from store.catalog_profile import CatalogProfile
from store.catalog_update import parse_update
from store.chroma_client import CatalogUnavailable
from store.interactions import ingest_events
from store.items import CatalogItem
from tools.chat_model import ChatModel, LLMDelta, LLMError, Message
from tools.context import Role, ToolContext
from tools.profile import user_profile
from tools.results import ToolInputError

log = logging.getLogger(__name__)


class LazyChatModel:
    """A ChatModel that loads the real one on first use (template-only turns never load it)."""

    def __init__(self, components: Components) -> None:
        self._components = components

    def _model(self) -> ChatModel:
        model = self._components.llm()
        if model is None:
            raise LLMError("the LLM backend is not available")
        return model

    @property
    def name(self) -> str:
        return self._model().name

    @property
    def supports_tools(self) -> bool:
        return self._model().supports_tools

    @property
    def continues_replies(self) -> bool:
        return self._model().continues_replies

    def stream(self, messages: Sequence[Message], **kwargs: Any) -> Iterator[LLMDelta]:
        return self._model().stream(messages, **kwargs)


class Concierge:
    """Implements bot.backend.ChatBackend."""

    def __init__(self, components: Components) -> None:
        self.components = components
        self.metrics: TurnMetrics = components.metrics  # the LLM's timings are counted into it too
        self.settings = components.settings
        self._lazy_llm = LazyChatModel(components)
        self._warm_up_error: str | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    def ready(self) -> bool:
        # once warm, a catalog reload (a live update, a new ingest) makes turns wait for it, not the API say "loading"
        return self.components.warmed or self.components.is_built("catalog", "titles", "history", "router", "loop")

    def warm_up(self) -> None:
        """Load everything; on failure the reason is kept for unavailable_reason() and the error re-raised."""
        try:
            # the language detector's models and jieba's dictionary load on first use: now, before ready, not in a
            # user's turn
            self.components.languages.picker.language_of("warm up")
            getattr(self.components.router, "known_shares", lambda _: {})("热身 warm up")
            self.components.warm_up()
        except Exception as exc:
            self._warm_up_error = f"{type(exc).__name__}: {exc}"
            raise
        self._warm_up_error = None

    def unavailable_reason(self) -> str | None:
        """Why turns cannot be served now (the last warm-up failure, an unreachable Chroma server), or None."""
        if not self.ready():
            return self._warm_up_error
        try:
            self.components.check_catalog()
        except CatalogUnavailable as exc:
            return str(exc)
        return None

    # ---- sessions ----------------------------------------------------------------------------
    def create_session(self, user_id: str) -> str:
        return self.components.sessions.create(user_id)

    def session_messages(self, user_id: str, session_id: str) -> list[dict[str, Any]]:
        messages = self.components.sessions.messages(user_id, session_id)
        if messages is None:
            raise SessionNotFound(session_id)
        return without_deleted_items(messages, self.components.catalog.get)

    def context(
        self,
        user_id: str,
        role: Role,
        *,
        with_llm: bool,
        stated_likes: list[str] | None = None,
        words: Locale | None = None,
        discussed: list[str] | None = None,
    ) -> ToolContext:
        llm = self._lazy_llm if with_llm else None
        ctx = self.components.tool_context(user_id, role, llm=llm, stated_likes=stated_likes, words=words)
        ctx.discussed = list(discussed or [])
        return ctx

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
        """Run one turn. language: the reply language asked for (UnsupportedLanguage when it has no locale);
        None = detected from the text, else the conversation's."""
        self.components.check_catalog()
        if language:
            self.components.languages.picker.check(language)  # before a session is made for a bad request
        sessions = self.components.sessions
        if session_id is None:
            session_id = sessions.create(user_id)
            raw_state: dict[str, Any] | None = {}
        else:
            raw_state = sessions.load_state(user_id, session_id)
            if raw_state is None:
                raise SessionNotFound(session_id)
            if sessions.message_count(user_id, session_id) + 2 > self.settings.max_messages:
                raise ConversationTooLong(f"a conversation holds at most {self.settings.max_messages} messages")
        catalog = self.components.catalog
        state = withdraw_deleted(state_from_dict(raw_state or {}), lambda item_id: catalog.get(item_id) is not None)
        mode: ReplyMode = reply_mode or self.settings.reply_mode
        planner = self.components.planner_for_backend()
        previous = state.language if state.turn_index else None
        earlier = " ".join(str(m.get("content", "")) for m in history or () if m.get("role") == "user")
        if previous is None and earlier.strip():  # a stateless client's conversation: the language it was in
            previous = self.components.languages.picker.pick(earlier).code
        router = self.components.router  # with gloss tables: the words each language knows, the titles
        chosen, words = self.components.languages.choose(
            text,
            requested=language,
            previous=previous,
            known_shares=getattr(router, "known_shares", None),
            without_titles=getattr(router, "without_titles", None),
        )
        state.language = chosen.code
        likes = state.stated_likes
        ctx = self.context(
            user_id, role, with_llm=mode == "llm", stated_likes=likes, words=words, discussed=state.discussed
        )
        request = TurnRequest(
            ctx=ctx,
            text=text,
            session_id=session_id,
            state=state,
            reply_mode=mode,
            planner="native" if planner == "native" else "router",
            max_items=max(1, min(max_items or self.settings.max_items, 50)),
            history=list(history or []),
        )
        if not state.turn_index and earlier.strip():  # a stateless client's whole conversation: its state first
            advance = lambda st, done: advance_state(st, done, self.components.toolbox.registry, self._resolve_id)  # noqa: E731
            run = self.components.loop.run
            request.state = state = replay_history(run, request, history or (), advance, router.named_items)
        for event in self.components.loop.run(request):
            if isinstance(event, TurnDone):
                event.result.trace.insert(0, {"event": "language", **chosen.trace()})
                self._persist(user_id, session_id, text, event, state)
                event.result.count_into(self.metrics)
            yield event

    def metrics_exposition(self) -> bytes:
        """The service's metrics in Prometheus' text format (GET /metrics); the catalog gauges as of now."""
        if self.components.is_built("catalog"):
            given = self.components.overrides.catalog is not None  # an in-memory catalog has no version
            version = None if given else live_catalog_version(self.settings.chroma)
            self.metrics.observe_catalog(self.components.catalog.count(), version)
        return self.metrics.exposition()

    def _persist(self, user_id: str, session_id: str, text: str, done: TurnDone, state: DialogueState) -> None:
        result = done.result
        advance_state(state, result, self.components.toolbox.registry, self._resolve_id)
        self.components.sessions.append_turn(
            user_id,
            session_id,
            [
                ("user", text, {}),
                (
                    "assistant",
                    result.reply,
                    {
                        "items": [i.to_dict() for i in result.items],
                        "tool_calls": [c.to_dict() for c in result.tool_calls],
                        "intent": result.intent,
                        "reply_mode_used": result.reply_mode_used,
                    },
                ),
            ],
            state_to_dict(state),
        )

    def _resolve_id(self, ref: str) -> str | None:
        try:
            return self.components.titles.resolve(ref).item_id
        except ToolInputError:
            return None

    # ---- feedback, profile, privacy ----------------------------------------------------------
    def record_feedback(self, user_id: str, item_id: str, signal: Signal) -> dict[str, Any]:
        self.components.check_catalog()
        item = self.components.catalog.get(item_id)
        if item is None:
            raise KeyError(item_id)
        self.components.history.add_event(user_id, item_id, signal)
        return {"item_id": item_id, "signal": signal, "title": item.label}

    def profile(self, user_id: str, *, language: str | None = None) -> dict[str, Any]:
        self.components.check_catalog()
        if language:
            self.components.languages.picker.check(language)
        words = self.components.languages.words(language or SOURCE_LOCALE)
        result = user_profile(self.context(user_id, "user", with_llm=False, words=words))
        taste = {**result.data, "summary": result.data.get("summary", result.summary)}
        if words.is_source:
            return taste
        summary = taste_summary(self.components.prompts, self.components.catalog.profile, words, taste)
        return {**taste, "summary": summary}

    def ingest_events(self, rows: Sequence[object]) -> dict[str, int]:
        self.components.check_catalog()
        catalog = self.components.catalog
        counts = ingest_events(self.components.history, rows, lambda item_id: catalog.get(item_id) is not None)
        log.info("events: %d received, %d new, %d already known", counts.received, counts.new, counts.known)
        return counts.to_dict()

    def update_catalog(
        self, upsert: Sequence[Mapping[str, Any]] = (), delete: Sequence[Any] = (), *, source: str = "api"
    ) -> dict[str, Any]:
        """Admin: upsert and delete catalog items live, all or nothing (store/catalog_update.py); this process sees
        the change at once, every other within CONCIERGE_CATALOG_CHECK_S."""
        self.components.check_catalog()  # a snapshot older than the live catalog is reloaded, not patched
        update = parse_update(upsert, delete, source=source)
        return self.components.update_catalog(update).to_dict()

    def forget_user(self, user_id: str) -> dict[str, int]:
        deleted = {"history_events": self.components.history.delete_user(user_id)}
        deleted.update(self.components.sessions.delete_user(user_id))
        return deleted

    def demo_users(self) -> list[str]:
        users = self.components.history.users()
        demo = [u for u in users if self.components.history.is_demo_user(u)]
        return sorted(demo, key=lambda u: (len(u), u))

    def catalog_profile(self) -> CatalogProfile:
        return self.components.catalog.profile

    def languages(self) -> dict[str, str]:
        return self.components.languages.names()


def without_deleted_items(
    messages: list[dict[str, Any]], get: Callable[[str], CatalogItem | None]
) -> list[dict[str, Any]]:
    """A transcript without the item cards of items deleted from the catalog since (a live update): a surface that
    renders a session again never shows them. The reply text is kept as it was said."""
    out = []
    for message in messages:
        items = message.get("items")
        if isinstance(items, list) and any(get(str(i.get("item_id"))) is None for i in items):
            message = {**message, "items": [i for i in items if get(str(i.get("item_id"))) is not None]}
        out.append(message)
    return out


def build_backend(settings: Settings | None = None, overrides: Overrides | None = None) -> Concierge:
    """The ChatBackend every surface uses, over parts built from settings (and any overrides)."""
    return Concierge(build_components(settings, overrides))
