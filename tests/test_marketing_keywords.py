"""Keyphrase extraction: filtering and de-duplication logic (fast), and real MiniLM phrases (one model load)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tests.test_marketing_fakes import make_ctx
from tools.marketing.keywords import (
    KeywordExtractor,
    StopPhrases,
    TfidfKeywords,
    candidates,
    content_tokens,
    dedupe,
    extract_keywords,
    stem,
)
from tools.results import ToolInputError

INCEPTION = CatalogItem(
    "79132",
    "Inception",
    2010,
    ("Action", "Sci-Fi", "Thriller"),
    overview=(
        "Cobb, a skilled thief who commits corporate espionage by infiltrating the subconscious of his targets, "
        "is offered a chance to regain his old life as payment for a task considered to be impossible: "
        "\"inception\", the implantation of another person's idea into a target's subconscious."
    ),
    tagline="Your mind is the scene of the crime.",
)


def test_stem_and_content_tokens() -> None:
    assert stem("robberies") == "robbery" and stem("heists") == "heist" and stem("boss") == "boss"
    assert content_tokens("The Bank Robberies of the city") == {"bank", "robbery", "city"}


def test_candidates_stay_inside_clauses_and_drop_stop_phrases() -> None:
    stops = StopPhrases.load()
    found = candidates("A heist film, bank robbery crew. The story of a thief", stops)
    assert "bank robbery crew" in found and "bank robbery" in found
    assert not any("film" in p or "story" in p for p in found)
    assert "heist bank" not in found  # would span the comma
    assert not any("inception" in p for p in candidates("Inception dreams", stops, frozenset({"inception"})))


def test_stop_phrases_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "stops.yaml"
    bad.write_text("generic_words: film\n")
    with pytest.raises(ValueError, match=r"stops\.yaml: generic_words must be a list"):
        StopPhrases.load(bad)


def test_dedupe_drops_overlapping_phrases() -> None:
    kept = dedupe([("bank robbery", 0.9), ("bank robberies crew", 0.8), ("detective", 0.7), ("robbery", 0.6)], 10)
    assert kept == [("bank robbery", 0.9), ("detective", 0.7)]


def test_tool_arguments_and_item_source(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path)
    with pytest.raises(ToolInputError):
        extract_keywords(ctx)
    with pytest.raises(ToolInputError):
        extract_keywords(ctx, text="x", item="Heat")
    with pytest.raises(ToolInputError, match="too long"):
        extract_keywords(ctx, text="word " * 2000)
    result = extract_keywords(ctx, item="Heat", top_n=5)
    assert result.data["source"] == "item" and result.data["item_id"] == "6"
    phrases = [k["phrase"] for k in result.data["keywords"]]
    assert 0 < len(phrases) <= 5 and not any("heat" in p for p in phrases)


def test_tfidf_baseline_prefers_rare_words() -> None:
    corpus = ["a man walks", "a man runs", "a man and a dragon"]
    assert TfidfKeywords(corpus).extract("a man and a dragon", 1)[0][0] == "dragon"


@pytest.fixture(scope="module")
def minilm_extractor() -> KeywordExtractor:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from store.embedder import MiniLMEmbedder

    return KeywordExtractor(MiniLMEmbedder())


def test_real_minilm_phrases_for_inception(minilm_extractor: KeywordExtractor) -> None:
    phrases = [p for p, _ in minilm_extractor.for_item(INCEPTION, 8)]
    joined = " ".join(phrases)
    assert len(phrases) == 8
    assert "thief" in joined and ("subconscious" in joined or "espionage" in joined)
    assert "inception" not in joined and "scene" not in joined  # title word, generic word
    assert len({frozenset(content_tokens(p)) for p in phrases}) == len(phrases)


def test_real_minilm_free_text(minilm_extractor: KeywordExtractor) -> None:
    text = "A retired hitman seeks revenge on the Russian gangsters who killed his dog, in a stylish action movie."
    phrases = [p for p, _ in minilm_extractor.extract(text, 5)]
    assert any("hitman" in p or "revenge" in p or "gangster" in p for p in phrases[:3])
    assert not any("movie" in p for p in phrases)


def test_hashing_backend_is_not_loaded_by_name() -> None:
    extractor = KeywordExtractor(HashingEmbedder())
    assert extractor.keybert.model is extractor.backend
