"""Per-turn latency on the demo catalog: planning + tools + ranking vs LLM time, time to first token.

Usage: python bench/turn.py [--repeats N] [--no-llm]
Targets: planning+tools+ranking ≤ 100 ms p95 per turn type (issue 4); an LLM turn end to end ≤ 1.0 s p50 on the
demo with the embedded model on llama.cpp (issue 13). "first text" is when the first words reach the user (the
template's statement of the results, streamed before the model's checked sentence); "first model token" is the
engine's own time to its first token for the turn's sentence (target ≤ 150 ms p50, issue 13). The memo of finished
generations (CONCIERGE_LLM_MEMO_SIZE) is off unless --memo: repeats of a turn would replay the first one's sentence.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.agent.events import TextDelta, TurnDone
from bot.concierge import build_backend
from bot.config import Settings
from bot.ops.startup import apply_torch_threads

TURNS = {
    "recommend (cold start)": ["I loved Heat and Ronin, what should I watch?"],
    "recommend (follow-up)": ["I loved Heat and Ronin", "something more recent"],
    "search": ["a heist movie with a twist from the 90s"],
    "similar": ["movies like Toy Story"],
    "item question": ["what is The Godfather about?"],
    "profile": ["what do you know about my taste?"],
    "feedback": ["I loved Heat and Ronin", "I've seen the first one"],
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_turns(backend, texts: list[str], mode: str, user: str) -> tuple[float, float, float | None, str]:  # type: ignore[no-untyped-def]
    """Runs a small dialogue; returns (non-LLM ms, LLM ms, first text ms, reply mode used) of its last turn."""
    session = None
    result = None
    ttft: float | None = None
    for text in texts:
        started = time.perf_counter()
        ttft = None
        for event in backend.run_turn(user_id=user, text=text, session_id=session, reply_mode=mode):
            if isinstance(event, TextDelta) and ttft is None:
                ttft = (time.perf_counter() - started) * 1000.0
            if isinstance(event, TurnDone):
                result = event.result
                session = result.session_id
    assert result is not None
    total = result.timings_ms.get("total", 0.0)
    reply_ms = result.timings_ms.get("reply", 0.0) if mode == "llm" else 0.0
    return total - reply_ms, reply_ms, ttft, result.reply_mode_used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--llm-repeats", type=int, default=3)
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=None, help="torch.set_num_threads (default: CONCIERGE_TORCH_THREADS, 1)"
    )
    parser.add_argument("--memo", action="store_true", help="keep the memo of finished generations on")
    args = parser.parse_args()
    settings = Settings() if args.memo else Settings(llm_memo_size=0)
    apply_torch_threads(args.threads or settings.torch_threads)  # as every concierge command does
    backend = build_backend(settings)
    backend.warm_up()
    model = backend.components.llm()
    run_turns(backend, ["hello"], "template", "bench-warm")
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
    print(
        "| turn type | non-LLM p50 ms | non-LLM p95 ms | LLM turn p50 ms (end to end) | first text p50 ms "
        "| first model token p50 ms | LLM text shown |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, texts in TURNS.items():
        plan_ms = [
            run_turns(backend, texts, "template", f"bench-{uuid.uuid4().hex[:8]}")[0] for _ in range(args.repeats)
        ]
        llm_ms: list[float] = []
        ttfts: list[float] = []
        model_firsts: list[float] = []
        shown = 0
        if not args.no_llm:
            for _ in range(args.llm_repeats):
                before = getattr(model, "last_stats", None)
                plan, reply_ms, ttft, used = run_turns(backend, texts, "llm", f"bench-{uuid.uuid4().hex[:8]}")
                llm_ms.append(plan + reply_ms)
                shown += used == "llm"
                if ttft is not None:
                    ttfts.append(ttft)
                stats = getattr(model, "last_stats", None)
                if stats is not None and stats is not before:
                    model_firsts.append(stats.first_token_s * 1000)
        llm = f"{statistics.median(llm_ms):.0f}" if llm_ms else "-"
        first = f"{statistics.median(ttfts):.0f}" if ttfts else "-"
        share = f"{shown}/{len(llm_ms)}" if llm_ms else "-"
        model_first = f"{statistics.median(model_firsts):.0f}" if model_firsts else "-"
        print(f"| {name} | {pct(plan_ms, 0.5):.1f} | {pct(plan_ms, 0.95):.1f} | {llm} | {first} | {model_first} "
              f"| {share} |")  # fmt: skip


if __name__ == "__main__":
    main()
