"""The guard against the labelled faithfulness set (tests/data/faithfulness/replies.jsonl).

Each record is a real output of the embedded model (bench/faithfulness_set.py) with everything the guard judged
it against, labelled by reading it against those facts: `faithful` (every claim is in the facts, and the reply
answers what was asked), `unfaithful` (a claim the facts do not support), `non_answer` (true, but not an answer).
The guard is replayed on every record; the test prints the confusion matrix and fails when the faithful share of
the outputs it lets through drops below the target, or when it lets through too few to matter.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.agent.sentence_check import SentenceCheck, check_sentence
from bot.concierge import build_backend
from bot.config import Settings
from bot.guard.copy import check_copy
from bot.guard.titles import KnownTitles, as_known_titles
from tests.demo_home import demo_settings
from tools.marketing.channels import load_channel_rules
from tools.marketing.grounding import Facts, common_words

SET_FILE = Path(__file__).parent / "data" / "faithfulness" / "replies.jsonl"
# Outputs for other items (bench/faithfulness_set.py --offset 1300 --items 25), labelled after the guard's rules
# were set on SET_FILE: the check of how those rules carry over (docs/llm.md). Gated together with SET_FILE.
HELDOUT_FILE = SET_FILE.with_name("replies_heldout.jsonl")
# Item-question summaries (CONCIERGE_LLM_ITEM_SUMMARIES, off by default), labelled the same way: reported, not gated.
SUMMARIES_FILE = SET_FILE.with_name("item_summaries.jsonl")
LABELS = ("faithful", "unfaithful", "non_answer")
MIN_RECORDS = 300
TARGET_FAITHFUL_OF_PASSED = 0.97  # the target (97.7 % on this set, tuned on it; held-out set: below)
GATE_FAITHFUL_OF_PASSED = TARGET_FAITHFUL_OF_PASSED  # fails when the guard lets more unfaithful text through
MIN_SHOWN_OF_RECOMMENDATIONS = 0.50  # the target: a guard that rejects everything is not the goal
# What the product shows with the default (embedded) backend: pick sentences. Copy drafts are off by default
# (CONCIERGE_LLM_COPY=auto) and are reported, not gated.
SHOWN_BY_DEFAULT = ("pick",)


def load_records(path: Path = SET_FILE) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def catalog() -> Any:
    return build_backend(demo_settings()).components.catalog


@pytest.fixture(scope="module")
def verdicts(catalog: Any) -> list[tuple[dict[str, Any], bool]]:
    """Every record with the guard's verdict now (True = shown to the user)."""
    known = as_known_titles(catalog)
    assert isinstance(known, KnownTitles)
    common = common_words(i.overview for i in catalog.items())
    rules = load_channel_rules(profile=catalog.profile)
    out: list[tuple[dict[str, Any], bool]] = []
    for record in [*load_records(), *({**r, "heldout": True} for r in load_records(HELDOUT_FILE))]:
        if record["kind"] == "copy":
            copy = record["copy"]
            item = catalog.get(copy["item_id"])
            assert item is not None, copy["item_id"]
            facts = Facts.from_item(item, copy["keywords"], common, catalog)
            passed = check_copy(copy["draft"], copy["channel"], facts, rules).passed
        else:
            passed = check_sentence(SentenceCheck.from_data(record["check"]), known).passed
        out.append((record, passed))
    return out


def test_the_set_is_large_varied_and_fully_labelled() -> None:
    records = load_records()
    assert len(records) >= MIN_RECORDS
    assert {r["kind"] for r in records} == {"pick", "copy"}
    heldout = load_records(HELDOUT_FILE)
    assert not {r["id"] for r in heldout} & {r["id"] for r in records}
    unlabelled = [r["id"] for r in [*records, *heldout] if r.get("label") not in LABELS]
    assert not unlabelled, f"{len(unlabelled)} records without a label, e.g. {unlabelled[:3]}"
    assert len({r["id"] for r in records}) == len(records)


def test_guard_confusion_matrix_meets_the_gate(verdicts: list[tuple[dict[str, Any], bool]]) -> None:
    lines = [""]
    for part, records in (("set", [v for v in verdicts if "heldout" not in v[0]]),
                          ("held-out", [v for v in verdicts if "heldout" in v[0]]), ("both", verdicts)):  # fmt: skip
        for kind in ("pick", "copy"):
            matrix = Counter((r["label"], ok) for r, ok in records if r["kind"] == kind)
            shown = matrix[("faithful", True)] + matrix[("unfaithful", True)] + matrix[("non_answer", True)]
            total = sum(matrix.values())
            lines += [f"{part}, {kind}: | label | shown (guard passed) | template (guard failed) |", "|---|---|---|"]
            lines += [f"| {label} | {matrix[(label, True)]} | {matrix[(label, False)]} |" for label in LABELS]
            share = matrix[("faithful", True)] / max(1, shown)
            lines.append(f"{part}, {kind}: {shown}/{total} shown; faithful share of shown {share:.1%}")
    print("\n".join(lines))
    gated = [(r, ok) for r, ok in verdicts if r["kind"] in SHOWN_BY_DEFAULT]
    passed = [r for r, ok in gated if ok]
    faithful_of_passed = sum(r["label"] == "faithful" for r in passed) / max(1, len(passed))
    shown_of_picks = len(passed) / max(1, len(gated))
    leaked = [(r["id"], r["check"]["sentence"]) for r in passed if r["label"] != "faithful"]
    assert faithful_of_passed >= GATE_FAITHFUL_OF_PASSED, leaked
    assert shown_of_picks >= MIN_SHOWN_OF_RECOMMENDATIONS, f"{shown_of_picks:.1%} of recommendation sentences shown"


def test_item_summaries_are_reported_and_stay_off_by_default(catalog: Any) -> None:
    """Why CONCIERGE_LLM_ITEM_SUMMARIES is off: the guard's precision on the model's item summaries."""
    assert Settings.model_fields["llm_item_summaries"].default is False
    records = load_records(SUMMARIES_FILE)
    assert len(records) >= 100 and all(r.get("label") in LABELS for r in records)
    known = as_known_titles(catalog)
    shown = [r for r in records if check_sentence(SentenceCheck.from_data(r["check"]), known).passed]
    faithful = sum(r["label"] == "faithful" for r in shown)
    print(f"\nitem summaries: {len(shown)}/{len(records)} shown, {faithful} of them faithful")
    assert faithful / max(1, len(shown)) < TARGET_FAITHFUL_OF_PASSED  # below target: the reason it is off
