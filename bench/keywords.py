"""Keyphrase quality against TMDB keywords: KeyBERT (our MiniLM) vs a TF-IDF baseline, in one run.

Items: catalog items with both an overview and TMDB keywords (a seeded random sample). Each method sees the
same text (tools.marketing.keywords.item_text: overview + tagline + tags) and the same candidate filter; they differ in
ranking only. Matching a predicted phrase p to a gold keyword g (both reduced to stemmed content tokens,
tools.marketing.keywords.content_tokens: lower case, English stop words removed, plural -s/-es/-ies stripped):
  exact   — the token sets are equal ("bank robberies" = "bank robbery");
  overlap — the token sets share at least one token ("heist crew" ~ "heist").
precision@5 = share of the top 5 phrases matching some gold keyword; recall@10 = share of gold keywords matched
by some of the top 10 phrases; both averaged over items.

Run: .venv/bin/python bench/keywords.py [--sample 150] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from store.items import CatalogItem
from store.movielens import load_demo_items
from tools.marketing.keywords import KeywordExtractor, TfidfKeywords, content_tokens, item_text, title_tokens

Match = Callable[[set[str], set[str]], bool]
MATCHES: dict[str, Match] = {
    "exact": lambda p, g: bool(p) and p == g,
    "overlap": lambda p, g: bool(p & g),
}


def scores(predicted: Sequence[str], gold: Sequence[str], match: Match) -> tuple[float, float]:
    """(precision@5, recall@10) of one item."""
    pred = [content_tokens(p) for p in predicted]
    gold_sets = [content_tokens(g) for g in gold]
    top5 = pred[:5]
    precision = sum(any(match(p, g) for g in gold_sets) for p in top5) / 5
    recall = sum(any(match(p, g) for p in pred[:10]) for g in gold_sets) / max(1, len(gold_sets))
    return precision, recall


def evaluate(name: str, predictions: list[list[str]], items: list[CatalogItem], seconds: float) -> list[str]:
    rows = []
    for match_name, match in MATCHES.items():
        pairs = [scores(p, it.keywords, match) for p, it in zip(predictions, items, strict=True)]
        p5 = sum(p for p, _ in pairs) / len(pairs)
        r10 = sum(r for _, r in pairs) / len(pairs)
        rows.append(f"| {name} | {match_name} | {p5:.3f} | {r10:.3f} | {seconds:.1f} |")
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sample", type=int, default=200, help="items sampled (default 200, ~1-2 min on 2 shared cores)"
    )
    parser.add_argument("--diversity", type=float, default=0.5, help="KeyBERT MMR diversity")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from store.embedder import MiniLMEmbedder

    settings = Settings()
    catalog = load_demo_items(settings.data_dir)
    eligible = [it for it in catalog if it.overview and it.keywords]
    items = random.Random(args.seed).sample(eligible, min(args.sample, len(eligible)))
    texts = [item_text(it) for it in items]
    bans = [title_tokens(it) for it in items]

    started = time.perf_counter()
    tfidf = TfidfKeywords([it.overview for it in catalog if it.overview])
    tfidf_pred = [[p for p, _ in tfidf.extract(t, 10, b)] for t, b in zip(texts, bans, strict=True)]
    tfidf_s = time.perf_counter() - started

    extractor = KeywordExtractor(MiniLMEmbedder(settings.embed_dtype), diversity=args.diversity)
    started = time.perf_counter()
    keybert_pred = [[p for p, _ in phrases] for phrases in extractor.extract_many(texts, 10, bans)]
    keybert_s = time.perf_counter() - started

    gold_n = sum(len(it.keywords) for it in items) / len(items)
    print(
        f"{len(items)} items (of {len(eligible)} with overview + TMDB keywords), seed {args.seed}, "
        f"{gold_n:.1f} gold keywords per item"
    )
    print("| method | match | precision@5 | recall@10 | seconds |")
    print("|---|---|---|---|---|")
    for row in evaluate(f"KeyBERT (MiniLM, MMR {args.diversity})", keybert_pred, items, keybert_s):
        print(row)
    for row in evaluate("TF-IDF (fit on all overviews)", tfidf_pred, items, tfidf_s):
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
