"""Batch personalised copy: one line per user for one item and channel, written to CSV or JSONL, resumable.

Every row is flushed and fsync'ed as soon as it is written. On start the existing output file is read: users
already in it are skipped, and a torn last line (the process was killed mid-write) is cut off and redone, so an
interrupted run resumes without duplicates. Each row carries its provenance: user, item, channel, whether a
template was used and why, the guard's problems and the model name.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from tools.marketing.copy import CopyWriter
from tools.marketing.copy_prompt import favourites_for

if TYPE_CHECKING:
    from store.items import CatalogItem
    from tools.context import ToolContext

FIELDS = (
    "user_id",
    "item_id",
    "title",
    "channel",
    "text",
    "used_template",
    "fallback_reason",
    "guard_problems",
    "fans_of",
    "model",
    "created_at",
)
FORMATS = (".csv", ".jsonl")


class CampaignFileError(ValueError):
    """The existing output file cannot be resumed (bad row, or a campaign for another item or channel)."""


@dataclass(slots=True)
class CampaignSummary:
    total: int
    written: int
    skipped: int
    used_template: int
    out: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _format_of(path: Path) -> str:
    if path.suffix not in FORMATS:
        raise ValueError(f"{path}: output must end in .csv or .jsonl")
    return path.suffix


def _cut_torn_tail(path: Path) -> None:
    """Drop a last line without its newline (a write the process did not finish)."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def read_done(path: Path, item_id: str, channel: str) -> set[str]:
    """Users already written to path for this item and channel; raises CampaignFileError naming the bad line."""
    if not path.exists() or path.stat().st_size == 0:
        return set()
    _cut_torn_tail(path)
    rows: list[tuple[int, dict[str, Any]]] = []
    text = path.read_text(encoding="utf-8")
    if _format_of(path) == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is not None and tuple(reader.fieldnames) != FIELDS:
            raise CampaignFileError(f"{path}: line 1: unexpected columns {reader.fieldnames}")
        rows = [(reader.line_num, dict(row)) for row in reader]
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise CampaignFileError(f"{path}: line {number}: not JSON ({exc.msg})") from exc
    done: set[str] = set()
    for number, row in rows:
        if not isinstance(row, dict) or not row.get("user_id"):
            raise CampaignFileError(f"{path}: line {number}: row without user_id")
        if str(row.get("item_id")) != item_id or row.get("channel") != channel:
            raise CampaignFileError(
                f"{path}: line {number}: holds a campaign for item {row.get('item_id')} / {row.get('channel')}, "
                f"not {item_id} / {channel}; use another output file"
            )
        done.add(str(row["user_id"]))
    return done


def _encode(row: dict[str, Any], suffix: str, header: bool) -> str:
    if suffix == ".jsonl":
        return json.dumps(row, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    if header:
        writer.writeheader()
    flat = dict(row, guard_problems="; ".join(row["guard_problems"]), fans_of="; ".join(row["fans_of"]))
    writer.writerow(flat)
    return buffer.getvalue()


def run_campaign(
    ctx: ToolContext,
    item: CatalogItem,
    user_ids: Sequence[str],
    channel: str,
    out: Path,
    *,
    writer: CopyWriter | None = None,
    progress: bool = True,
) -> CampaignSummary:
    """Write personalised copy of item for each user to out (CSV or JSONL), skipping users already there.

    Args:
        item: the item to promote.
        user_ids: the users, in order (duplicates are written once).
        channel: tagline, email, push or social.
        out: the output file (.csv or .jsonl); appended to when it exists.
        writer: a CopyWriter to reuse (default: one built from ctx).
        progress: show a progress bar on stderr.
    """
    suffix = _format_of(out)
    done = read_done(out, item.item_id, channel)
    todo = [u for u in dict.fromkeys(str(u) for u in user_ids) if u not in done]
    writer = writer or CopyWriter.for_context(ctx)
    keywords = list(item.keywords[:5])
    summary = CampaignSummary(len(set(user_ids)), 0, len(set(user_ids)) - len(todo), 0, str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8", newline="") as handle:
        header = handle.tell() == 0
        for user in tqdm(todo, desc=f"{channel} copy", unit="user", disable=not progress):
            fans = favourites_for(ctx, item, user_id=user)
            outcome = writer.write(item, channel, keywords=keywords, fans_of=fans)
            row = {
                "user_id": user,
                "item_id": item.item_id,
                "title": item.title,
                "channel": channel,
                "text": outcome.text,
                "used_template": outcome.used_template,
                "fallback_reason": outcome.fallback_reason or "",
                "guard_problems": list(outcome.guard.problems) if outcome.used_template else [],
                "fans_of": outcome.fans_of,
                "model": outcome.model or "",
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            handle.write(_encode(row, suffix, header))
            handle.flush()
            os.fsync(handle.fileno())
            header = False
            summary.written += 1
            summary.used_template += int(outcome.used_template)
    return summary
