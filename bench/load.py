"""Load: many simulated users chat concurrently through the HTTP API on 127.0.0.1 for a bounded time.

Usage: python bench/load.py [--users 32] [--duration 60] [--mode template|llm|both] [--max-turns N]
                            [--url URL --jwt-secret SECRET [--pid PID]]
Without --url it serves a private copy of the demo home (auth=jwt, a test secret, a rate limit far above the
bench's per-user rate). Each user has its own JWT and user id and runs bench/load_client.py's script: feedback
on its own disjoint items, then sessions of "something like X but funnier" / "more recent" (SSE) / "tell me about
the first one" / a genre+decade search / "what do you know about my taste?", each followed by checks of the
transcript, the profile and a probe of another user's session. Reports turns/s, p50/p95/max turn latency,
errors, cross-talk, server peak RSS (VmHWM) and load average; exits 1 when errors or cross-talk > 0.
Target (issue): 32 users, 0 errors, 0 cross-talk, in template and in llm mode.
`python bench/load.py --ui [...]` runs bench/load_ui.py instead: 8 UI visitors (gradio_client) + 32 API users.
`python bench/load.py --cluster [...]` runs bench/load_cluster.py: one instance against two (and `--workers 2`) over
PostgreSQL + a Chroma server.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.load_client import ANCHORS, PRESET, SEARCHES, Conversation, SimUser, Tally, new_nonce
from bot.config import REPO_ROOT
from bot.http.auth import issue_token

SECRET = "load-bench-test-secret-0123456789abcdef"  # test-only HS256 secret (>= 32 characters)
RATE_PER_MINUTE = 100_000
DEFAULT_RATE = 60  # CONCIERGE_RATE_PER_MINUTE's default
MOVIES = REPO_ROOT / "data" / "ml-latest-small" / "movies.csv"


@dataclass(slots=True)
class PhaseReport:
    mode: str
    users: int
    elapsed_s: float
    tally: Tally
    max_user_rate: float = 0.0  # requests per minute of the busiest user
    rss_mb: tuple[float, float] | None = None  # (VmHWM, VmRSS) of the server after the phase
    load: tuple[float, float, float] = field(default_factory=lambda: os.getloadavg())

    @property
    def turns(self) -> int:
        return len(self.tally.latencies_ms)

    def pct(self, q: float) -> float:
        ordered = sorted(self.tally.latencies_ms) or [0.0]
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def catalog_ids(count: int, seed: int = 7) -> list[str]:
    """`count` distinct demo catalog item ids (MovieLens movieIds), in a fixed shuffled order."""
    with MOVIES.open(encoding="utf-8", newline="") as handle:
        ids = [row["movieId"] for row in csv.DictReader(handle)]
    random.Random(seed).shuffle(ids)
    if count > len(ids):
        raise ValueError(f"{count} preset items asked, the catalog has {len(ids)}")
    return ids[:count]


def make_users(secret: str, count: int, mode: str, items: list[str], run: str) -> list[SimUser]:
    """`count` users, each with its own token, nonce and len(PRESET) of `items` (disjoint slices)."""
    rng = random.Random(f"{run}-{mode}")
    users = []
    for n in range(count):
        user_id = f"load-{run}-{mode}-{n:03d}"
        mine = items[n * len(PRESET) : (n + 1) * len(PRESET)]
        users.append(
            SimUser(
                user_id=user_id,
                token=issue_token(secret, user_id),
                nonce=new_nonce(rng),
                anchor=ANCHORS[n % len(ANCHORS)],
                search=SEARCHES[n % len(SEARCHES)],
                preset=dict(zip(mine, PRESET, strict=True)),
            )
        )
    return users


def read_rss_mb(pid: int | None) -> tuple[float, float] | None:
    """(VmHWM, VmRSS) of a process in MB, from /proc/<pid>/status; None when unknown."""
    if pid is None:
        return None
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    values = {k: float(v.split()[0]) / 1024.0 for k, _, v in (line.partition(":") for line in lines) if k in
              ("VmHWM", "VmRSS")}  # fmt: skip
    return values.get("VmHWM", 0.0), values.get("VmRSS", 0.0)


def warm_up(url: str, secret: str, mode: str) -> None:
    """One turn in this mode before timing (loads the LLM in llm mode); not counted."""
    user = f"load-warm-{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {issue_token(secret, user)}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        session = client.post("/api/v1/sessions").json()["session_id"]
        body = {"text": "something like Heat but funnier", "reply_mode": mode}
        client.post(f"/api/v1/sessions/{session}/messages", json=body).raise_for_status()


def run_users(url: str | list[str], people: list[SimUser], *, mode: str, duration_s: float,
              max_turns: int | None = None, pid: int | None = None) -> PhaseReport:  # fmt: skip
    """Every user concurrently (one thread and one HTTP connection pool each) for duration_s or max_turns each;
    with several URLs (instances), user n talks to url n mod their number."""
    everyone = {u.user_id: u for u in people}
    tally = Tally()
    timeout_s = 60.0 if mode == "template" else 240.0
    urls = [url] if isinstance(url, str) else url
    conversations = [Conversation(urls[n % len(urls)], u, tally, everyone, mode, timeout_s)
                     for n, u in enumerate(people)]  # fmt: skip
    started = time.monotonic()
    deadline = started + duration_s
    threads = [threading.Thread(target=c.run, args=(deadline, max_turns), daemon=True) for c in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    busiest = max((c.sent for c in conversations), default=0)
    return PhaseReport(mode, len(people), elapsed, tally, busiest / elapsed * 60.0, read_rss_mb(pid))


def run_phase(url: str | list[str], secret: str, *, users: int, duration_s: float, mode: str,
              max_turns: int | None = None, pid: int | None = None) -> PhaseReport:  # fmt: skip
    """A warm-up turn per URL (not counted), then `users` fresh users with disjoint preset items (user n on URL n
    mod their number)."""
    for one in [url] if isinstance(url, str) else url:
        warm_up(one, secret, mode)
    people = make_users(secret, users, mode, catalog_ids(users * len(PRESET)), uuid.uuid4().hex[:6])
    return run_users(url, people, mode=mode, duration_s=duration_s, max_turns=max_turns, pid=pid)


def server_log_problems(path: Path) -> list[str]:
    """Lines of the served process's log that report an error or a traceback (none expected under load)."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if " ERROR " in line or "Traceback" in line or "database is locked" in line]


