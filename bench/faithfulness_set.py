"""Record real sentences of the embedded model for the labelled faithfulness set (tests/data/faithfulness/).

Runs varied turns through the demo service with the embedded model (item questions, similar-to, likes, free
requests) and asks for marketing copy, recording each model output with everything the guard judges it
against (bot/agent/sentence_check.py SentenceCheck; for copy: the item, its keywords and the draft). The
turns are built from the catalog's most-rated items with a summary, so they are not written around the model.
Labels are added by people reading each output against its facts (label: faithful | unfaithful | non_answer);
existing labels are kept for outputs that did not change.

Usage: python bench/faithfulness_set.py [--out tests/data/faithfulness/replies.jsonl] [--items 30]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.agent.events import TurnDone
from bot.agent.sentence_check import SentenceCheck
from bot.concierge import build_backend
from bot.config import Settings
from bot.guard.copy import check_copy
from store.items import CatalogItem
from tools.chat_model import ChatModel, LLMDelta, Message
from tools.guard_report import GuardReport
from tools.marketing.copy import CopyWriter, clean_draft

QUESTIONS = {
    "plot": "what is {t} about?",
    "year": "when did {t} come out?",
    "genre": "what genre is {t}?",
    "rating": "is {t} any good?",
}
REQUESTS = [
    "a 90s comedy", "something scary from the 80s", "a heist thriller", "sci-fi with aliens",
    "an animated film for kids", "a romantic comedy", "a war drama", "a film about dinosaurs",
    "a space adventure", "a crime drama from the 70s", "a funny animated movie", "a western",
    "a mystery with a twist", "a musical", "a documentary", "a fantasy adventure with magic",
    "a thriller set in New York", "a comedy about friendship", "a spy movie", "a courtroom drama",
    "a sports film", "a film about robots", "a horror movie, no gore", "a feel-good movie",
    "an action movie from the 2000s", "a 60s classic", "a film noir", "a family film for the weekend",
    "something about time travel", "a drama about a boxer",
]  # fmt: skip


class RecordingModel:
    """Passes calls to `inner` and keeps each (messages, text)."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.calls: list[tuple[list[Message], str]] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def supports_tools(self) -> bool:
        return False

    @property
    def continues_replies(self) -> bool:
        return self.inner.continues_replies

    def stream(self, messages: Sequence[Message], **kwargs: Any) -> Iterator[LLMDelta]:
        pieces: list[str] = []
        for delta in self.inner.stream(messages, **kwargs):
            pieces.append(delta.text)
            yield delta
        self.calls.append((list(messages), "".join(pieces)))


def _record_id(kind: str, message: str, output: str) -> str:
    return hashlib.sha1(f"{kind}\n{message}\n{output}".encode()).hexdigest()[:12]


def popular(items: list[CatalogItem], n: int, offset: int = 0) -> list[CatalogItem]:
    ranked = sorted((i for i in items if i.overview), key=lambda i: -(i.rating_count or 0))
    return ranked[offset : offset + n]


def chat_records(settings: Settings, n_items: int, offset: int = 0) -> Iterator[dict[str, Any]]:
    backend = build_backend(settings)
    catalog = backend.components.catalog
    seen: list[tuple[SentenceCheck, GuardReport]] = []
    if not settings.llm_item_summaries:  # item questions are then answered by the template alone
        print("CONCIERGE_LLM_ITEM_SUMMARIES is off: item questions give no model sentence to record")
    backend.components.loop.replies.sentence_observer = lambda check, report: seen.append((check, report))
    items = catalog.items()
    messages: list[str] = []
    questions = list(QUESTIONS.values())
    for index, item in enumerate(popular(items, 4 * n_items, offset)):  # one question per item: no repeated facts
        messages.append(questions[index % len(questions)].format(t=item.title.partition(" (")[0]))
    for item in popular(items, n_items, offset + 4 * n_items):
        messages.append(f"movies like {item.title.partition(' (')[0]}")
    pairs = popular(items, 2 * n_items, offset + 5 * n_items)
    for first, second in zip(pairs[::2], pairs[1::2], strict=False):
        messages.append(f"I loved {first.title.partition(' (')[0]} and {second.title.partition(' (')[0]}")
    messages += REQUESTS if offset == 0 else []
    for message in messages:
        seen.clear()
        user = f"faith-{uuid.uuid4().hex[:8]}"
        result = None
        for event in backend.run_turn(user_id=user, text=message, reply_mode="llm"):
            if isinstance(event, TurnDone):
                result = event.result
        for check, report in seen:
            yield {
                "id": _record_id("chat", message, check.sentence),
                "kind": str(check.job.kind),
                "message": message,
                "check": check.to_data(),
                "guard_at_record": {"passed": report.passed, "problems": list(report.problems)},
                "fallback_reason": result.fallback_reason if result else None,
            }


def copy_records(settings: Settings, n_items: int, offset: int = 0) -> Iterator[dict[str, Any]]:
    backend = build_backend(settings)
    catalog = backend.components.catalog
    model = backend.components.llm()
    if model is None:
        raise SystemExit("no embedded LLM")
    recorder = RecordingModel(model)
    writer = CopyWriter(catalog, recorder, check=check_copy, timeout_s=settings.llm_timeout_s)
    for index, item in enumerate(popular(catalog.items(), n_items, offset + 7 * n_items)):
        channel = ("tagline", "social", "push")[index % 3]
        keywords = list(item.keywords[:5])
        recorder.calls.clear()
        outcome = writer.write(item, channel, keywords=keywords)
        for _, raw in recorder.calls:
            draft = clean_draft(raw, channel)
            yield {
                "id": _record_id("copy", f"{item.item_id}/{channel}", draft),
                "kind": "copy",
                "message": f"{channel} for {item.label}",
                "copy": {"item_id": item.item_id, "channel": channel, "keywords": keywords, "draft": draft},
                "guard_at_record": {"passed": not outcome.used_template, "problems": list(outcome.guard.problems)},
            }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("tests/data/faithfulness/replies.jsonl"))
    parser.add_argument("--items", type=int, default=30, help="items per kind of turn")
    parser.add_argument("--offset", type=int, default=0, help="skip this many of the most-rated items")
    parser.add_argument("--append", action="store_true", help="keep the records already in --out, add new ones")
    args = parser.parse_args()
    settings = Settings()
    old = {}
    if args.out.is_file():
        old = {r["id"]: r for r in map(json.loads, args.out.read_text(encoding="utf-8").splitlines()) if r}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = list(old.values()) if args.append else []
    ids = {r["id"] for r in rows}
    for record in [*chat_records(settings, args.items, args.offset), *copy_records(settings, args.items, args.offset)]:
        if record["id"] in ids:  # the same output for the same message: one record
            continue
        ids.add(record["id"])
        previous = old.get(record["id"], {})
        record["label"] = previous.get("label")
        record["label_note"] = previous.get("label_note", "")
        rows.append(record)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    passed = sum(r["guard_at_record"]["passed"] for r in rows)
    print(f"{len(rows)} outputs recorded ({passed} passed the guard) -> {args.out}")


if __name__ == "__main__":
    main()
