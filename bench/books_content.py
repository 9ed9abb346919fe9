"""What the content + popularity ranker recommends on the books catalog (no interaction history): the top items for
"similar to" a few well-known books, for a liked pair, for a free-text wish and with nothing known, with their
reasons and score parts, plus the latency of one ranking.

The books home is built with `CONCIERGE_HOME=./var-books concierge build-demo --catalog books --skip-llm`.
The measured output is in docs/catalog.md ("Recommending without interaction history").

Run: CONCIERGE_HOME=./var-books .venv/bin/python bench/books_content.py [--k 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from store.catalog import CatalogStore
from store.embedder import MiniLMEmbedder
from tools.recommender.content import ContentRanker
from tools.recommender.hybrid import RankRequest
from tools.titles import TitleIndex

ANCHORS = ("The Hunger Games", "The Hobbit", "Gone Girl", "Pride and Prejudice", "The Da Vinci Code")
LIKED_PAIR = ("Divergent", "The Maze Runner")
QUERIES = ("a fantasy novel with dragons", "a murder mystery")


def show(title: str, catalog: CatalogStore, ranker: ContentRanker, request: RankRequest) -> float:
    started = time.perf_counter()
    items = ranker.rank(request)
    took = (time.perf_counter() - started) * 1000
    print(f"\n== {title} ({took:.0f} ms)")
    for n, scored in enumerate(items, 1):
        parts = scored.provenance.get("score_parts", {})
        authors = scored.item.extra.get("authors", "")
        shown = ", ".join(f"{k}={v:.2f}" for k, v in parts.items() if v)
        print(f"{n:2}. {scored.item.label} — {authors}\n      {scored.reason}   [{shown}]")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = Settings()
    embedder = MiniLMEmbedder(settings.embed_dtype)
    catalog = CatalogStore.open(settings.chroma, embedder)
    titles = TitleIndex(catalog.items())
    ranker = ContentRanker(catalog)
    everything = np.ones(catalog.count(), dtype=bool)
    times = []
    for ref in ANCHORS:
        anchor = titles.resolve(ref)
        keep = catalog.mask(exclude_ids=[anchor.item_id])
        times.append(
            show(f"similar to {anchor.label}", catalog, ranker, RankRequest({anchor.item_id: 1.0}, keep, args.k))
        )
    liked = {titles.resolve(ref).item_id: 1.0 for ref in LIKED_PAIR}
    times.append(show(f"liked {' + '.join(LIKED_PAIR)}", catalog, ranker, RankRequest(liked, everything, args.k)))
    for query in QUERIES:
        vector = embedder.embed([query])[0]
        request = RankRequest({}, everything, args.k, vector, query)
        times.append(show(f"query “{query}”", catalog, ranker, request))
    times.append(show("nothing known (a new user)", catalog, ranker, RankRequest({}, everything, args.k)))
    print(f"\nranking latency: median {np.median(times):.0f} ms over {len(times)} requests ({catalog.count()} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
