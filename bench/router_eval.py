"""The router's labelled sets and how a router is scored on them (bench/router.py prints the reports; the tests
tests/test_router_accuracy.py, test_router_languages.py and test_router_redial.py hold the numbers).

A set is a YAML list of utterances with their intent, an optional dialogue state and the expected slots; a router
is right on an utterance when the intent is, and right on its slots when every expected slot is.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.multilingual import MultilingualRouter
from bot.agent.router.routing import Router
from tools.names import Intent

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "router_labelled.yaml"
REDIAL_LABELLED = ROOT / "tests" / "data" / "router_redial.yaml"
_YEAR_SUFFIX = re.compile(r" \(\d{4}\)$")
SLOT_KEYS = ("genres", "exclude_genres", "year_from", "year_to", "k", "titles", "question", "channel", "signal")
# checked on the calls themselves: items all calls point at (a set), the recommend call's likes (a set), and
# [year_from, year_to] of the first call with a year filter (None: no call has one)
CALL_KEYS = ("items", "likes", "years")


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
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (failure kind, message) per wrong utterance

    @property
    def exact_accuracy(self) -> float:
        """Utterances with the right intent and every expected slot right."""
        right = [e == p and ok for (e, p), ok in zip(self.pairs, self.slot_ok, strict=True)]
        return sum(right) / max(1, len(right))

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
        expected = {k: v for k, v in entry.items() if k in (*SLOT_KEYS, *CALL_KEYS, "tools")}
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
        elif key in CALL_KEYS:
            have = _call_slot(key, case, decision)
            ok = have == (want if key == "years" or want is None else {str(t).lower() for t in want})
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


def _call_slot(key: str, case: Case, decision: Decision) -> Any:
    """items / likes (sets of lowercased "Title (Year)"; a listed item's id as its title) or years of the calls."""
    listed = {i.item_id: f"{i.title} ({i.year})" if i.year else i.title for i in case.state.last_items}
    if key == "years":
        for call in decision.calls:
            if call.arguments.get("year_from") is not None or call.arguments.get("year_to") is not None:
                return [call.arguments.get("year_from"), call.arguments.get("year_to")]
        return None
    if key == "likes":
        refs = next((c.arguments.get("likes") or [] for c in decision.calls if c.tool == "recommend"), [])
    else:
        refs = [c.arguments["item"] for c in decision.calls if isinstance(c.arguments.get("item"), str)]
    return {listed.get(str(ref), str(ref)).lower() for ref in refs}


def failure_kind(case: Case, decision: Decision, problems: list[str]) -> str:
    """What went wrong, coarsely: the intent confusion, else the slots that were wrong."""
    if decision.intent != case.intent:
        return f"intent {case.intent} -> {decision.intent}"
    return "slots " + "+".join(sorted({p.split(":")[0] for p in problems}))


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
            report.kinds.append((failure_kind(case, decision, problems), case.text))
    return report
