"""The chat UI's and the widget's words, in the catalog profile's terms: "Ask for a book…" for a bookshop.

One mechanism for both surfaces: `ui_strings` renders prompts/ui_strings.yaml with the live catalog's profile (the
generic profile's words, "items", while the catalog is still loading). The Gradio UI uses them when it is built and
refreshes them on every page load; the widget fetches them from `GET /api/v1/ui-strings` (public, no user data).
Issue 16 adds locales: a `locale` per request and one strings file per locale.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from bot.backend import ChatBackend
from prompts import Prompts
from store.catalog_profile import CatalogProfile

STRINGS_FILE = "ui_strings.yaml"
LOCALE = "en"  # the only locale until issue 16
MAX_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class UiStrings:
    """What the UI and the widget say besides the conversation itself; also GET /api/v1/ui-strings' response."""

    heading: str
    placeholder: str
    user_picker: str
    chart_title: str
    cards_empty: str
    open_chat: str
    examples: tuple[str, ...]  # example requests to try: the profile's, then the taste question
    locale: str = LOCALE


def ui_strings(prompts: Prompts, profile: CatalogProfile | None) -> UiStrings:
    """The UI's words for a catalog profile (None: the catalog is not loaded yet, the generic words)."""
    words = profile if profile is not None else CatalogProfile()
    text = prompts.strings(STRINGS_FILE, profile=words)
    examples = (*words.examples[: MAX_EXAMPLES - 1], text["taste_question"])
    return UiStrings(
        heading=text["heading"],
        placeholder=text["placeholder"],
        user_picker=text["user_picker"],
        chart_title=text["chart_title"],
        cards_empty=text["cards_empty"],
        open_chat=text["open_chat"],
        examples=examples,
    )


class UiWords:
    """The UI's words for a backend's live catalog, rendered again only when its profile changes (a new ingest).
    Never waits for a catalog that is still loading: the generic words stand until it is ready."""

    def __init__(self, backend: ChatBackend, prompts: Prompts | None = None) -> None:
        self.backend = backend
        self.prompts = prompts or Prompts()
        self._profile: CatalogProfile | None = None
        self._strings = ui_strings(self.prompts, None)

    def current(self) -> UiStrings:
        profile = self.backend.catalog_profile() if self.backend.ready() else None
        if profile is not None and profile != self._profile:
            self._strings, self._profile = ui_strings(self.prompts, profile), profile
        return self._strings


def ui_strings_router(backend: ChatBackend) -> APIRouter:
    """GET /api/v1/ui-strings: the widget's words for the live catalog."""
    router = APIRouter(prefix="/api/v1", tags=["ui"])
    words = UiWords(backend)

    @router.get("/ui-strings", response_model=UiStrings, summary="The chat widget's words for this catalog")
    def get_ui_strings() -> UiStrings:
        """The words the widget shows (message placeholder, labels, example requests), in the catalog's own terms
        ("Ask for a book…"); the generic words while the catalog is loading. Public: no user data."""
        return words.current()

    return router
