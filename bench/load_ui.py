"""Concurrency of the UI and the API: 8 browser-less UI visitors (gradio_client) and 32 API users (httpx).

Usage: python bench/load_ui.py [--visitors 8] [--users 32] [--turns 3] [--token-delay 0.1] [--real]
(also: python bench/load.py --ui ...). The server runs in a subprocess (so the clients' threads do not share its
GIL): by default create_app + mount_ui over bot.testing.FakeBackend, whose turns stream ~12 words with
`token_delay_s` before each (a known, sleep-bound turn time); with --real, `concierge serve` over a private copy
of the demo home (template replies). Phases, each against a fresh server:
  baseline  CONCIERGE_UI_CONCURRENCY=1 (Gradio's default: one event at a time), the visitors at once
  ui        the setting's default (max(4, 2 x cores)): one visitor alone, then the visitors at once
  api       the users at once, each `--turns` JSON turns through /api/v1/sessions/{id}/messages
Target (issue 17): p95 of the concurrent visitors <= 2x the single visitor's turn, 0 errors.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bot.config import default_ui_concurrency
from bot.http.auth import issue_token

SECRET = "load-ui-bench-secret-0123456789abcdef"  # test-only HS256 secret
RATE = "100000"  # far above the bench's per-user rate


@dataclass(slots=True)
class Phase:
    name: str
    clients: int
    concurrency: str
    latencies_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_s) or [0.0]
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def serve_fake(port: int, token_delay_s: float, ui_concurrency: int) -> None:
    """The server process of the fake mode (`--serve`): API + UI over a FakeBackend, until killed."""
    import uvicorn

    from bot.http.app import create_app
    from bot.http.gradio_ui import mount_ui
    from bot.testing.fake_backend import FakeBackend
    from tests.fake_backend import make_settings

    with tempfile.TemporaryDirectory(prefix="concierge-load-ui-") as home:
        limits = {"rate_per_minute": int(RATE), "ui_concurrency": ui_concurrency}
        settings = make_settings(Path(home), jwt_secret=SECRET, **limits)
        backend = FakeBackend(token_delay_s=token_delay_s)
        app = mount_ui(create_app(settings, backend), settings, backend)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@contextmanager
def server(args: argparse.Namespace, ui_concurrency: int) -> Iterator[str]:
    """A fresh server (fake or --real) with this UI concurrency; yields its URL."""
    from tests.fake_backend import free_port

    if args.real:
        from tests.served_demo import ServedConcierge, demo_home_copy

        with tempfile.TemporaryDirectory(prefix="concierge-load-ui-") as tmp:
            served = ServedConcierge(demo_home_copy(Path(tmp) / "home"), auth="jwt", jwt_secret=SECRET,
                                     rate_per_minute=RATE, ui_concurrency=str(ui_concurrency))  # fmt: skip
            try:
                yield served.start().url
            finally:
                served.stop()
        return
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(port), "--token-delay", str(args.token_delay)]
    proc = subprocess.Popen([*command, "--ui-concurrency", str(ui_concurrency)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bench server did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def visitor(url: str) -> Callable[[str], float]:
    """A UI visitor (its own gradio session): a function that sends one message and returns the turn's seconds."""
    from gradio_client import Client

    client = Client(url + "/", verbose=False)

    def turn(text: str) -> float:
        client.predict(text, api_name="/lambda_1")  # the box's submit puts the text in the visitor's state
        started = time.perf_counter()
        chat, _chart, _summary = client.predict([], "new visitor", "llm", "auto", api_name="/respond")
        took = time.perf_counter() - started
        if not chat or chat[-1]["role"] != "assistant":
            raise RuntimeError(f"no reply in {chat!r:.200}")
        return took

    return turn


def run_all(phase: Phase, work: list[Callable[[], list[float]]]) -> Phase:
    """Every worker at once, in its own thread (started together at a barrier); latencies and errors collected."""
    barrier, lock = threading.Barrier(len(work)), threading.Lock()

    def worker(job: Callable[[], list[float]]) -> None:
        barrier.wait()
        try:
            found = job()
        except Exception as exc:  # a failed visitor or user is an error row, not a crash of the bench
            with lock:
                phase.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return
        with lock:
            phase.latencies_s.extend(found)

    threads = [threading.Thread(target=worker, args=(job,)) for job in work]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.elapsed_s, phase.load = time.monotonic() - started, os.getloadavg()
    return phase


