"""Copy guard pass rate on taglines written by the embedded SmolLM2-135M, against two baselines in one run.

For a seeded sample of catalog items with an overview, the run reports the share of guard passes for:
  llm       — taglines the embedded model wrote (tools.marketing.copy.CopyWriter, the production prompt and few-shot);
  real      — the items' real TMDB taglines (human copy: how often the guard rejects good copy);
  template  — the template fallback (should always pass);
and counts the guard's problems by kind.

Few-shot examples need item vectors: --vectors takes an .npz (ids, vectors) of precomputed MiniLM vectors (the
default /tmp/concierge_item_vectors.npz); without one the built Chroma catalog is opened.

Run: .venv/bin/python bench/copy_guard.py [--sample 100] [--seed 0] [--dtype float32] [--models-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.guard import check_copy
from store.items import CatalogItem
from store.movielens import load_demo_items
from tools.marketing.copy import CopyWriter
from tools.marketing.grounding import Facts

DEFAULT_VECTORS = Path("/tmp/concierge_item_vectors.npz")


class VectorCatalog:
    """The part of CatalogStore CopyWriter uses, over precomputed vectors (benchmark only)."""

    def __init__(self, items: list[CatalogItem], npz: Path) -> None:
        data = np.load(npz, allow_pickle=True)
        row = {str(i): n for n, i in enumerate(data["ids"])}
        self._items = [it for it in items if it.item_id in row]
        self._index = {it.item_id: n for n, it in enumerate(self._items)}
        self.matrix = np.asarray(data["vectors"], dtype=np.float32)[[row[it.item_id] for it in self._items]]

    def items(self) -> list[CatalogItem]:
        return list(self._items)

    def get(self, item_id: str) -> CatalogItem | None:
        n = self._index.get(item_id)
        return None if n is None else self._items[n]

    def vectors(self, item_ids: Sequence[str]) -> np.ndarray:
        return self.matrix[[self._index[i] for i in item_ids]]

    def search(
        self, query: Any, *, exclude_ids: Sequence[str] | None = None, k: int = 10, **_: Any
    ) -> list[tuple[CatalogItem, float]]:
        scores = self.matrix @ np.asarray(query, dtype=np.float32)
        banned = set(exclude_ids or ())
        order = [
            n for n in np.argsort(-scores, kind="stable")[: k + len(banned)] if self._items[n].item_id not in banned
        ]
        return [(self._items[n], float(scores[n])) for n in order[:k]]


def kind(problem: str) -> str:
    """A problem's kind: its text up to the first colon or digit ("too long for tagline", "year", ...)."""
    return re.split(r"[:\d(']", problem, maxsplit=1)[0].strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "int8"])
    parser.add_argument("--models-dir", type=Path, default=None, help="default: settings.models_dir")
    parser.add_argument("--vectors", type=Path, default=DEFAULT_VECTORS)
    parser.add_argument("--show", type=int, default=8, help="print this many example taglines")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from bot.llm.embedded import EmbeddedSmolLM

    settings = Settings()
    items = load_demo_items(settings.data_dir)
    catalog: Any
    if args.vectors.is_file():
        catalog = VectorCatalog(items, args.vectors)
    else:
        from store.catalog import CatalogStore
        from store.embedder import MiniLMEmbedder

        catalog = CatalogStore.open(settings.chroma, MiniLMEmbedder(settings.embed_dtype))
    llm = EmbeddedSmolLM(args.models_dir or settings.models_dir, args.dtype)
    llm.load()
    writer = CopyWriter(catalog, llm, check=check_copy, timeout_s=max(60.0, settings.llm_timeout_s))
    template_writer = CopyWriter(catalog, None, check=check_copy, timeout_s=1.0)
    eligible = [it for it in catalog.items() if it.overview and it.tagline]
    sample = random.Random(args.seed).sample(eligible, min(args.sample, len(eligible)))

    passed = Counter[str]()
    problems = Counter[str]()
    real_problems = Counter[str]()
    examples: list[str] = []
    started = time.perf_counter()
    for n, item in enumerate(sample):
        keywords = list(item.keywords[:5])
        facts = Facts.from_item(item, keywords, writer.common)
        outcome = writer.write(item, "tagline", keywords=keywords)
        llm_ok = not outcome.used_template
        passed["llm"] += llm_ok
        problems.update(kind(p) for p in outcome.guard.problems)
        real = check_copy(item.tagline, "tagline", facts, writer.rules)
        passed["real"] += real.passed
        real_problems.update(kind(p) for p in real.problems)
        template = template_writer.write(item, "tagline", keywords=keywords)
        passed["template"] += not template.template_problems
        if (n + 1) % 10 == 0:
            print(f"{n + 1}/{len(sample)} llm passes {passed['llm']}", file=sys.stderr, flush=True)
        if n < args.show:
            draft = outcome.text if llm_ok else f"[template] {outcome.text} <- {outcome.fallback_reason}"
            examples.append(f"{item.label}: {draft}")
    seconds = time.perf_counter() - started

    total = len(sample)
    print(f"{total} items with overview + tagline, seed {args.seed}, model {llm.name}, {seconds / total:.2f} s/item")
    print("| copy | guard pass rate |")
    print("|---|---|")
    for name, label in (("llm", "SmolLM2-135M taglines"), ("real", "real TMDB taglines"), ("template", "template")):
        print(f"| {label} | {passed[name] / total:.2f} ({passed[name]}/{total}) |")
    print("LLM draft problems: " + ", ".join(f"{k} {v}" for k, v in problems.most_common()))
    print("real tagline problems: " + ", ".join(f"{k} {v}" for k, v in real_problems.most_common()))
    for line in examples:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