def print_report(reports: list[PhaseReport]) -> None:
    base = next((r for r in reports if r.mode == "template" and r.turns), None)
    print(
        "| mode | users | elapsed s | turns | turns/s | p50 ms | p95 ms | max ms | p50 × template | requests "
        "| errors | cross-talk | replies (llm/template) | llm fallbacks | server VmHWM MB | load avg 1/5 min |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in reports:
        ratio = f"{r.pct(0.5) / base.pct(0.5):.1f}" if base and base.pct(0.5) else "-"
        replies = f"{r.tally.reply_modes.get('llm', 0)}/{r.tally.reply_modes.get('template', 0)}"
        fallbacks = ", ".join(f"{k} {v}" for k, v in sorted(r.tally.fallbacks.items())) or "0"
        rss = f"{r.rss_mb[0]:.0f}" if r.rss_mb else "-"
        print(f"| {r.mode} | {r.users} | {r.elapsed_s:.1f} | {r.turns} | {r.turns / r.elapsed_s:.2f} "
              f"| {r.pct(0.5):.0f} | {r.pct(0.95):.0f} | {r.pct(1.0):.0f} | {ratio} | {r.tally.requests} "
              f"| {len(r.tally.errors)} | {len(r.tally.crosstalk)} | {replies} | {fallbacks} | {rss} "
              f"| {r.load[0]:.2f} / {r.load[1]:.2f} |")  # fmt: skip
    for r in reports:
        for label, lines in (("error", r.tally.errors), ("cross-talk", r.tally.crosstalk)):
            for line in lines[:15]:
                print(f"  {r.mode} {label}: {line}")
            if len(lines) > 15:
                print(f"  {r.mode}: ... {len(lines) - 15} more {label} lines")


def main() -> int:
    if "--ui" in sys.argv[1:]:  # the UI + API concurrency bench
        from bench.load_ui import main as load_ui

        return load_ui([a for a in sys.argv[1:] if a != "--ui"])
    if "--cluster" in sys.argv[1:]:  # several instances over PostgreSQL + a Chroma server
        from bench.load_cluster import main as load_cluster

        return load_cluster([a for a in sys.argv[1:] if a != "--cluster"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per mode (turns in flight finish)")
    parser.add_argument("--mode", choices=["template", "llm", "both"], default="both")
    parser.add_argument("--max-turns", type=int, default=None, help="turns per user (default: bounded by time)")
    parser.add_argument("--url", help="a running server (auth=jwt with --jwt-secret) instead of a private one")
    parser.add_argument("--jwt-secret", default=SECRET)
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for its peak RSS")
    args = parser.parse_args()
    modes = ["template", "llm"] if args.mode == "both" else [args.mode]
    print(f"# load: {args.users} users, {args.duration:g} s per mode, modes {', '.join(modes)}, "
          f"{os.cpu_count()} cores, load avg before {os.getloadavg()[0]:.2f}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="concierge-load-") as tmp:
        server = None
        url, pid = args.url, args.pid
        if url is None:
            from tests.served_demo import ServedConcierge, demo_home_copy

            home = demo_home_copy(Path(tmp) / "home")
            server = ServedConcierge(home, auth="jwt", jwt_secret=args.jwt_secret, rate_per_minute=str(RATE_PER_MINUTE))
            started = time.monotonic()
            url, pid = server.start().url, server.proc.pid if server.proc else None
            print(
                f"# served a private demo copy at {url} (ready in {time.monotonic() - started:.0f} s): auth=jwt, "
                f"CONCIERGE_RATE_PER_MINUTE={RATE_PER_MINUTE} (default {DEFAULT_RATE} would refuse this load)"
            )
        else:
            print(
                f"# server {url}: its own CONCIERGE_RATE_PER_MINUTE must exceed the busiest user's rate below; "
                "a 429 counts as an error"
            )
        try:
            reports = [run_phase(url, args.jwt_secret, users=args.users, duration_s=args.duration, mode=mode,
                                 max_turns=args.max_turns, pid=pid) for mode in modes]  # fmt: skip
        finally:
            problems = server_log_problems(server.log_path) if server is not None else []
            if server is not None:
                server.stop()
    print_report(reports)
    print(f"# server log: {len(problems)} error/traceback lines" if server is not None else "# server log: not ours")
    for line in problems[:10]:
        print(f"  server: {line}")
    busiest = max(r.max_user_rate for r in reports)
    print(
        f"# busiest simulated user: {busiest:.0f} requests/min (server limit: "
        f"{RATE_PER_MINUTE if args.url is None else 'see server'}/min per user)"
    )
    failed = sum(len(r.tally.errors) + len(r.tally.crosstalk) for r in reports) + len(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