def ui_phase(url: str, name: str, visitors: int, turns: int, concurrency: int) -> Phase:
    people = [visitor(url) for _ in range(visitors)]  # connected before timing
    jobs = [lambda turn=turn, n=n: [turn(f"heat number {n} turn {t}") for t in range(turns)]
            for n, turn in enumerate(people)]  # fmt: skip
    return run_all(Phase(name, visitors, str(concurrency)), jobs)


def api_user(url: str, n: int, turns: int) -> list[float]:
    user = f"load-ui-{n:03d}"
    headers = {"Authorization": f"Bearer {issue_token(SECRET, user)}"}
    took = []
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        session = client.post("/api/v1/sessions").raise_for_status().json()["session_id"]
        for t in range(turns):
            started = time.perf_counter()
            body = {"text": f"heat for user {n} turn {t}", "reply_mode": "llm"}
            reply = client.post(f"/api/v1/sessions/{session}/messages", json=body).raise_for_status().json()
            took.append(time.perf_counter() - started)
            if reply["session_id"] != session:
                raise RuntimeError(f"user {n} got session {reply['session_id']}, sent {session}")
    return took


def print_report(single: Phase, phases: list[Phase]) -> None:
    alone = single.pct(0.5)
    print("| phase | clients | UI concurrency | turns | p50 s | p95 s | max s | p95 × single | turns/s | errors "
          "| load avg 1/5 min |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for p in [single, *phases]:
        ratio = f"{p.pct(0.95) / alone:.2f}" if alone else "-"
        rate = len(p.latencies_s) / p.elapsed_s if p.elapsed_s else 0.0
        print(f"| {p.name} | {p.clients} | {p.concurrency} | {len(p.latencies_s)} | {p.pct(0.5):.2f} "
              f"| {p.pct(0.95):.2f} | {p.pct(1.0):.2f} | {ratio} | {rate:.2f} | {len(p.errors)} "
              f"| {p.load[0]:.2f} / {p.load[1]:.2f} |")  # fmt: skip
    for p in phases:
        for line in p.errors[:5]:
            print(f"  {p.name} error: {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--turns", type=int, default=3, help="turns per visitor / API user")
    parser.add_argument("--token-delay", type=float, default=0.1, help="fake mode: seconds before each word")
    parser.add_argument("--real", action="store_true", help="the real backend (concierge serve, demo home)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ui-concurrency", type=int, default=default_ui_concurrency(), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_fake(args.serve, args.token_delay, args.ui_concurrency)
        return 0
    backend = "real demo backend (llm mode, embedded model)" if args.real else f"FakeBackend, {args.token_delay} s/word"
    print(f"# load_ui: {args.visitors} UI visitors, {args.users} API users, {args.turns} turns each; {backend}; "
          f"{os.cpu_count()} cores, load avg before {os.getloadavg()[0]:.2f}")  # fmt: skip
    default = default_ui_concurrency()
    with server(args, 1) as url:
        baseline = ui_phase(url, "ui, Gradio default (baseline)", args.visitors, 1, 1)
    with server(args, default) as url:
        single = ui_phase(url, "ui, one visitor alone", 1, args.turns, default)
        ui = ui_phase(url, "ui, visitors at once", args.visitors, args.turns, default)
        jobs = [lambda n=n: api_user(url, n, args.turns) for n in range(args.users)]
        api = run_all(Phase("api, users at once", args.users, "-"), jobs)
    print_report(single, [baseline, ui, api])
    ratio = ui.pct(0.95) / single.pct(0.5) if single.pct(0.5) else float("inf")
    print(f"# UI: p95 of {args.visitors} concurrent visitors = {ratio:.2f} x a single visitor's turn (target <= 2); "
          f"baseline (one event at a time) {baseline.pct(0.95) / single.pct(0.5):.2f} x")  # fmt: skip
    print(f"# load avg after: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failed = sum(len(p.errors) for p in (single, baseline, ui, api))
    return 1 if failed or ratio > 2 else 0


if __name__ == "__main__":
    sys.exit(main())
