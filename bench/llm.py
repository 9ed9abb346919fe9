"""Benchmark of the embedded SmolLM2 engines on the recommendation reply prompt (the "pick" job).

    .venv/bin/python bench/llm.py                 # raw llama.cpp vs the product's engine vs the transformers loop
    .venv/bin/python bench/llm.py --items 20 --threads 1,2

Same GGUF, same prompt (the pick job for N real catalog items, one after another, so the fixed system text and
examples are cached as in a running service), same thread count, greedy decoding. Rows:
- raw llama.cpp: `Llama.create_chat_completion(stream=True)` called directly (the baseline of the target);
- product: bot.llm.llama_cpp.LlamaCppModel.stream (pool, admission gate, deadline checks);
- transformers: bot.llm.embedded.EmbeddedSmolLM (the fallback engine), fewer items (it is slow).
Prints a markdown table: load time, first token p50, decode tokens/s p50, and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.agent.reply_jobs import JOB_MAX_TOKENS, JobKind, ReplyJob
from bot.llm.embedded import EmbeddedSmolLM, find_gguf
from bot.llm.llama_cpp import STOP, LlamaCppModel
from prompts import Prompts
from store.movielens import load_demo_items

Stream = Callable[[list[dict[str, str]]], Iterator[str]]


def job_prompts(data_dir: Path, count: int) -> list[list[dict[str, str]]]:
    items = [i for i in load_demo_items(data_dir) if i.overview]
    items.sort(key=lambda i: -(i.rating_count or 0))
    prompts = Prompts()
    return [ReplyJob.for_item(JobKind.PICK, item, "Popular and well rated").messages(prompts, "film")
            for item in items[:count]]  # fmt: skip


def measure(stream: Stream, prompts: list[list[dict[str, str]]]) -> dict[str, float]:
    """First-token and decode figures over the prompts (the first call warms the cache and is not counted)."""
    first: list[float] = []
    rates: list[float] = []
    for index, messages in enumerate(prompts):
        started = time.perf_counter()
        first_at = None
        pieces = 0
        for _ in stream(messages):
            pieces += 1
            if first_at is None:
                first_at = time.perf_counter()
        ended = time.perf_counter()
        if index == 0 or first_at is None:
            continue
        first.append((first_at - started) * 1000)
        if pieces > 1 and ended > first_at:
            rates.append((pieces - 1) / (ended - first_at))
    return {
        "ttft_ms_p50": statistics.median(first) if first else float("nan"),
        "tok_s_p50": statistics.median(rates) if rates else float("nan"),
        "runs": float(len(first)),
    }


def raw_llama(threads: int) -> tuple[Stream, float]:
    from llama_cpp import Llama

    started = time.perf_counter()
    engine: Any = Llama(model_path=str(find_gguf()), n_ctx=2048, n_threads=threads, n_threads_batch=threads,
                        verbose=False)  # fmt: skip
    load_s = time.perf_counter() - started

    def stream(messages: list[dict[str, str]]) -> Iterator[str]:
        for chunk in engine.create_chat_completion(messages=messages, stream=True, max_tokens=JOB_MAX_TOKENS,
                                                   temperature=0.0, repeat_penalty=1.1,
                                                   stop=list(STOP)):  # fmt: skip
            text = chunk["choices"][0]["delta"].get("content")
            if text:
                yield text

    return stream, load_s


def product(threads: int) -> tuple[Stream, float]:
    model = LlamaCppModel(instances=1, threads=threads, max_wait_s=5.0)
    model.load()

    def stream(messages: list[dict[str, str]]) -> Iterator[str]:
        for delta in model.stream(messages, max_tokens=JOB_MAX_TOKENS, timeout_s=60):
            yield delta.text

    return stream, model.load_seconds or 0.0


def transformers_loop(threads: int, models_dir: Path) -> tuple[Stream, float]:
    model = EmbeddedSmolLM(models_dir, "float32", num_threads=threads)
    model.load()

    def stream(messages: list[dict[str, str]]) -> Iterator[str]:
        for delta in model.stream(messages, max_tokens=JOB_MAX_TOKENS, timeout_s=120):
            yield delta.text

    return stream, model.load_seconds or 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    parser.add_argument("--items", type=int, default=16, help="pick prompts per engine (first one warms up)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--transformers-items", type=int, default=4)
    args = parser.parse_args()
    prompts = job_prompts(args.data_dir, args.items)
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores); prompt: the pick job, {len(prompts)} items")
    print("| engine | threads | load s | first token ms p50 | decode tok/s p50 | vs raw llama.cpp |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (int(t) for t in args.threads.split(",")):
            raw_stream, raw_load = raw_llama(threads)
            raw = measure(raw_stream, prompts)
            ours_stream, ours_load = product(threads)
            ours = measure(ours_stream, prompts)
            slow_stream, slow_load = transformers_loop(threads, Path(tmp))
            slow = measure(slow_stream, prompts[: args.transformers_items])
            for name, row, load_s in (("raw llama.cpp", raw, raw_load), ("product (LlamaCppModel)", ours, ours_load),
                                      ("transformers loop (fallback)", slow, slow_load)):  # fmt: skip
                ratio = row["tok_s_p50"] / raw["tok_s_p50"] if raw["tok_s_p50"] else float("nan")
                print(f"| {name} | {threads} | {load_s:.2f} | {row['ttft_ms_p50']:.0f} | {row['tok_s_p50']:.1f} | "
                      f"{ratio:.2f}x |")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
