"""The Gradio chat UI at `/`: streamed chat, recommendation cards with feedback buttons, a profile chart.

Everything it shows comes from the same ChatBackend as the API. User and model text is escaped; nothing
loads from the internet (system fonts, analytics off, no SSR node server).

Who is chatting: in demo mode the visitor picks a demo user (the film demo's MovieLens users) or "new visitor";
otherwise (and for "new visitor") each browser tab is a fresh anonymous user ("anon-<uuid>", kept in the tab's
state). Its own words (heading, placeholder, examples) are the catalog's (bot/http/ui_strings.py), in the language
picked (bot/http/gradio_language.py: Auto = the language of the last reply).
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from bot.agent.events import ItemsShown, TextDelta, ToolStarted, TurnDone
from bot.agent.language import UnsupportedLanguage
from bot.backend import ChatBackend, SessionNotFound
from bot.config import Settings
from bot.http.cards import CARD_CSS, card_html
from bot.http.gradio_language import chart_in, language_picker, requested, shown_words, words_in, words_language
from bot.http.limits import RateLimited, RateLimiter
from bot.http.ui_strings import UiWords
from store.chroma_client import CatalogUnavailable

NEW_VISITOR = "new visitor"
SIGNALS = ("like", "dislike", "seen")  # the feedback buttons under a card
CSS = CARD_CSS  # the cards' style lives with their HTML (bot/http/cards.py)
CLOSED = (
    "Sign-in is required here (CONCIERGE_AUTH=jwt, anonymous visitors off): use the API or the widget with a token."
)


def as_text(text: str) -> str:
    """Chat text for gr.Chatbot, which renders (sanitised) HTML: escaped, so markup shows as typed."""
    return html.escape(text, quote=False)


def profile_summary(profile: dict[str, Any]) -> str:
    return str(profile.get("summary") or "")


def build_ui(settings: Settings, backend: ChatBackend, limiter: RateLimiter | None = None) -> Any:
    """The Blocks app (not yet mounted)."""
    import gradio as gr

    demo_mode = settings.auth == "demo"
    demo_users = frozenset(backend.demo_users()) if demo_mode else frozenset()
    limiter = limiter or RateLimiter(settings.rate_per_minute, settings.limits_storage)
    words = UiWords(backend)  # the catalog's words ("Ask for a book…"); refreshed on every page load
    shown = words.current()

    def draw_chart(profile: dict[str, Any], code: str | None = None) -> Any:
        return chart_in(profile, words_in(words, code))

    def profile_of(user: str, code: str | None) -> dict[str, Any]:
        return backend.profile(user, language=requested(code))

    def user_for(choice: str | None, state: dict[str, Any]) -> str:
        if demo_mode and choice in demo_users:  # never trust the picker's value: only demo users
            return str(choice)
        state.setdefault("visitor", f"anon-{uuid.uuid4().hex}")
        return str(state["visitor"])

    def allowed(user: str) -> bool:
        try:
            limiter.check(f"user:{user}")
        except RateLimited as exc:
            gr.Warning(str(exc))
            return False
        return True

    def respond(
        text: str,
        chat: list[dict[str, Any]],
        choice: str | None,
        mode: str,
        lang: str | None,
        state: dict[str, Any],
        drawn_in: str,
    ) -> Iterator[tuple[Any, ...]]:
        """A turn: (chat, state, items, chart, summary, marks, cards' language) as it streams. The cards are drawn
        once for the items and again only when the reply's language changes their words."""
        text = (text or "").strip()
        unchanged = (chat, state, *(gr.skip(),) * 5)
        if not text:
            yield unchanged
            return
        if len(text) > settings.max_message_chars:
            gr.Warning(f"A message holds at most {settings.max_message_chars} characters.")
            yield unchanged
            return
        user = user_for(choice, state)
        if not allowed(user):
            yield unchanged
            return
        said = words_in(words, words_language(lang, state.get("language")))  # the UI's words for this turn's lines
        session = state.get("session")
        if session is not None and len(chat) + 2 > settings.max_messages:
            gr.Info(said.conversation_full)
            chat, session = [], None
        chat = [*chat, {"role": "user", "content": as_text(text)}, {"role": "assistant", "content": "…"}]
        yield chat, state, *(gr.skip(),) * 5
        try:
            events = backend.run_turn(
                user_id=user,
                text=text,
                session_id=session,
                reply_mode=mode,  # type: ignore[arg-type]
                language=requested(lang),
            )
            draft, drawn = "", None
            working = said.working
            for event in events:
                if isinstance(event, ToolStarted) and not draft:
                    chat[-1] = {"role": "assistant", "content": as_text(working)}
                    yield chat, state, *(gr.skip(),) * 5
                elif isinstance(event, TextDelta):
                    draft += event.text
                    chat[-1] = {"role": "assistant", "content": as_text(draft)}
                    yield chat, state, *(gr.skip(),) * 5
                elif isinstance(event, ItemsShown):
                    drawn = [item.to_dict() for item in event.items]
                    yield chat, state, drawn, gr.skip(), gr.skip(), {}, gr.skip()
                elif isinstance(event, TurnDone):
                    state["session"] = event.result.session_id
                    state["language"] = event.result.language  # the conversation's
                    state["words"] = words_language(lang, event.result.language)  # the words to show next
                    chat[-1] = {"role": "assistant", "content": as_text(event.result.reply)}
                    profile = profile_of(user, state["words"])
                    items = [item.to_dict() for item in event.result.items]
                    again = items if items != drawn else gr.skip()  # the cards already drawn stay
                    marks = {} if items != drawn else gr.skip()
                    chart_now, summary_now = draw_chart(profile, state["words"]), profile_summary(profile)
                    redraw = state["words"] if state["words"] != drawn_in else gr.skip()
                    yield chat, state, again, chart_now, summary_now, marks, redraw
        except CatalogUnavailable:
            chat[-1] = {"role": "assistant", "content": as_text(said.catalog_unavailable)}
            yield chat, state, *(gr.skip(),) * 5
        except SessionNotFound:
            state.pop("session", None)
            chat[-1] = {"role": "assistant", "content": as_text(said.conversation_expired)}
            yield chat, state, *(gr.skip(),) * 5
        except UnsupportedLanguage as exc:
            chat[-1] = {"role": "assistant", "content": as_text(str(exc))}
            yield chat, state, *(gr.skip(),) * 5

    def switch_user(choice: str | None, state: dict[str, Any], code: str | None) -> tuple[Any, ...]:
        fresh: dict[str, Any] = {"visitor": state.get("visitor")} if state.get("visitor") else {}
        profile = profile_of(user_for(choice, fresh), code)
        return [], fresh, [], draw_chart(profile, code), profile_summary(profile), {}

    def follow_reply(state: dict[str, Any], code: str | None) -> tuple[Any, ...]:
        """After a turn: the words of the language it was answered in (Auto) when they are not shown yet."""
        wanted = state.get("words")
        if not wanted or wanted == code:
            return (gr.skip(),) * len(worded)
        return shown_words(backend, words_in(words, wanted))

    def pick_language(language: str | None, choice: str | None, state: dict[str, Any]) -> tuple[Any, ...]:
        """A language picked: its words (Auto: the conversation's, else the source language's), chart and summary."""
        code = words_language(language, state.get("language"))
        profile = profile_of(user_for(choice, state), code)
        now = words_in(words, code)
        return *shown_words(backend, now, draw_chart(profile, code), profile_summary(profile)), now.locale

    visitors = [NEW_VISITOR] if settings.allow_anonymous else []
    choices = [*visitors, *sorted(demo_users, key=lambda u: (len(u), u))] if demo_mode else visitors
    if not choices:
        with gr.Blocks(title="Concierge", analytics_enabled=False) as closed:
            gr.Markdown(f"## {shown.heading}", elem_id="heading")
            gr.Markdown(CLOSED, elem_id="closed")
        return closed

    with gr.Blocks(title="Concierge", analytics_enabled=False) as blocks:
        # turns of several visitors at once (Gradio's default: one event at a time); set before the Blocks is built
        blocks.queue(default_concurrency_limit=settings.ui_concurrency)
        state = gr.State({})
        items_state = gr.State([])
        marks_state = gr.State({})  # item id -> the feedback given on its card
        shown_language = gr.State(shown.locale)  # the language of the words on screen
        cards_language = gr.State(shown.locale)  # the language the cards are drawn in
        heading = gr.Markdown(f"## {shown.heading}", elem_id="heading")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    picker = gr.Dropdown(
                        choices=choices,
                        value=choices[0],
                        label=shown.user_picker,
                        visible=demo_mode,
                        elem_id="user-picker",
                        scale=2,
                    )
                    mode = gr.Radio(
                        ["llm", "template"],
                        value=settings.reply_mode,
                        label=shown.reply_mode_label,
                        elem_id="reply-mode",
                    )
                    language = language_picker(backend, shown)
                chatbot = gr.Chatbot(
                    label=shown.chat_label,
                    height=420,
                    sanitize_html=True,
                    render_markdown=False,
                    allow_tags=False,
                    feedback_options=None,
                    elem_id="chat",
                )
                box = gr.Textbox(
                    placeholder=shown.placeholder,
                    label=shown.message_label,
                    elem_id="message",
                    max_length=settings.max_message_chars,
                )
                samples = [[e] for e in shown.examples]
                examples = gr.Dataset(
                    components=[box], samples=samples, type="index", label=shown.examples_label, elem_id="examples"
                )
                examples.click(
                    lambda n, code: words_in(words, code).examples[n], [examples, shown_language], [box], queue=False
                )
            with gr.Column(scale=2):
                chart = gr.Plot(label=shown.profile_label, elem_id="profile-chart", format="png")
                summary = gr.Textbox(label=shown.summary_label, interactive=False, lines=2, elem_id="profile-summary")

                @gr.render(inputs=[items_state, marks_state, cards_language, picker])
                def cards(items: list[dict[str, Any]], marks: dict[str, str], code: str, choice: str | None) -> None:
                    now = words_in(words, code)
                    if not items:
                        gr.Markdown(now.cards_empty, elem_id="cards-empty")
                    for n, item in enumerate(items):
                        with gr.Group(elem_classes=["card-group"]):
                            gr.HTML(card_html(item, now.mark_label(marks.get(item["item_id"]))), elem_id=f"card-{n}")
                            with gr.Row():
                                for signal in SIGNALS:
                                    button = gr.Button(
                                        now.signal_label(signal), size="sm", elem_id=f"{signal}-{n}", min_width=60
                                    )

                                    def click(
                                        given: dict[str, str],
                                        st: dict[str, Any],
                                        *,
                                        item_id: str = item["item_id"],
                                        sig: str = signal,
                                    ) -> tuple[Any, ...]:
                                        user = user_for(choice, st)
                                        if not allowed(user):
                                            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
                                        backend.record_feedback(user, item_id, sig)  # type: ignore[arg-type]
                                        profile = profile_of(user, code)
                                        chart_now, summary_now = draw_chart(profile, code), profile_summary(profile)
                                        return {**given, item_id: sig}, st, chart_now, summary_now

                                    button.click(click, [marks_state, state], [marks_state, state, chart, summary])

        outputs = [chatbot, state, items_state, chart, summary]
        turn_outputs = [*outputs, marks_state, cards_language]
        # the components the UI's words are in (gradio_language.WORDED's order)
        worded = [heading, picker, box, examples, mode, language, chatbot, summary, chart, shown_language]
        pending = gr.State("")
        box.submit(lambda text: ("", text), [box], [box, pending], queue=False).then(
            respond, [pending, chatbot, picker, mode, language, state, cards_language], turn_outputs
        ).then(follow_reply, [state, shown_language], worded, queue=False)
        picker.change(switch_user, [picker, state, shown_language], [*outputs, marks_state])
        blocks.load(switch_user, [picker, state, shown_language], [*outputs, marks_state])
        language.change(pick_language, [language, picker, state], [*worded, cards_language])

        def catalog_words(code: str | None) -> tuple[Any, ...]:
            """The catalog's words as they are now (the UI may have been built while the catalog was loading)."""
            return shown_words(backend, words_in(words, code))

        blocks.load(catalog_words, [shown_language], worded, queue=False)
    return blocks


def mount_ui(app: FastAPI, settings: Settings, backend: ChatBackend) -> FastAPI:
    """Mount the UI at / of an app from bot.http.app.create_app (sharing its rate limiter)."""
    import gradio as gr

    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    api = getattr(app.state, "concierge", None)
    blocks = build_ui(settings, backend, getattr(api, "limiter", None))
    theme = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    return gr.mount_gradio_app(
        app, blocks, path="/", theme=theme, css=CSS, footer_links=[], ssr_mode=False, pwa=False, mcp_server=False
    )
