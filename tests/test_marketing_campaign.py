"""Campaign batches: provenance per row, resume after an interruption without duplicates."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.test_marketing_fakes import make_ctx
from tools.chat_model import LLMDelta, Message
from tools.marketing.campaign import CampaignFileError, read_done, run_campaign

USERS = [str(u) for u in range(1, 9)]


class DiesAfter:
    """A ChatModel that writes good copy, then 'crashes' the process (KeyboardInterrupt) on call n+1."""

    name = "dies-after"
    supports_tools = False
    continues_replies = False

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def stream(self, messages: Sequence[Message], **_: Any) -> Iterator[LLMDelta]:
        self.calls += 1
        if self.calls > self.n:
            raise KeyboardInterrupt
        yield LLMDelta(text="Heat: the crew is back, and so is the detective.")


def _rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text().splitlines()]
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_interrupted_campaign_resumes_without_duplicates(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"campaign{suffix}"
    ctx = make_ctx(tmp_path, role="marketer", llm=DiesAfter(3))
    heat = ctx.titles.resolve("Heat")
    with pytest.raises(KeyboardInterrupt):
        run_campaign(ctx, heat, USERS, "push", out, progress=False)
    assert [r["user_id"] for r in _rows(out)] == USERS[:3]

    ctx.llm = DiesAfter(100)
    summary = run_campaign(ctx, heat, USERS, "push", out, progress=False)
    rows = _rows(out)
    assert [r["user_id"] for r in rows] == USERS
    assert summary.written == 5 and summary.skipped == 3 and summary.total == 8
    assert {r["model"] for r in rows} == {"dies-after"}
    assert all(r["item_id"] == "6" and r["channel"] == "push" for r in rows)
    assert all(r["used_template"] in (False, "False") for r in rows)

    again = run_campaign(ctx, heat, USERS, "push", out, progress=False)
    assert again.written == 0 and len(_rows(out)) == 8


def test_torn_last_line_is_redone(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    ctx = make_ctx(tmp_path, role="marketer")  # no LLM: templates, with the reason recorded
    heat = ctx.titles.resolve("Heat")
    run_campaign(ctx, heat, USERS[:2], "tagline", out, progress=False)
    with out.open("a") as handle:
        handle.write('{"user_id": "3", "item_id": "6", "chan')  # killed mid-write
    assert read_done(out, "6", "tagline") == {"1", "2"}
    run_campaign(ctx, heat, USERS[:4], "tagline", out, progress=False)
    rows = _rows(out)
    assert [r["user_id"] for r in rows] == USERS[:4]
    assert all(r["used_template"] is True and r["fallback_reason"] == "no LLM configured" for r in rows)
    assert rows[0]["fans_of"]  # personalised: user 1 has favourites


def test_refuses_a_file_of_another_campaign(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    ctx = make_ctx(tmp_path, role="marketer")
    run_campaign(ctx, ctx.titles.resolve("Heat"), USERS[:1], "tagline", out, progress=False)
    with pytest.raises(CampaignFileError, match="line 1"):
        run_campaign(ctx, ctx.titles.resolve("Ronin"), USERS[:1], "tagline", out, progress=False)
    with pytest.raises(ValueError, match=r"\.csv or \.jsonl"):
        run_campaign(ctx, ctx.titles.resolve("Heat"), USERS[:1], "tagline", tmp_path / "c.txt", progress=False)


KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from tools.chat_model import LLMDelta
from tests.test_marketing_fakes import make_ctx
from tools.marketing.campaign import run_campaign

class KilledAfter:
    name = "dies-after"
    supports_tools = False
    continues_replies = False
    def __init__(self, n):
        self.n, self.calls = n, 0
    def stream(self, messages, **_):
        self.calls += 1
        if self.calls > self.n:
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no flush: a real crash
        yield LLMDelta(text="Heat: the crew is back, and so is the detective.")

tmp, out = Path(sys.argv[1]), Path(sys.argv[2])
ctx = make_ctx(tmp, role="marketer", llm=KilledAfter(4))
run_campaign(ctx, ctx.titles.resolve("Heat"), [str(u) for u in range(1, 9)], "push", out, progress=False)
"""


def test_campaign_killed_with_sigkill_resumes_without_duplicates(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from bot.config import REPO_ROOT

    out = tmp_path / "campaign.csv"
    done = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(tmp_path / "killed"), str(out)], cwd=REPO_ROOT, timeout=300
    )
    assert done.returncode == -signal.SIGKILL
    assert [r["user_id"] for r in _rows(out)] == USERS[:4]
    ctx = make_ctx(tmp_path / "resumed", role="marketer", llm=DiesAfter(100))
    summary = run_campaign(ctx, ctx.titles.resolve("Heat"), USERS, "push", out, progress=False)
    assert summary.skipped == 4 and summary.written == 4
    assert [r["user_id"] for r in _rows(out)] == USERS
