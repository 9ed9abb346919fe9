"""Event ingestion rate: N generated events (views, clicks, add-to-carts, purchases, ratings of demo catalog items
by synthetic shoppers) written to a CSV file, ingested twice with `concierge events` (the second run must find
0 new), then EASE^R retrained on the history with the events into a scratch models folder.

The history is a scratch copy (CONCIERGE_HISTORY_DB), so the demo home is only read. Measured output:
docs/catalog.md ("Events from your systems").

Run: CONCIERGE_HOME=./var .venv/bin/python bench/events.py [--events 100000] [--users 5000] [--work /tmp/events-bench]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.composition import build_components
from bot.config import Settings
from tools.recommender.training import train_recommender

KINDS = (("view", 0.55), ("click", 0.2), ("add_to_cart", 0.12), ("purchase", 0.08), ("rating", 0.05))


def write_events(path: Path, item_ids: list[str], events: int, users: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*KINDS, strict=True)
    start = 1_760_000_000
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "user_id", "item_id", "kind", "timestamp", "value"])
        for n in range(events):
            kind = rng.choices(kinds, weights)[0]
            value = rng.choice([1, 2, 3, 3.5, 4, 4.5, 5]) if kind == "rating" else ""
            item = item_ids[min(int(rng.paretovariate(1.2)) - 1, len(item_ids) - 1)]  # a long tail, like a shop
            writer.writerow([f"ev-{n}", f"shopper-{rng.randrange(users)}", item, kind, start + n * 30, value])


def ingest(path: Path, env: dict[str, str]) -> dict[str, object]:
    started = time.perf_counter()
    out = subprocess.run(
        [str(Path(sys.executable).parent / "concierge"), "events", str(path), "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    summary: dict[str, object] = json.loads(out.stdout)
    summary["process_s"] = round(time.perf_counter() - started, 2)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/events-bench"))
    args = parser.parse_args()
    settings = Settings()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    history = args.work / "history.sqlite3"
    shutil.copy(settings.history_path, history)  # the demo's 100,836 ratings, so training is realistic
    env = {**os.environ, "CONCIERGE_HISTORY_DB": str(history)}
    components = build_components(settings.model_copy(update={"history_db": history}))
    items = [item.item_id for item in sorted(components.catalog.items(), key=lambda i: -i.rating_count)]
    path = args.work / "events.csv"
    write_events(path, items, args.events, args.users)
    print(f"{args.events} events of {args.users} shoppers in {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print("first run: ", ingest(path, env))
    print("second run:", ingest(path, env))
    started = time.perf_counter()
    trained = train_recommender(args.work / "models", components.catalog, components.history, force=True)
    print(f"train: {trained} ({time.perf_counter() - started:.1f} s with reading the history)")


if __name__ == "__main__":
    main()
