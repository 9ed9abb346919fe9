"""The Gradio chat UI at `/`: streamed chat, recommendation cards with feedback buttons, a profile chart.

Everything it shows comes from the same ChatBackend as the API. User and model text is escaped; nothing
loads from the internet (system fonts, analytics off, no SSR node server).

Who is chatting: in demo mode the visitor picks a demo user (the film demo's MovieLens users) or "new visitor";
otherwise (and for "new visitor") each browser tab is a fresh anonymous user ("anon-<uuid>", kept in the tab's
state). Its own words (heading, placeholder, examples) are the catalog's (bot/http/ui_strings.py).
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from bot.agent.events import ItemsShown, TextDelta, ToolStarted, TurnDone
from bot.backend import ChatBackend, SessionNotFound
from bot.config import Settings
from bot.http.cards import CARD_CSS, card_html
from bot.http.limits import RateLimited, RateLimiter
from bot.http.ui_strings import UiWords
from store.chroma_client import CatalogUnavailable

NEW_VISITOR = "new visitor"
SIGNALS = {"like": "like", "dislike": "dislike", "seen": "seen"}
CSS = CARD_CSS  # the cards' style lives with their HTML (bot/http/cards.py)
CLOSED = (
    "Sign-in is required here (CONCIERGE_AUTH=jwt, anonymous visitors off): use the API or the widget with a token."
)


def as_text(text: str) -> str:
    """Chat text for gr.Chatbot, which renders (sanitised) HTML: escaped, so markup shows as typed."""
    return html.escape(text, quote=False)


def genre_chart(profile: dict[str, Any], title: str = "Your taste") -> Any:
    """A horizontal bar chart of the profile's genre weights (a matplotlib figure); title: the catalog's words
    ("Your genres", "Your shelves": UiStrings.chart_title)."""
    from matplotlib.figure import Figure

    rows = list(profile.get("top_genres", []))[:8]
    figure = Figure(figsize=(4.6, 2.8), dpi=90)
    axis = figure.add_subplot()
    if rows:
        names = [str(r["genre"]) for r in rows][::-1]
        weights = [float(r["weight"]) for r in rows][::-1]
        axis.barh(names, weights, color=["#4c78a8" if w >= 0 else "#e45756" for w in weights])
        axis.axvline(0, color="#888", linewidth=0.8)
        axis.set_xlabel("taste weight")
    else:
        axis.text(0.5, 0.5, "no history yet", ha="center", va="center")
        axis.set_axis_off()
    axis.set_title(title)
    figure.tight_layout()
    return figure


def profile_summary(profile: dict[str, Any]) -> str:
    return str(profile.get("summary") or "")


def build_ui(settings: Settings, backend: ChatBackend, limiter: RateLimiter | None = None) -> Any:
    """The Blocks app (not yet mounted)."""
    import gradio as gr

    demo_mode = settings.auth == "demo"
    demo_users = frozenset(backend.demo_users()) if demo_mode else frozenset()
    limiter = limiter or RateLimiter(settings.rate_per_minute)
    words = UiWords(backend)  # the catalog's words ("Ask for a book…"); refreshed on every page load
    shown = words.current()

    def draw_chart(profile: dict[str, Any]) -> Any:
        return genre_chart(profile, words.current().chart_title)

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
        text: str, chat: list[dict[str, Any]], choice: str | None, mode: str, state: dict[str, Any]
    ) -> Iterator[tuple[Any, ...]]:
        text = (text or "").strip()
        unchanged = (chat, state, gr.skip(), gr.skip(), gr.skip())
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
        session = state.get("session")
        if session is not None and len(chat) + 2 > settings.max_messages:
            gr.Info("This conversation is full; a new one starts.")
            chat, session = [], None
        chat = [*chat, {"role": "user", "content": as_text(text)}, {"role": "assistant", "content": "…"}]
        yield chat, state, gr.skip(), gr.skip(), gr.skip()
        try:
            events = backend.run_turn(user_id=user, text=text, session_id=session, reply_mode=mode)  # type: ignore[arg-type]
            draft = ""
            for event in events:
                if isinstance(event, ToolStarted) and not draft:
                    chat[-1] = {"role": "assistant", "content": f"… ({event.name.replace('_', ' ')})"}
                    yield chat, state, gr.skip(), gr.skip(), gr.skip()
                elif isinstance(event, TextDelta):
                    draft += event.text
                    chat[-1] = {"role": "assistant", "content": as_text(draft)}
                    yield chat, state, gr.skip(), gr.skip(), gr.skip()
                elif isinstance(event, ItemsShown):
                    state["marks"] = {}
                    yield chat, state, [item.to_dict() for item in event.items], gr.skip(), gr.skip()
                elif isinstance(event, TurnDone):
                    state["session"] = event.result.session_id
                    chat[-1] = {"role": "assistant", "content": as_text(event.result.reply)}
                    profile = backend.profile(user)
                    items = [item.to_dict() for item in event.result.items]
                    yield chat, state, items, draw_chart(profile), profile_summary(profile)
        except CatalogUnavailable:
            chat[-1] = {"role": "assistant", "content": "The catalog is unavailable right now; please retry shortly."}
            yield chat, state, gr.skip(), gr.skip(), gr.skip()
        except SessionNotFound:
            state.pop("session", None)
            chat[-1] = {"role": "assistant", "content": "That conversation has expired; please send it again."}
            yield chat, state, gr.skip(), gr.skip(), gr.skip()

    def switch_user(choice: str | None, state: dict[str, Any]) -> tuple[Any, ...]:
        fresh: dict[str, Any] = {"visitor": state.get("visitor")} if state.get("visitor") else {}
        profile = backend.profile(user_for(choice, fresh))
        return [], fresh, [], draw_chart(profile), profile_summary(profile)

    visitors = [NEW_VISITOR] if settings.allow_anonymous else []
    choices = [*visitors, *sorted(demo_users, key=lambda u: (len(u), u))] if demo_mode else visitors
    if not choices:
        with gr.Blocks(title="Concierge", analytics_enabled=False) as closed:
            gr.Markdown(f"## {shown.heading}", elem_id="heading")
            gr.Markdown(CLOSED, elem_id="closed")
        return closed

    with gr.Blocks(title="Concierge", analytics_enabled=False) as blocks:
        state = gr.State({})
        items_state = gr.State([])
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
                        ["llm", "template"], value=settings.reply_mode, label="Reply mode", elem_id="reply-mode"
                    )
                chatbot = gr.Chatbot(
                    label="Chat",
                    height=420,
                    sanitize_html=True,
                    render_markdown=False,
                    allow_tags=False,
                    feedback_options=None,
                    elem_id="chat",
                )
                box = gr.Textbox(
                    placeholder=shown.placeholder,
                    label="Message",
                    elem_id="message",
                    max_length=settings.max_message_chars,
                )
                samples = [[e] for e in shown.examples]
                examples = gr.Dataset(components=[box], samples=samples, type="index", label="Try", elem_id="examples")
                examples.click(lambda n: words.current().examples[n], [examples], [box], queue=False)
            with gr.Column(scale=2):
                chart = gr.Plot(label="Your profile", elem_id="profile-chart", format="png")
                summary = gr.Textbox(label="Profile summary", interactive=False, lines=2, elem_id="profile-summary")

                @gr.render(inputs=[items_state, picker, state])
                def cards(items: list[dict[str, Any]], choice: str | None, session: dict[str, Any]) -> None:
                    if not items:
                        gr.Markdown(words.current().cards_empty, elem_id="cards-empty")
                    marks: dict[str, str] = session.get("marks", {})
                    for n, item in enumerate(items):
                        with gr.Group(elem_classes=["card-group"]):
                            gr.HTML(card_html(item, marks.get(item["item_id"])), elem_id=f"card-{n}")
                            with gr.Row():
                                for signal, label in SIGNALS.items():
                                    button = gr.Button(label, size="sm", elem_id=f"{signal}-{n}", min_width=60)

                                    def click(
                                        shown: list[dict[str, Any]],
                                        st: dict[str, Any],
                                        *,
                                        item_id: str = item["item_id"],
                                        sig: str = signal,
                                    ) -> tuple[Any, ...]:
                                        user = user_for(choice, st)
                                        if not allowed(user):
                                            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
                                        backend.record_feedback(user, item_id, sig)  # type: ignore[arg-type]
                                        st["marks"] = {**st.get("marks", {}), item_id: sig}
                                        profile = backend.profile(user)
                                        return list(shown), st, draw_chart(profile), profile_summary(profile)

                                    button.click(click, [items_state, state], [items_state, state, chart, summary])

        outputs = [chatbot, state, items_state, chart, summary]
        pending = gr.State("")
        box.submit(lambda text: ("", text), [box], [box, pending], queue=False).then(
            respond, [pending, chatbot, picker, mode, state], outputs
        )
        picker.change(switch_user, [picker, state], outputs)
        blocks.load(switch_user, [picker, state], outputs)

        def catalog_words() -> tuple[Any, ...]:
            """The catalog's words as they are now (the UI may have been built while the catalog was loading)."""
            now = words.current()
            samples = [[e] for e in now.examples]
            return (
                gr.update(value=f"## {now.heading}"),
                gr.update(label=now.user_picker),
                gr.update(placeholder=now.placeholder),
                gr.Dataset(samples=samples),
            )

        blocks.load(catalog_words, None, [heading, picker, box, examples], queue=False)
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
