"""The marketing subcommands: argument parsing, JSON output, exit codes (fake stores behind the context)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

import bot.cli.marketing as cli
from bot.config import Settings
from tests.test_marketing_fakes import make_ctx


def _run(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, str]:
    def fake_context(settings: Settings, *, with_llm: bool, user_id: str | None = None) -> Any:
        ctx = make_ctx(tmp_path, role="marketer", user_id=user_id or cli.CLI_USER)
        assert ctx.role == "marketer"
        return ctx

    monkeypatch.setattr(cli, "marketer_context", fake_context)
    parser = argparse.ArgumentParser(prog="concierge")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.handler(args, Settings.model_validate({"home": tmp_path}))
    return code, capsys.readouterr().out


def test_keywords_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    code, out = _run(["keywords", "Heat", "--json", "--top-n", "3"], tmp_path, monkeypatch, capsys)
    payload = json.loads(out)
    assert code == 0 and payload["data"]["source"] == "item" and len(payload["data"]["keywords"]) <= 3
    code, out = _run(["keywords", "--text", "A bank robbery crew in a city", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0 and json.loads(out)["data"]["source"] == "text"
    code, _ = _run(["keywords", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 2


def test_copy_audience_segments_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    code, out = _run(["copy", "Heat", "--channel", "push", "--json", "--no-llm"], tmp_path, monkeypatch, capsys)
    assert code == 0 and "Heat" in json.loads(out)["data"]["text"]
    code, out = _run(["audience", "Ronin", "--k", "10", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0 and json.loads(out)["data"]["audience_size"] > 0
    code, out = _run(["segments", "--n-segments", "2", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 0 and len(json.loads(out)["segments"]) == 2
    code, _ = _run(["copy", "Nope", "--json"], tmp_path, monkeypatch, capsys)
    assert code == 2


def test_campaign_for_a_segment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    out_file = tmp_path / "c.csv"
    argv = ["campaign", "--item", "Heat", "--segment", "0", "--n-segments", "2", "--channel", "push"]
    code, out = _run([*argv, "--out", str(out_file), "--json", "--no-llm"], tmp_path, monkeypatch, capsys)
    summary = json.loads(out)
    assert code == 0 and summary["written"] == 6 and out_file.read_text().count("\n") == 7  # header + 6 rows
    code, out = _run([*argv, "--out", str(out_file), "--json", "--no-llm"], tmp_path, monkeypatch, capsys)
    assert json.loads(out)["written"] == 0 and json.loads(out)["skipped"] == 6
