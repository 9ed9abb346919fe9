"""Router accuracy and latency on tests/data/router_labelled.yaml: real MiniLM vs the HashingEmbedder baseline.

Prints per-intent precision / recall, a confusion table, slot accuracy (every expected slot of an utterance
right) and route() latency (p50 / p95 over all utterances, after one warm-up pass), for each embedder.

With --language zh (es, fr, de, or all): the labelled set of that language (tests/data/router_<code>.yaml), each
message glossed into English first (bot/agent/router/multilingual.py), with the real MiniLM; a table per language.

Run: .venv/bin/python bench/router.py [--only minilm|hashing] [--errors] [--language zh|es|fr|de|all]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.gloss import shipped_gloss_languages
from bot.agent.router.multilingual import MultilingualRouter
from bot.agent.router.routing import Router
from store.embedder import Embedder, HashingEmbedder, MiniLMEmbedder
from store.movielens import load_demo_items
from tools.names import Intent

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "router_labelled.yaml"
_YEAR_SUFFIX = re.compile(r" \(\d{4}\)$")
SLOT_KEYS = ("genres", "exclude_genres", "year_from", "year_to", "k", "titles", "question", "channel", "signal")


@dataclass(slots=True)
class Case:
    """One labelled utterance."""

    text: str
    intent: str
    state: DialogueState
    expected: dict[str, Any]


@dataclass(slots=True)
class Report:
    """Results of one run over the labelled set."""

    pairs: list[tuple[str, str]] = field(default_factory=list)  # (expected, predicted)
    slot_ok: list[bool] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(e == p for e, p in self.pairs) / max(1, len(self.pairs))

    @property
    def slot_accuracy(self) -> float:
        return sum(self.slot_ok) / max(1, len(self.slot_ok))


def _state(spec: dict[str, Any]) -> DialogueState:
    items = [ItemView(str(i), str(t), int(y), (), "", 1.0) for i, t, y in spec["items"]]
    call = PlannedCall(spec["last_call"]["tool"], dict(spec["last_call"]["arguments"]))
    return DialogueState(last_items=items, last_calls=[call], shown_ids=[i.item_id for i in items])


def labelled_path(language: str) -> Path:
    """The labelled set of a language: router_labelled.yaml for English, router_<code>.yaml for the others."""
    return LABELLED if language == "en" else LABELLED.with_name(f"router_{language}.yaml")


def load_cases(path: Path = LABELLED, language: str = "en") -> list[Case]:
    """The labelled utterances (their states in `language`); a bad entry raises ValueError naming the file and
    the entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    states = {name: spec for name, spec in (data.get("states") or {}).items()}
    cases = []
    for n, entry in enumerate(data["utterances"], start=1):
        if entry.get("intent") not in set(Intent) or not isinstance(entry.get("text"), str):
            known = [str(i) for i in Intent]
            raise ValueError(f"{path}: utterance #{n} needs a text and an intent from {known}: {entry!r}")
        state_name = entry.get("state")
        if state_name is not None and state_name not in states:
            raise ValueError(f"{path}: utterance #{n} names unknown state {state_name!r}")
        state = _state(states[state_name]) if state_name else DialogueState()
        state.language = language
        expected = {k: v for k, v in entry.items() if k in (*SLOT_KEYS, "tools")}
        cases.append(Case(entry["text"], entry["intent"], state, expected))
    return cases


def slot_problems(case: Case, decision: Decision) -> list[str]:
    """Expected slots the decision got wrong (empty list = all right)."""
    got = dict(decision.slots)
    # a follow-up's effective filters are those of its list call (merged with the previous call)
    for call in decision.calls:
        if call.tool in ("recommend", "search_catalog"):
            got.update({k: v for k, v in call.arguments.items() if k in SLOT_KEYS})
            break
    got["question"] = decision.question
    feedback = [c for c in decision.calls if c.tool == "record_feedback"]
    got["signal"] = feedback[0].arguments.get("signal") if feedback else None
    problems = []
    for key, want in case.expected.items():
        if key == "tools":
            have: Any = [c.tool for c in decision.calls]
            ok = have == want
        elif key in ("genres", "exclude_genres"):
            have = got.get(key, [])
            ok = set(have) == set(want)
        elif key == "titles":
            have = got.get("titles", [])
            ok = bool(have) and _YEAR_SUFFIX.sub("", str(have[0])).lower() == str(want[0]).lower()
        else:
            have = got.get(key)
            ok = have == want
        if not ok:
            problems.append(f"{key}: want {want!r}, got {have!r}")
    return problems


def evaluate(router: Router | MultilingualRouter, cases: list[Case]) -> Report:
    """Route every case once (timed) and compare."""
    report = Report()
    for case in cases:
        started = time.perf_counter()
        decision = router.route(case.text, case.state)
        report.latencies_ms.append((time.perf_counter() - started) * 1000.0)
        report.pairs.append((case.intent, decision.intent))
        problems = slot_problems(case, decision)
        report.slot_ok.append(not problems)
        if decision.intent != case.intent or problems:
            calls = ", ".join(f"{c.tool}({c.arguments})" for c in decision.calls)
            glossed = f" (glossed: {decision.slots['glossed']!r})" if "glossed" in decision.slots else ""
            report.errors.append(
                f"{case.text[:70]!r}{glossed}: want {case.intent}, got {decision.intent} {problems} [{calls}]"
            )
    return report


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
    for code, n, intent, slots in rows:
        print(f"{code:8} {n:4d} {intent:7.3f} {slots:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
