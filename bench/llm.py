"""Benchmark of the embedded SmolLM2: load time, time to first token, decode speed per dtype/threads.

    .venv/bin/python bench/llm.py                       # table of load / TTFT / tok/s
    .venv/bin/python bench/llm.py --samples 30          # + guard pass rate on real recommendation blurbs
    .venv/bin/python bench/llm.py --json

Baseline in the same run: transformers `generate()` + TextIteratorStreamer (float32, same prompt).
The first load converts the GGUF into a fresh temporary models dir (so it is always measured).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.agent.events import ItemView
from bot.guard import KnownTitles, check_reply
from bot.llm.embedded import EmbeddedSmolLM
from prompts import Prompts
from store.items import CatalogItem
from store.movielens import load_demo_items

REQUESTS = [
    ("Recommend me a good sci-fi movie", ["Sci-Fi"]),
    ("I want something funny tonight", ["Comedy"]),
    ("any scary horror films?", ["Horror"]),
    ("Looking for a romantic movie for date night", ["Romance"]),
    ("What are some great animated films for kids?", ["Animation"]),
    ("Suggest a crime thriller", ["Crime", "Thriller"]),
    ("I love westerns, what should I watch?", ["Western"]),
    ("Give me a war movie", ["War"]),
    ("show me some documentaries", ["Documentary"]),
    ("I'm in the mood for a musical", ["Musical"]),
    ("something like a mystery with a twist", ["Mystery"]),
    ("fantasy adventure please", ["Fantasy", "Adventure"]),
    ("an action movie with lots of explosions", ["Action"]),
    ("a sad drama that will make me cry", ["Drama"]),
    ("film noir classics", ["Film-Noir"]),
]
CANARY = "ZX-CANARY-41"


def build_messages(prompts: Prompts, text: str, views: list[ItemView]) -> list[dict[str, str]]:
    """The reply prompt: system.j2 + reply_llm.j2 of the prompt folder (the product's prompts/ by default)."""
    return [
        {"role": "system", "content": prompts.render("system.j2", catalog_name="MovieLens demo", canary=CANARY)},
        {
            "role": "user",
            "content": prompts.render(
                "reply_llm.j2", user_text=text, items=views, facts="", fallback_instruction="Answer briefly."
            ),
        },
    ]


def pick_views(items: list[CatalogItem], genres: list[str], rng: random.Random) -> list[ItemView]:
    pool = [i for i in items if all(g in i.genres for g in genres)][:200]
    picks = rng.sample(pool, k=min(len(pool), rng.choice([3, 4, 5])))
    return [ItemView(p.item_id, p.title, p.year, p.genres, "matches your request", 1.0) for p in picks]


def run_config(
    models_dir: Path, dtype: str, threads: int, messages: list[dict[str, str]], max_tokens: int, repeats: int
) -> dict:
    """Load one dtype, warm up, report the best of `repeats` runs (shared machine: best = least disturbed)."""
    import torch

    torch.set_num_threads(threads)
    model = EmbeddedSmolLM(models_dir, dtype)  # type: ignore[arg-type]
    model.load()
    row: dict[str, Any] = {"path": f"decode loop {dtype}", "threads": threads, "load_s": model.load_seconds}
    text = "".join(d.text for d in model.stream(messages, max_tokens=max_tokens, timeout_s=600))  # warm-up
    runs = []
    for _ in range(repeats):
        "".join(d.text for d in model.stream(messages, max_tokens=max_tokens, timeout_s=600))
        assert model.last_stats is not None
        runs.append(model.last_stats)
    row.update(
        prompt_tokens=runs[0].prompt_tokens,
        tokens=runs[0].generated_tokens,
        ttft_s=min(r.first_token_s for r in runs),
        tok_s=max(r.decode_tokens_per_s for r in runs),
        text=text[:80],
    )
    return row


def run_generate_baseline(
    models_dir: Path, threads: int, messages: list[dict[str, str]], max_tokens: int, repeats: int
) -> dict:
    """transformers generate() with TextIteratorStreamer in a thread, float32; best of `repeats` after a warm-up."""
    import torch
    from transformers import TextIteratorStreamer

    torch.set_num_threads(threads)
    model = EmbeddedSmolLM(models_dir, "float32")
    model.load()
    hf, tok = model._model, model._tokenizer
    ids = torch.tensor([model.encode(messages)])
    row: dict[str, Any] = {"path": "generate() float32 (baseline)", "threads": threads, "load_s": model.load_seconds}
    best_first, best_rate = float("inf"), 0.0
    for _ in range(repeats + 1):
        streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
        kwargs = {"input_ids": ids, "max_new_tokens": max_tokens, "do_sample": False, "streamer": streamer}
        started = time.perf_counter()
        worker = threading.Thread(target=hf.generate, kwargs=kwargs)
        worker.start()
        first = None
        pieces = []
        for piece in streamer:
            if piece and first is None:
                first = time.perf_counter() - started
            pieces.append(piece)
        worker.join()
        total = time.perf_counter() - started
        n_tokens = len(tok("".join(pieces), add_special_tokens=False)["input_ids"])
        first = first or total
        if _ > 0:  # run 0 is the warm-up
            best_first = min(best_first, first)
            best_rate = max(best_rate, (n_tokens - 1) / (total - first))
    row.update(prompt_tokens=ids.shape[1], tokens=n_tokens, ttft_s=best_first, tok_s=best_rate)
    row["text"] = "".join(pieces)[:80]
    return row


def guard_samples(models_dir: Path, dtype: str, count: int, items: list[CatalogItem], prompts: Prompts) -> dict:
    model = EmbeddedSmolLM(models_dir, dtype)  # type: ignore[arg-type]
    known = KnownTitles(i.title for i in items)
    rng = random.Random(7)
    popular = [i for i in items if i.rating_count >= 20]
    results = []
    for n in range(count):
        text, genres = REQUESTS[n % len(REQUESTS)]
        views = pick_views(popular, genres, rng)
        reply = "".join(d.text for d in model.stream(build_messages(prompts, text, views), timeout_s=600)).strip()
        report = check_reply(
            reply,
            allowed_titles=[v.title for v in views],
            allowed_years=[v.year for v in views if v.year],
            forbidden=[CANARY],
            known_titles=known,
        )
        results.append({"request": text, "text": reply, "passed": report.passed, "problems": list(report.problems)})
    passed = sum(bool(r["passed"]) for r in results)
    return {"dtype": dtype, "count": count, "passed": passed, "samples": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per configuration (best is reported)")
    parser.add_argument("--dtypes", default="float32,int8,bfloat16")
    parser.add_argument("--samples", type=int, default=0, help="also generate N blurbs and report the guard pass rate")
    parser.add_argument("--samples-dtype", default="float32", help="dtype used for --samples")
    parser.add_argument("--prompts", type=Path, default=None, help="prompt folder with system.j2 + reply_llm.j2")
    parser.add_argument("--skip-speed", action="store_true", help="only the --samples part")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    items = load_demo_items(args.data_dir)
    rng = random.Random(3)
    messages = build_messages(Prompts(), "Suggest a crime thriller", pick_views(items, ["Crime", "Thriller"], rng))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-llm-") as tmp:
        models_dir = Path(tmp)
        started = time.perf_counter()
        first = EmbeddedSmolLM(models_dir, "float32")
        first.load()
        first_load = time.perf_counter() - started
        del first
        threads = [] if args.skip_speed else [int(t) for t in args.threads.split(",")]
        for count in threads:
            rows.append(run_generate_baseline(models_dir, count, messages, args.max_tokens, args.repeats))
            for dtype in args.dtypes.split(","):
                rows.append(run_config(models_dir, dtype, count, messages, args.max_tokens, args.repeats))
        prompts = Prompts(args.prompts) if args.prompts else Prompts()
        samples = guard_samples(models_dir, args.samples_dtype, args.samples, items, prompts) if args.samples else None
    for count in threads:
        base = next(r for r in rows if r["threads"] == count and r["path"].startswith("generate"))
        for row in rows:
            if row["threads"] == count:
                row["speedup"] = row["tok_s"] / base["tok_s"] if base["tok_s"] else 0.0
    if args.json:
        print(json.dumps({"first_load_s": first_load, "rows": rows, "guard": samples}, indent=2))
        return 0
    print(f"first load (GGUF dequantize + save safetensors): {first_load:.1f} s; best of {args.repeats} runs")
    if rows:
        print(f"prompt: {rows[0]['prompt_tokens']} tokens, max_tokens={args.max_tokens}, greedy\n")
    header = f"{'path':<32} {'thr':>3} {'load s':>7} {'TTFT s':>7} {'tokens':>6} {'tok/s':>6} {'vs base':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['path']:<32} {row['threads']:>3} {row['load_s']:>7.2f} {row['ttft_s']:>7.2f} "
            f"{row['tokens']:>6} {row['tok_s']:>6.1f} {row['speedup']:>6.2f}x"
        )
    if samples:
        print(f"\nguard on {samples['count']} real blurbs ({samples['dtype']}): {samples['passed']} passed")
        for sample in samples["samples"]:
            verdict = "PASS" if sample["passed"] else "FAIL"
            print(f"  {verdict} {sample['text'][:100]!r} {'; '.join(sample['problems'])[:120]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
