"""Router accuracy and latency on tests/data/router_labelled.yaml: real MiniLM vs the HashingEmbedder baseline.

Prints per-intent precision / recall, a confusion table, slot accuracy (every expected slot of an utterance
right) and route() latency (p50 / p95 over all utterances, after one warm-up pass), for each embedder.

With --language zh (es, fr, de, or all): the labelled set of that language (tests/data/router_<code>.yaml), each
message glossed into English first (bot/agent/router/multilingual.py), with the real MiniLM; a table per language.

With --labelled redial: the real ReDial seeker messages (tests/data/router_redial.yaml) beside the product's own set,
a summary table of both and the ReDial set's most frequent failure kinds with example messages.

Run: .venv/bin/python bench/router.py [--only minilm|hashing] [--errors] [--language zh|es|fr|de|all]
     [--labelled router|redial]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.router_eval import REDIAL_LABELLED, ROOT, Case, Report, evaluate, labelled_path, load_cases
from bot.agent.router.gloss import shipped_gloss_languages
from bot.agent.router.multilingual import MultilingualRouter
from bot.agent.router.routing import Router
from store.embedder import Embedder, HashingEmbedder, MiniLMEmbedder
from store.movielens import load_demo_items
from tools.names import Intent


def print_report(name: str, report: Report, show_errors: bool) -> None:
    counts = Counter(report.pairs)
    print(
        f"\n== {name}: intent accuracy {report.accuracy:.3f} ({len(report.pairs)} utterances), "
        f"slot accuracy {report.slot_accuracy:.3f}"
    )
    print(f"{'intent':15} {'n':>4} {'precision':>9} {'recall':>7}")
    for intent in Intent:
        tp = counts[(intent, intent)]
        predicted = sum(v for (e, p), v in counts.items() if p == intent)
        actual = sum(v for (e, p), v in counts.items() if e == intent)
        precision = tp / predicted if predicted else float("nan")
        recall = tp / actual if actual else float("nan")
        print(f"{intent:15} {actual:4d} {precision:9.2f} {recall:7.2f}")
    short = {i: i[:5] for i in Intent}
    print("\nconfusion (rows = expected, columns = predicted)")
    print(" " * 15 + " ".join(f"{short[i]:>5}" for i in Intent))
    for e in Intent:
        print(f"{e:15}" + " ".join(f"{counts[(e, p)] or '.':>5}" for p in Intent))
    lat = sorted(report.latencies_ms)
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
    print(f"\nroute() latency: p50 {statistics.median(lat):.1f} ms, p95 {p95:.1f} ms, max {lat[-1]:.1f} ms")
    if show_errors:
        print("\nerrors:")
        for line in report.errors:
            print("  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["minilm", "hashing"])
    parser.add_argument("--errors", action="store_true", help="list misrouted utterances")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    parser.add_argument("--language", help="a language's labelled set, glossed (zh, es, fr, de), or all of them")
    parser.add_argument(
        "--labelled",
        choices=["router", "redial"],
        default="router",
        help="redial: the real ReDial messages (tests/data/router_redial.yaml) beside the product's own set",
    )
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    items = load_demo_items(ROOT / "data")
    if args.language:
        return languages_report(items, args.language, args.errors)
    cases = load_cases()
    sets = {"router": cases, "redial": load_cases(REDIAL_LABELLED)} if args.labelled == "redial" else {}
    embedders: dict[str, Embedder] = {}
    if args.only in (None, "hashing"):
        embedders["hashing (baseline)"] = HashingEmbedder()
    if args.only in (None, "minilm"):
        embedders["minilm"] = MiniLMEmbedder()
    for name, embedder in embedders.items():
        started = time.perf_counter()
        router = Router(embedder, None, items=items)
        print(f"\n{name}: router built in {time.perf_counter() - started:.1f} s")
        evaluate(router, cases)  # warm-up
        if sets:
            redial_report(name, router, sets, args.errors)
            continue
        print_report(name, evaluate(router, cases), args.errors)
        embed_ms = []
        for case in cases:
            started = time.perf_counter()
            embedder.embed([case.text])
            embed_ms.append((time.perf_counter() - started) * 1000.0)
        embed_ms.sort()
        p95 = embed_ms[min(len(embed_ms) - 1, int(0.95 * len(embed_ms)))]
        print(f"of which one message embedding alone: p50 {statistics.median(embed_ms):.1f} ms, p95 {p95:.1f} ms")
    return 0


def redial_report(name: str, router: Router, sets: dict[str, list[Case]], show_errors: bool) -> None:
    """The ReDial set's full report, a table of every set side by side, and the ReDial set's failure kinds."""
    reports = {label: evaluate(router, set_cases) for label, set_cases in sets.items()}
    print_report(f"{name}, ReDial seeker messages", reports["redial"], show_errors)
    print(f"\n{'set':8} {'n':>4} {'intent':>7} {'tools+slots':>11} {'both':>6}")
    for label, report in reports.items():
        n = len(report.pairs)
        print(f"{label:8} {n:4d} {report.accuracy:7.3f} {report.slot_accuracy:11.3f} {report.exact_accuracy:6.3f}")
    kinds = Counter(kind for kind, _ in reports["redial"].kinds)
    print("\nReDial failure kinds (utterances with a wrong intent or slot):")
    for kind, count in kinds.most_common(12):
        print(f"  {count:4d}  {kind}")
    print("\nexamples (up to 2 of each kind, most frequent kinds first):")
    examples = [(kind, [t for k, t in reports["redial"].kinds if k == kind][:2]) for kind, _ in kinds.most_common()]
    for kind, text in [(kind, text) for kind, texts in examples for text in texts][:10]:
        print(f"  [{kind}] {text[:100]!r}")


def languages_report(items: list[Any], language: str, show_errors: bool) -> int:
    """Each language's labelled set through the multilingual router (real MiniLM), and a summary table."""
    codes = list(shipped_gloss_languages()) if language == "all" else [language]
    english = Router(MiniLMEmbedder(), None, items=items)
    rows = []
    for code in codes:
        router = MultilingualRouter.for_languages(english, [code], items)
        cases = load_cases(labelled_path(code), code)
        evaluate(router, cases)  # warm-up (jieba's dictionary)
        report = evaluate(router, cases)
        print_report(f"{code} (glossed)", report, show_errors)
        rows.append((code, len(cases), report.accuracy, report.slot_accuracy))
    print(f"\n{'language':8} {'n':>4} {'intent':>7} {'slots':>7}")
    print("\n".join(f"{code:8} {n:4d} {intent:7.3f} {slots:7.3f}" for code, n, intent, slots in rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
