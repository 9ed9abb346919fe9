"""Per-turn latency on the demo catalog: planning + tools + ranking vs LLM time, time to first token.

Usage: python bench/turn.py [--repeats N] [--no-llm]
Targets (issue 4): planning+tools+ranking ≤ 100 ms p95 per turn type; time to first token ≤ 0.8 s p50
for a recommendation turn with the embedded model. Prints a table (markdown).
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


def run_turns(backend, texts: list[str], mode: str, user: str) -> tuple[float, float, float | None]:  # type: ignore[no-untyped-def]
    """Runs a small dialogue; returns (non-LLM ms, LLM ms, time to first token ms) of its last turn."""
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
    return total - reply_ms, reply_ms, ttft


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--llm-repeats", type=int, default=3)
    parser.add_argument("--no-llm", action="store_true")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    backend = build_backend(Settings())
    backend.warm_up()
    run_turns(backend, ["hello"], "template", "bench-warm")
    print("| turn type | non-LLM p50 ms | non-LLM p95 ms | LLM p50 ms | TTFT p50 ms | guard passed |")
    print("|---|---|---|---|---|---|")
    for name, texts in TURNS.items():
        plan_ms = [
            run_turns(backend, texts, "template", f"bench-{uuid.uuid4().hex[:8]}")[0] for _ in range(args.repeats)
        ]
        llm_ms: list[float] = []
        ttfts: list[float] = []
        if not args.no_llm:
            for _ in range(args.llm_repeats):
                _, reply_ms, ttft = run_turns(backend, texts, "llm", f"bench-{uuid.uuid4().hex[:8]}")
                llm_ms.append(reply_ms)
                if ttft is not None:
                    ttfts.append(ttft)
        llm = f"{statistics.median(llm_ms):.0f}" if llm_ms else "-"
        first = f"{statistics.median(ttfts):.0f}" if ttfts else "-"
        print(f"| {name} | {pct(plan_ms, 0.5):.1f} | {pct(plan_ms, 0.95):.1f} | {llm} | {first} | |")


if __name__ == "__main__":
    main()
