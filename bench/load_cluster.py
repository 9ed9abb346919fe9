"""Scale-out: one service instance against two (and one instance of `serve --workers 2`), all over one PostgreSQL
(history, sessions, feedback), one `chroma run` (the demo catalog) and one redis (rate limits; per process memory
where redis-server is not installed), with bench/load_client.py's simulated users in template mode.

Usage: python bench/load_cluster.py [--users 32] [--duration 60] [--no-workers]
(also: python bench/load.py --cluster ...). Phases, each after a warm-up turn per instance (not counted):
  one instance    `--users` users on instance A
  two instances   `--users` users on each of A and B (user n talks to instance n mod 2)
  workers         the same number of users on one `concierge serve --workers 2` (A and B stopped first)
The users are closed loops (no think time), so throughput is what the servers sustain. Everything runs on this
machine: the servers, PostgreSQL, Chroma, redis and the clients share its cores (printed with the load).
Target (issue 17): two instances, 0 errors, 0 cross-talk, throughput >= 1.6x one instance in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import SECRET, PhaseReport, run_phase, server_log_problems
from bot.config import REPO_ROOT
from tests.demo_home import CONCIERGE, demo_settings
from tests.fake_backend import free_port
from tests.postgres_server import PostgresServer, find_bin_dir
from tests.redis_server import REDIS_SERVER, redis_server
from tests.served_demo import ServedConcierge, demo_home_copy, served_env
from tests.test_fault_chroma import ChromaServer

RATE_PER_MINUTE = "100000"  # far above a closed-loop user's rate; a 429 counts as an error


@dataclass(slots=True)
class ClusterPhase:
    name: str
    processes: int
    report: PhaseReport


@contextmanager
def shared_services(root: Path) -> Iterator[dict[str, Any]]:
    """PostgreSQL with the demo history imported, `chroma run` on a copy of the demo catalog, redis: the settings."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed (make postgresql)")
    with ExitStack() as stack:
        postgres = PostgresServer(bin_dir).start()
        stack.callback(postgres.stop)
        (root / "redis").mkdir()
        limits = stack.enter_context(redis_server(root / "redis")) if REDIS_SERVER else "memory://"
        shutil.copytree(demo_settings().chroma_path, root / "chroma")
        chroma = ChromaServer(root / "chroma", free_port())
        chroma.start()
        stack.callback(chroma.stop)
        settings: dict[str, Any] = {
            "chroma_url": f"http://127.0.0.1:{chroma.port}",
            "database_url": postgres.create_database(),
            "limits_storage": limits,
            "jwt_secret": SECRET,
            "auth": "jwt",
            "reply_mode": "template",
            "rate_per_minute": RATE_PER_MINUTE,
            "torch_threads": "1",  # several services on shared cores
        }
        home = demo_home_copy(root / "setup")
        started = time.monotonic()
        for command in (["db", "upgrade"], ["build-demo", "--skip-llm"]):  # schema, then the MovieLens history
            done = subprocess.run([str(CONCIERGE), *command], env=served_env(home, **settings), cwd=REPO_ROOT,
                                  capture_output=True, text=True, timeout=1800)  # fmt: skip
            if done.returncode != 0:
                raise SystemExit(f"concierge {' '.join(command)} failed: {done.stderr[-2000:]}")
        print(f"# PostgreSQL {bin_dir.parent.name}, chroma run, limits on {limits.split(':')[0]}; demo history "
              f"imported in {time.monotonic() - started:.0f} s")  # fmt: skip
        yield settings


def wait_workers_ready(service: ServedConcierge, workers: int, timeout_s: float = 600.0) -> None:
    """Until every worker logged "ready" (each warms up on its own; /healthz answers from any one of them)."""
    deadline = time.monotonic() + timeout_s
    while service.log_path.read_text(encoding="utf-8", errors="replace").count(" ready\n") < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"the workers were not ready in {timeout_s:.0f} s:\n{service.log_tail()}")
        time.sleep(0.5)


def phase(name: str, urls: list[str], users: int, duration_s: float, processes: int) -> ClusterPhase:
    print(f"# {name}: {users} users on {len(urls)} URL(s), load avg before {os.getloadavg()[0]:.2f}", flush=True)
    return ClusterPhase(name, processes, run_phase(urls, SECRET, users=users, duration_s=duration_s, mode="template"))


def print_table(phases: list[ClusterPhase]) -> None:
    base = phases[0].report
    base_rate = base.turns / base.elapsed_s if base.elapsed_s else 0.0
    print("| phase | service processes | users | elapsed s | turns | turns/s | × one instance | p50 ms | p95 ms "
          "| max ms | errors | cross-talk | load avg 1/5 min |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for p in phases:
        r = p.report
        rate = r.turns / r.elapsed_s if r.elapsed_s else 0.0
        ratio = f"{rate / base_rate:.2f}" if base_rate else "-"
        print(f"| {p.name} | {p.processes} | {r.users} | {r.elapsed_s:.1f} | {r.turns} | {rate:.2f} | {ratio} "
              f"| {r.pct(0.5):.0f} | {r.pct(0.95):.0f} | {r.pct(1.0):.0f} | {len(r.tally.errors)} "
              f"| {len(r.tally.crosstalk)} | {r.load[0]:.2f} / {r.load[1]:.2f} |")  # fmt: skip
    for p in phases:
        for label, lines in (("error", p.report.tally.errors), ("cross-talk", p.report.tally.crosstalk)):
            for line in lines[:10]:
                print(f"  {p.name} {label}: {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32, help="users per instance")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase (turns in flight finish)")
    parser.add_argument("--no-workers", action="store_true", help="skip the `serve --workers 2` phase")
    args = parser.parse_args(argv)
    print(f"# load_cluster: {args.users} users per instance, {args.duration:g} s per phase, {os.cpu_count()} cores, "
          f"load avg before {os.getloadavg()[0]:.2f}")  # fmt: skip
    phases: list[ClusterPhase] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="concierge-cluster-") as tmp, shared_services(Path(tmp)) as settings:
        a, b = (ServedConcierge(demo_home_copy(Path(tmp) / name), **settings) for name in ("a", "b"))
        try:
            a.start(wait_ready=False)
            b.start(wait_ready=False)
            a.wait_ready(600)
            b.wait_ready(600)
            phases.append(phase("one instance", [a.url], args.users, args.duration, 1))
            phases.append(phase("two instances", [a.url, b.url], 2 * args.users, args.duration, 2))
        finally:
            problems += server_log_problems(a.log_path) + server_log_problems(b.log_path)
            a.stop()
            b.stop()
        if not args.no_workers:
            w = ServedConcierge(demo_home_copy(Path(tmp) / "w"), serve_args=("--workers", "2"), **settings)
            try:
                w.start(ready_timeout_s=600)
                wait_workers_ready(w, 2)
                phases.append(phase("serve --workers 2", [w.url], 2 * args.users, args.duration, 2))
            finally:
                problems += server_log_problems(w.log_path)
                w.stop()
    print_table(phases)
    print(f"# server logs: {len(problems)} error/traceback lines")
    for line in problems[:10]:
        print(f"  server: {line}")
    two = next(p for p in phases if p.name == "two instances").report
    one = phases[0].report
    ratio = (two.turns / two.elapsed_s) / (one.turns / one.elapsed_s) if one.turns else 0.0
    print(f"# two instances: {ratio:.2f} x the throughput of one (target >= 1.6); load avg after "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    failed = sum(len(p.report.tally.errors) + len(p.report.tally.crosstalk) for p in phases) + len(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
