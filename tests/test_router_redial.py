"""The labelled real-message set tests/data/router_redial.yaml (ReDial seeker messages, issue 14 part 6).

The fast tests check the set itself: size, known intents / tools / slot names, catalog titles and states, and (when
the ReDial slice is present: $CONCIERGE_REDIAL_DIR or ../shared/data/redial-dev) that each message is the source
message verbatim after mention rendering and that the documented seeded selection gives exactly these messages.
The slow test routes the set with the real MiniLM and checks only that the run is complete: no accuracy threshold,
the router is not tuned for these messages yet (target >= 90 % tools+slots, tracked by
`bench/router.py --labelled redial`).
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.router_eval import CALL_KEYS, REDIAL_LABELLED, SLOT_KEYS, evaluate, load_cases
from bot.agent.router.phrases import LEXICON_DIR
from store.items import CatalogItem
from tools.names import Intent, ToolName

ROOT = Path(__file__).resolve().parent.parent
MIN_UTTERANCES = 200
SEED, DIALOGUES_TAKEN = 14, 220  # the selection rule of the YAML's header
FIELDS = {"text", "intent", "tools", "state", "source", "context", "unknown", "note", *SLOT_KEYS, *CALL_KEYS}
SIGNALS = {"like", "dislike", "seen"}


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(REDIAL_LABELLED.read_text(encoding="utf-8"))
    return data


@cache
def _catalog() -> dict[str, CatalogItem]:
    from store.movielens import load_demo_items

    return {item.item_id: item for item in load_demo_items(ROOT / "data")}


def _label(item: CatalogItem) -> str:
    main = item.title.split(" (")[0]
    return f"{main} ({item.year})" if item.year else main


def _slice() -> Path:
    folder = Path(os.environ.get("CONCIERGE_REDIAL_DIR", ROOT.parent / "shared" / "data" / "redial-dev"))
    if not (folder / "dialogues.jsonl").is_file():
        pytest.skip(f"no ReDial slice at {folder}")
    return folder


def _rendered_seeker_messages(folder: Path) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
    """Per dialogue (file order): the dialogue and its non-empty seeker messages as (messageId, rendered text)."""
    with (folder / "movies_with_mentions.csv").open(newline="", encoding="utf-8") as handle:
        names = {row["movieId"]: row["movieName"] for row in csv.DictReader(handle)}
    out = []
    for line in (folder / "dialogues.jsonl").read_text(encoding="utf-8").splitlines():
        dialogue = json.loads(line)
        mentions = dialogue["movieMentions"]

        def name(match: re.Match[str], mentions: dict[str, str] = mentions) -> str:
            raw = mentions.get(match.group(1)) or names.get(match.group(1)) or match.group(0)
            return re.sub(r"\s+", " ", raw).strip()

        seeker = [
            (str(m["messageId"]), re.sub(r"@(\d+)", name, m["text"]))
            for m in dialogue["messages"]
            if m["senderWorkerId"] == dialogue["initiatorWorkerId"] and m["text"].strip()
        ]
        out.append((dialogue, seeker))
    return out


def test_set_loads_and_is_large_enough() -> None:
    cases = load_cases(REDIAL_LABELLED)
    assert len(cases) >= MIN_UTTERANCES
    assert {c.intent for c in cases} <= set(Intent)


def test_every_label_uses_known_names() -> None:
    problems = []
    genres = {g for item in _catalog().values() for g in item.genres}
    kinds = set(yaml.safe_load((LEXICON_DIR / "cues.yaml").read_text(encoding="utf-8"))["question"])
    for n, entry in enumerate(_data()["utterances"], start=1):
        unknown_fields = set(entry) - FIELDS
        tools = entry.get("tools")
        if unknown_fields or not isinstance(tools, list) or not set(tools) <= set(ToolName):
            problems.append(f"#{n}: fields {sorted(unknown_fields)}, tools {tools!r}")
        for key in ("genres", "exclude_genres"):
            if not set(entry.get(key, [])) <= genres:
                problems.append(f"#{n}: {key} {entry[key]!r} not catalog genres")
        if "signal" in entry and entry["signal"] not in SIGNALS:
            problems.append(f"#{n}: signal {entry['signal']!r}")
        if "question" in entry and entry["question"] not in kinds:
            problems.append(f"#{n}: question {entry['question']!r}")
        years = entry.get("years")
        if years is not None and not (len(years) == 2 and all(y is None or isinstance(y, int) for y in years)):
            problems.append(f"#{n}: years {years!r}")
    assert problems == []


def test_titles_and_states_are_the_catalogs() -> None:
    catalog = _catalog()
    labels = {_label(item) for item in catalog.values()}
    data = _data()
    problems = [
        f"state {name}: {item}"
        for name, spec in data["states"].items()
        for item in spec["items"]
        if item[0] not in catalog or item[1] != catalog[item[0]].title.split(" (")[0]
    ]
    for n, entry in enumerate(data["utterances"], start=1):
        titles = [*entry.get("items", []), *entry.get("likes", [])]
        problems += [f"#{n}: {t!r} is no catalog title" for t in titles if t not in labels]
        problems += [f"#{n}: unknown {t!r} labelled as a like" for t in entry.get("unknown", []) if t in titles]
        if entry.get("state") is not None and entry["state"] not in data["states"]:
            problems.append(f"#{n}: state {entry['state']!r}")
    assert problems == []


def test_messages_are_verbatim_and_the_documented_selection() -> None:
    dialogues = _rendered_seeker_messages(_slice())
    by_source = {f"{d['conversationId']}/{mid}": text for d, seeker in dialogues for mid, text in seeker}
    entries = _data()["utterances"]
    assert [e["text"] for e in entries if by_source.get(e["source"]) != e["text"]] == []
    everything = "\n".join(text for _, seeker in dialogues for _, text in seeker)
    assert all(e["text"] in everything for e in entries)
    rng = random.Random(SEED)
    chosen = sorted(rng.sample(range(len(dialogues)), DIALOGUES_TAKEN))
    expected = []
    for index in chosen:
        dialogue, seeker = dialogues[index]
        expected.append(f"{dialogue['conversationId']}/{rng.choice(seeker)[0]}")
    assert [e["source"] for e in entries] == expected


@pytest.mark.slow
def test_routes_with_minilm(record_property: Any) -> None:
    """Records the accuracy (a property, and bench/router.py --labelled redial prints it); asserts completeness only."""
    from bot.agent.router.routing import Router
    from store.embedder import MiniLMEmbedder

    cases = load_cases(REDIAL_LABELLED)
    report = evaluate(Router(MiniLMEmbedder(), None, items=list(_catalog().values())), cases)
    assert len(report.pairs) == len(report.slot_ok) == len(cases)
    assert 0.0 <= report.accuracy <= 1.0 and 0.0 <= report.slot_accuracy <= 1.0
    record_property("redial_intent_accuracy", round(report.accuracy, 3))
    record_property("redial_tools_slots_accuracy", round(report.slot_accuracy, 3))
