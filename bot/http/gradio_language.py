"""The Gradio UI's language: the picker ("Auto" + the backend's reply languages by their own names, "中文") and the
UI's words in the language on screen.

The picked code is the `language` of every turn (Auto: none, the backend detects it). The UI's own words (heading,
labels, placeholder, examples, buttons, chart, cards-empty text) are those of the picked language; with Auto, those
of the language the last turn was answered in (the source language's before the first turn).
"""

from __future__ import annotations

from typing import Any

from bot.backend import ChatBackend
from bot.http.profile_chart import genre_chart
from bot.http.ui_strings import UiStrings, UiWords
from prompts.locale import SOURCE_LOCALE, LocaleError, shipped_locales

AUTO = "auto"


def language_choices(backend: ChatBackend, now: UiStrings) -> list[tuple[str, str]]:
    """The picker's (label, value) choices: Auto (in the words on screen) first, then each language by its own name."""
    return [(now.language_auto, AUTO), *((name, code) for code, name in backend.languages().items())]


def requested(choice: str | None) -> str | None:
    """The language a turn asks for: None for Auto (detected)."""
    return None if not choice or choice == AUTO else str(choice)


def words_language(choice: str | None, answered: str | None = None) -> str:
    """The language of the UI's words: the picked one, else the last turn's (`answered`), else the source one."""
    return requested(choice) or answered or SOURCE_LOCALE


def words_in(words: UiWords, code: str | None) -> UiStrings:
    """The UI's words in a language; the source language's for one that is not shipped."""
    try:
        return words.current(code or None)
    except LocaleError:
        return words.current()


def chart_in(profile: dict[str, Any], now: UiStrings) -> Any:
    """The taste chart in these words, its bars named in their language ("Comedy" -> "喜剧")."""
    locale = shipped_locales().get(now.locale)
    return genre_chart(
        profile,
        now.chart_title,
        empty=now.chart_empty,
        axis_label=now.chart_axis,
        category_name=locale.category_name,
    )


def shown_words(
    backend: ChatBackend, now: UiStrings, figure: Any = None, summary: str | None = None
) -> tuple[Any, ...]:
    """Updates of the components in `WORDED` order to these words (the chart's picture and the profile summary too
    when given)."""
    import gradio as gr

    chart = gr.update(label=now.profile_label) if figure is None else gr.update(label=now.profile_label, value=figure)
    summary_box = gr.update(label=now.summary_label)
    if summary is not None:
        summary_box = gr.update(label=now.summary_label, value=summary)
    return (
        gr.update(value=f"## {now.heading}"),
        gr.update(label=now.user_picker),
        gr.update(label=now.message_label, placeholder=now.placeholder),
        gr.Dataset(samples=[[e] for e in now.examples], label=now.examples_label),
        gr.update(label=now.reply_mode_label),
        gr.update(label=now.language_label, choices=language_choices(backend, now)),
        gr.update(label=now.chat_label),
        summary_box,
        chart,
        now.locale,
    )


# the components shown_words updates, in its order (gradio_ui.build_ui passes them in this order)
WORDED = ("heading", "user_picker", "message", "examples", "reply_mode", "language", "chat", "summary", "chart", "code")


def language_picker(backend: ChatBackend, now: UiStrings) -> Any:
    """The language dropdown (#language-picker), on Auto."""
    import gradio as gr

    return gr.Dropdown(
        choices=language_choices(backend, now), value=AUTO, label=now.language_label, elem_id="language-picker", scale=1
    )


__all__ = [
    "AUTO",
    "WORDED",
    "chart_in",
    "language_choices",
    "language_picker",
    "requested",
    "shown_words",
    "words_in",
    "words_language",
]
