"""The Gradio chat UI at `/`: streamed chat, recommendation cards with feedback buttons, a profile chart.

Everything it shows comes from the same ChatBackend as the API. Text is rendered as escaped text.
Nothing loads from the internet (system fonts, analytics off).
"""

from __future__ import annotations

import html
import os
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from bot.config import Settings
from bot.events import ItemsShown, TextDelta, TurnDone
from bot.service import ChatBackend

NEW_VISITOR = "new visitor"
EXAMPLES = [
    "I loved Heat and Ronin",
    "something like Toy Story but for adults",
    "a 90s comedy, no romance",
    "what is The Godfather about?",
    "what do you know about my taste?",
]
CSS = """
.concierge-card {border: 1px solid #ddd; border-radius: 8px; padding: 8px 10px; margin: 4px 0;}
.concierge-card .title {font-weight: 600;}
.concierge-card .reason {color: #555; font-size: 0.9em;}
"""


def card_html(item: dict[str, Any]) -> str:
    year = f" ({item['year']})" if item.get("year") else ""
    return (
        '<div class="concierge-card">'
        f'<div class="title">{html.escape(item["title"])}{html.escape(year)}</div>'
        f'<div class="genres">{html.escape(", ".join(item.get("genres", [])))}</div>'
        f'<div class="reason">{html.escape(item.get("reason", ""))}</div></div>'
    )


def genre_chart(profile: dict[str, Any]) -> Any:
    """A bar chart of the profile's genre weights (a matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = profile.get("top_genres", [])[:8]
    figure, axis = plt.subplots(figsize=(4.5, 2.8), dpi=90)
    if rows:
        names = [r["genre"] for r in rows][::-1]
        weights = [r["weight"] for r in rows][::-1]
        axis.barh(names, weights, color=["#4c78a8" if w >= 0 else "#e45756" for w in weights])
        axis.set_xlabel("taste weight")
    else:
        axis.text(0.5, 0.5, "no history yet", ha="center", va="center")
        axis.set_axis_off()
    axis.set_title("Your genres")
    figure.tight_layout()
    plt.close(figure)
    return figure


def build_ui(settings: Settings, backend: ChatBackend) -> Any:
    import gradio as gr

    def user_for(choice: str | None, state: dict[str, Any]) -> str:
        if settings.auth == "demo" and choice and choice != NEW_VISITOR:
            return str(choice)
        state.setdefault("visitor", f"anon-{uuid.uuid4().hex}")
        return str(state["visitor"])

    def respond(
        text: str, chat: list[dict[str, Any]], choice: str | None, state: dict[str, Any]
    ) -> Iterator[tuple[Any, ...]]:
        text = (text or "").strip()[: settings.max_message_chars]
        if not text:
            yield chat, state, state.get("items", []), gr.update()
            return
        user = user_for(choice, state)
        chat = [*chat, {"role": "user", "content": text}, {"role": "assistant", "content": ""}]
        yield chat, state, state.get("items", []), gr.update()
        draft = ""
        for event in backend.run_turn(
            user_id=user, text=text, session_id=state.get("session"), reply_mode=state.get("reply_mode")
        ):
            if isinstance(event, TextDelta):
                draft += event.text
                chat[-1] = {"role": "assistant", "content": draft}
                yield chat, state, state.get("items", []), gr.update()
            elif isinstance(event, ItemsShown):
                state["items"] = [item.to_dict() for item in event.items]
                yield chat, state, state["items"], gr.update()
            elif isinstance(event, TurnDone):
                state["session"] = event.result.session_id
                state["items"] = [item.to_dict() for item in event.result.items]
                chat[-1] = {"role": "assistant", "content": event.result.reply}
                yield chat, state, state["items"], genre_chart(backend.profile(user))

    def switch_user(choice: str | None, state: dict[str, Any]) -> tuple[Any, ...]:
        fresh: dict[str, Any] = {"reply_mode": state.get("reply_mode")}
        return [], fresh, [], genre_chart(backend.profile(user_for(choice, fresh)))

    theme = gr.themes.Soft(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    with gr.Blocks(title="Concierge") as demo:
        state = gr.State({"reply_mode": None})
        items_state = gr.State([])
        gr.Markdown("## Concierge — films from the catalog, with reasons you can check")
        with gr.Row():
            with gr.Column(scale=3):
                picker = gr.Dropdown(
                    choices=[NEW_VISITOR, *backend.demo_users()[:610]] if settings.auth == "demo" else [NEW_VISITOR],
                    value=NEW_VISITOR,
                    label="Demo user (MovieLens id)",
                    visible=settings.auth == "demo",
                    elem_id="user-picker",
                )
                chatbot = gr.Chatbot(
                    label="Chat", height=420, sanitize_html=True, render_markdown=False, elem_id="chat"
                )
                box = gr.Textbox(placeholder="Ask for a film…", label="Message", elem_id="message")
                gr.Examples(EXAMPLES, inputs=box)
            with gr.Column(scale=2):
                chart = gr.Plot(label="Profile", elem_id="profile-chart")

                @gr.render(inputs=[items_state, picker, state])
                def cards(items: list[dict[str, Any]], choice: str | None, session: dict[str, Any]) -> None:
                    if not items:
                        gr.Markdown("Recommendations appear here.")
                    for n, item in enumerate(items):
                        with gr.Group(elem_classes=["card-group"]):
                            gr.HTML(card_html(item), elem_id=f"card-{n}")
                            with gr.Row():
                                for signal in ("like", "dislike", "seen"):
                                    button = gr.Button(signal, size="sm", elem_id=f"{signal}-{n}")

                                    def click(_: Any = None, item_id: str = item["item_id"], sig: str = signal) -> Any:
                                        user = user_for(choice, session)
                                        backend.record_feedback(user, item_id, sig)  # type: ignore[arg-type]
                                        return genre_chart(backend.profile(user))

                                    button.click(click, inputs=None, outputs=chart)

        outputs = [chatbot, state, items_state, chart]
        box.submit(respond, [box, chatbot, picker, state], outputs).then(lambda: "", None, box)
        picker.change(switch_user, [picker, state], outputs)
        demo.load(switch_user, [picker, state], outputs)
    return demo, theme


def mount_ui(app: FastAPI, settings: Settings, backend: ChatBackend) -> FastAPI:
    import gradio as gr

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    demo, theme = build_ui(settings, backend)
    return gr.mount_gradio_app(app, demo, path="/", theme=theme, css=CSS, footer_links=[], ssr_mode=False)
