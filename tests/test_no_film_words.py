"""No film words outside the film catalog: everything a user (or the model) reads takes the catalog profile's words.

For one catalog, `rendered_texts` collects what the product says: the Gradio UI's config, the widget's script and
its strings (GET /api/v1/ui-strings), replies to help, small talk, out-of-scope, item questions (each fact),
similar, search, profile and copy requests, the native planner's system prompt, and the prompts of the reply jobs and
the marketing copy the model receives. A books catalog (the shipped books profile) and a shop catalog (an inferred
profile) say none of the film vocabulary; the film demo's profile does say "film", so the check can fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.agent.events import TurnDone
from bot.composition import Overrides
from bot.concierge import Concierge, build_backend
from bot.config import Settings
from bot.http.app import STATIC, create_app
from bot.http.gradio_ui import build_ui
from bot.http.profile_chart import genre_chart
from bot.testing.scripted_model import ScriptedModel
from store.catalog import CatalogStore
from store.catalog_profile import CatalogProfile, shipped_profile
from store.embedder import HashingEmbedder
from store.history import HistoryStore
from store.items import CatalogItem
from store.profile_inference import infer_profile
from tools.names import Intent

FILM_WORDS = re.compile(r"\b(films?|movies?|movielens|cinemas?|watch\w*)\b", re.IGNORECASE)

BOOKS = [
    CatalogItem("1", "The Hobbit", 1937, ("fantasy", "classics"), "Bilbo Baggins is swept into a quest for a dragon's "
                "treasure with a band of dwarves.", rating_count=2000, rating_mean=4.25,
                extra={"authors": "J.R.R. Tolkien", "language": "eng", "image_url": "https://img.example/1.jpg",
                       "url": "https://books.example/1", "original_title": "The Hobbit, or There and Back Again"}),
    CatalogItem("2", "The Hunger Games", 2008, ("young-adult", "dystopia"), "In a ruined North America, Katniss "
                "volunteers for a televised fight to the death.", rating_count=4000, rating_mean=4.34,
                extra={"authors": "Suzanne Collins", "language": "eng", "image_url": "https://img.example/2.jpg",
                       "url": "https://books.example/2", "original_title": "The Hunger Games"}),
    CatalogItem("3", "Good Omens", 1990, ("fantasy", "humor"), "An angel and a demon team up to stop the "
                "apocalypse.", rating_count=900, rating_mean=4.25,
                extra={"authors": "Terry Pratchett, Neil Gaiman", "language": "eng",
                       "image_url": "https://img.example/3.jpg", "url": "https://books.example/3",
                       "original_title": "Good Omens"}),
    CatalogItem("4", "Murder on the Orient Express", 1934, ("mystery", "classics"), "Hercule Poirot investigates a "
                "murder on a snowbound train.", rating_count=1200, rating_mean=4.1,
                extra={"authors": "Agatha Christie", "language": "eng", "image_url": "https://img.example/4.jpg",
                       "url": "https://books.example/4", "original_title": "Murder on the Orient Express"}),
    CatalogItem("5", "Untitled Notes", None, (), "", extra={"authors": "Anonymous", "language": "fre",
                "image_url": "https://img.example/5.jpg", "url": "https://books.example/5", "original_title": ""}),
]  # fmt: skip
SHOP = [
    CatalogItem("a1", "Blue Mug", 2020, ("Kitchen", "Gifts"), "Stoneware mug, 350 ml.",
                extra={"brand": "Acme", "price": "12.5"}),
    CatalogItem("a2", "Red Pan", 2021, ("Kitchen",), "A cast iron pan for the oven and the stove.",
                extra={"brand": "Acme", "price": "39"}),
    CatalogItem("a3", "Tea Towel", 2019, ("Kitchen", "Textiles"), "Linen tea towel with stripes.",
                extra={"brand": "Linenco", "price": "8"}),
    CatalogItem("a4", "Gift Card", None, ("Gifts",), "", extra={"brand": "Linenco", "price": "25"}),
]  # fmt: skip
FILMS = [
    CatalogItem("6", "Heat", 1995, ("Action", "Crime", "Thriller"), "A group of professional bank robbers start to "
                "feel the heat from police.", rating_count=100, rating_mean=3.9),
    CatalogItem("7", "Up", 2009, ("Adventure", "Animation"), "Carl Fredricksen ties balloons to his house.",
                rating_count=80, rating_mean=3.8),
    CatalogItem("8", "Nameless", None, (), ""),
]  # fmt: skip
QUESTIONS = ("plot", "year", "genre", "rating", "people")


class ScriptedTurns:
    """A router that answers each message with a fixed decision (the routing itself is not under test here)."""

    def __init__(self, decisions: dict[str, Decision]) -> None:
        self.decisions = decisions

    def route(self, text: str, state: DialogueState) -> Decision:
        return self.decisions[text]

    def named_items(self, text: str) -> list[str]:
        return []


def decisions_for(items: list[CatalogItem]) -> dict[str, Decision]:
    first, last = items[0].title, items[-1].title
    item_questions = {
        f"{q} of {ref}": Decision(Intent.ITEM_QUESTION, 0.9, [PlannedCall("item_details", {"item": ref})], question=q)
        for q in QUESTIONS
        for ref in (first, last)
    }
    return {
        "help": Decision(Intent.HELP, 0.9),
        "hello": Decision(Intent.SMALLTALK, 0.9),
        "weather": Decision(Intent.OUT_OF_SCOPE, 0.9),
        "profile": Decision(Intent.PROFILE, 0.9, [PlannedCall("user_profile", {})]),
        "search": Decision(Intent.SEARCH, 0.9, [PlannedCall("search_catalog", {"query": "an adventure"})]),
        "nothing": Decision(Intent.SEARCH, 0.9, [PlannedCall("search_catalog", {"query": "x", "year_from": 2099})]),
        "similar": Decision(Intent.SIMILAR, 0.9, [PlannedCall("similar_items", {"item": first})]),
        "unknown": Decision(Intent.ITEM_QUESTION, 0.9, [PlannedCall("item_details", {"item": "zzqx"})]),
        "tagline": Decision(Intent.MARKETING_COPY, 0.9, [PlannedCall("write_copy", {"item": first})]),
        "like": Decision(Intent.FEEDBACK, 0.9, [PlannedCall("record_feedback", {"item": first, "signal": "like"})]),
        "profile again": Decision(Intent.PROFILE, 0.9, [PlannedCall("user_profile", {})]),
        **item_questions,
    }


def backend_for(tmp_path: Path, items: list[CatalogItem], profile: CatalogProfile, model: ScriptedModel) -> Concierge:
    catalog = CatalogStore.from_items(items, HashingEmbedder(), profile=profile)
    settings = Settings(home=tmp_path / "home", llm_item_summaries=True)  # type: ignore[call-arg]
    parts = {"embedder": catalog.embedder, "catalog": catalog, "history": HistoryStore(settings.history_path)}
    router: Any = ScriptedTurns(decisions_for(items))
    backend = build_backend(settings, Overrides(router=router, llm=model, **parts))
    backend.warm_up()
    return backend


def reply_of(backend: Concierge, text: str, mode: str) -> str:
    done = [e for e in backend.run_turn(user_id="reader", text=text, reply_mode=mode) if isinstance(e, TurnDone)]  # type: ignore[arg-type]
    return done[-1].result.reply


def rendered_texts(tmp_path: Path, items: list[CatalogItem], profile: CatalogProfile) -> dict[str, str]:
    """Everything the product says or prompts with over this catalog, by where it comes from."""
    model = ScriptedModel(["A quiet pick."], repeat_last=True)
    backend = backend_for(tmp_path, items, profile, model)
    texts: dict[str, str] = {}
    for text in decisions_for(items):
        texts[f"reply: {text}"] = reply_of(backend, text, "template")
    for text in ("search", "similar", f"plot of {items[0].title}"):  # the reply jobs' prompts reach the model
        reply_of(backend, text, "llm")
    reply_of(backend, "tagline", "llm")  # the copy prompts too
    texts["model prompts"] = json.dumps([call.messages for call in model.calls], ensure_ascii=False)
    ctx = backend.components.tool_context("reader")
    texts["native system prompt"] = backend.components.loop.native.start(ctx, "hi", [])[0]["content"]  # type: ignore[union-attr]
    settings = backend.settings
    texts["ui config"] = json.dumps(build_ui(settings, backend).get_config_file(), ensure_ascii=False, default=str)
    texts["chart"] = genre_chart({"top_genres": []}, backend_words(backend)["chart_title"]).axes[0].get_title()
    texts["ui strings"] = json.dumps(backend_words(backend), ensure_ascii=False)
    texts["widget.js"] = (STATIC / "widget.js").read_text(encoding="utf-8")
    return texts


def backend_words(backend: Concierge) -> dict[str, Any]:
    client = TestClient(create_app(backend.settings, backend))
    response = client.get("/api/v1/ui-strings")
    assert response.status_code == 200, response.text
    return dict(response.json())


def film_words(texts: dict[str, str]) -> dict[str, list[str]]:
    found = {where: sorted({m.lower() for m in FILM_WORDS.findall(text)}) for where, text in texts.items()}
    return {where: words for where, words in found.items() if words}


def test_a_books_catalog_says_books_and_never_film(tmp_path: Path) -> None:
    texts = rendered_texts(tmp_path, BOOKS, shipped_profile("books"))
    assert film_words(texts) == {}
    assert "books" in texts["reply: help"] and "books" in texts["reply: weather"]
    assert texts["reply: people of The Hobbit"] == "The Hobbit (1937) is by J.R.R. Tolkien."
    assert "by 2,000 Goodreads readers" in texts["reply: rating of The Hobbit"]
    assert "is by Anonymous" in texts["reply: people of Untitled Notes"]
    assert "The catalog has no description for it." in texts["reply: plot of Untitled Notes"]
    assert "not tagged with a shelf" in texts["reply: genre of Untitled Notes"]
    assert "Ask for a book…" in texts["ui config"] and "Ask for a book…" in texts["ui strings"]
    assert "books from the catalog" in texts["ui config"] and "something like The Hunger Games" in texts["ui config"]
    assert texts["chart"] == "Your shelves"
    assert "the book recommendation assistant of the Concierge books catalog" in texts["native system prompt"]
    assert "recommends a book" in texts["model prompts"] and "for the book below" in texts["model prompts"]
    assert "tell me a few books you loved" in texts["reply: profile"].lower()
    assert "Based on 1 book:" in texts["reply: profile again"]


def test_a_shop_catalog_with_an_inferred_profile_says_products(tmp_path: Path) -> None:
    profile = infer_profile(SHOP)
    assert profile.item.plural == "products"
    texts = rendered_texts(tmp_path, SHOP, profile)
    assert film_words(texts) == {}
    assert "products" in texts["reply: help"] and "products" in texts["reply: hello"]
    assert "products from this catalog" in texts["reply: weather"]
    assert "Ask for a product…" in texts["ui strings"]
    assert texts["reply: people of Blue Mug"] == "Blue Mug (2020) is by Acme."  # the maker: its brand facet


def test_the_film_catalog_does_say_film(tmp_path: Path) -> None:
    texts = rendered_texts(tmp_path, FILMS, shipped_profile("film"))
    found = film_words(texts)
    for where in ("reply: help", "reply: hello", "reply: weather", "ui strings", "ui config", "native system prompt",
                  "model prompts"):  # fmt: skip
        assert "film" in found.get(where, []), (where, texts[where][:300])
    assert "who made or stars in Nameless" in texts["reply: people of Nameless"]
    assert "by 100 MovieLens users" in texts["reply: rating of Heat"]
