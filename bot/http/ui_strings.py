"""The chat UI's and the widget's words, in the catalog profile's terms: "Ask for a book…" for a bookshop.

One mechanism for both surfaces: `ui_strings` renders prompts/ui_strings.yaml with the live catalog's profile (the
generic profile's words, "items", while the catalog is still loading). The Gradio UI uses them when it is built and
refreshes them on every page load; the widget fetches them from `GET /api/v1/ui-strings?language=zh` (public, no
user data). Each locale has its strings file (prompts/locales/<code>/ui_strings.yaml) and names the profile's nouns.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Query

from bot.backend import ChatBackend
from bot.http.errors import ApiError
from prompts import Prompts
from prompts.locale import Locale, LocaleError, shipped_locales, source_locale
from store.catalog_profile import CatalogProfile
from tools.localized import localized_profile

STRINGS_FILE = "ui_strings.yaml"
MAX_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class UiStrings:
    """What the UI and the widget say besides the conversation itself; also GET /api/v1/ui-strings' response."""

    heading: str
    placeholder: str
    user_picker: str
    chart_title: str
    cards_empty: str
    open_chat: str  # the widget bubble's accessible label
    examples: tuple[str, ...]  # example requests to try: the profile's, then the taste question
    locale: str = "en"
    # the components' labels and the feedback buttons (like / dislike / seen) and their marks on a card
    message_label: str = ""
    chat_label: str = ""
    examples_label: str = ""
    profile_label: str = ""
    summary_label: str = ""
    reply_mode_label: str = ""
    language_label: str = ""
    language_auto: str = ""
    open_button: str = ""
    send: str = ""
    close: str = ""
    like: str = ""
    dislike: str = ""
    seen: str = ""
    liked: str = ""
    disliked: str = ""
    marked_seen: str = ""
    chart_empty: str = ""
    chart_axis: str = ""
    working: str = ""  # shown while the turn's tools run
    # what the UI and the widget say when a turn cannot run
    catalog_unavailable: str = ""
    conversation_expired: str = ""
    conversation_full: str = ""
    chat_failed: str = ""
    # the widget's "forget me" link, its confirmation and the outcome
    forget_me: str = ""
    forget_confirm: str = ""
    forgotten: str = ""
    forget_failed: str = ""

    def signal_label(self, signal: str) -> str:
        """A feedback button's words ("like" -> "喜欢")."""
        return {"like": self.like, "dislike": self.dislike, "seen": self.seen}[signal]

    def mark_label(self, signal: str | None) -> str | None:
        """A card's mark after that feedback ("like" -> "liked"); None for no (or an unknown) signal."""
        return {"like": self.liked, "dislike": self.disliked, "seen": self.marked_seen}.get(signal or "")


TEXT_FIELDS = tuple(f for f in UiStrings.__dataclass_fields__ if f not in {"examples", "locale"})


def ui_strings(prompts: Prompts, profile: CatalogProfile | None, locale: Locale | None = None) -> UiStrings:
    """The UI's words for a catalog profile (None: the catalog is not loaded yet, the generic words) in a locale
    (the source one by default). Every field is a key of each locale's ui_strings.yaml (tests/test_locales.py)."""
    locale = locale or source_locale()
    words = localized_profile(profile if profile is not None else CatalogProfile(), locale)
    text = prompts.localized(locale).strings(STRINGS_FILE, profile=words)
    examples = (*words.examples[: MAX_EXAMPLES - 1], text["taste_question"])
    return UiStrings(examples=examples, locale=locale.code, **{name: text[name] for name in TEXT_FIELDS})


class UiWords:
    """The UI's words for a backend's live catalog, rendered again only when its profile changes (a new ingest).
    Never waits for a catalog that is still loading: the generic words stand until it is ready."""

    def __init__(self, backend: ChatBackend, prompts: Prompts | None = None) -> None:
        self.backend = backend
        self.prompts = prompts or Prompts()
        self._profile: CatalogProfile | None = None
        self._strings: dict[str, UiStrings] = {}

    def current(self, language: str | None = None) -> UiStrings:
        """The words in a language (LocaleError for one that is not shipped); the source language's by default."""
        locale = shipped_locales().get(language) if language else source_locale()
        profile = self.backend.catalog_profile() if self.backend.ready() else None
        if profile is not None and profile != self._profile:
            self._strings, self._profile = {}, profile
        if locale.code not in self._strings:
            self._strings[locale.code] = ui_strings(self.prompts, self._profile, locale)
        return self._strings[locale.code]


def ui_strings_router(backend: ChatBackend) -> APIRouter:
    """GET /api/v1/ui-strings: the widget's words for the live catalog."""
    router = APIRouter(prefix="/api/v1", tags=["ui"])
    words = UiWords(backend)

    @router.get("/ui-strings", response_model=UiStrings, summary="The chat widget's words for this catalog")
    def get_ui_strings(
        language: str | None = Query(None, max_length=16, description="A shipped locale (en, zh, es, fr, de)."),
    ) -> UiStrings:
        """The words the widget shows (message placeholder, labels, example requests), in the catalog's own terms
        ("Ask for a book…") and the language asked for; the generic words while the catalog is loading. Public: no
        user data."""
        try:
            return words.current(language)
        except LocaleError as exc:
            raise ApiError(422, "unsupported_language", str(exc)) from exc

    return router
