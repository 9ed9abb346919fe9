"""`concierge eval` wiring, and (slow) the whole protocol on a sample of the real demo users."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from bot.cli.recommend import cmd_eval, register_eval
from bot.config import REPO_ROOT, Settings
from tools.recommender.evaluation import MODELS, format_table, run_eval


def test_register_eval_adds_subcommand() -> None:
    parser = argparse.ArgumentParser()
    register_eval(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "--json", "--sample-users", "50"])
    assert args.handler is cmd_eval and args.json and args.sample_users == 50 and not args.tune


@pytest.mark.slow
def test_eval_on_real_sample(tmp_path: Path) -> None:
    built = REPO_ROOT / "var" / "chroma"
    if not built.is_dir():
        pytest.skip("needs the built demo catalog in var/")
    shutil.copytree(built, tmp_path / "chroma", ignore=shutil.ignore_patterns("*.lock"))  # var/ stays untouched
    settings = Settings(home=tmp_path)
    result = run_eval(settings.chroma, settings.data_dir, sample_users=150)
    rows = {(r["model"], r["slice"]): r for r in result["rows"]}
    assert {m for m, _ in rows} >= set(MODELS)
    assert rows[("ease", "all")]["ndcg@20"] > rows[("popularity", "all")]["ndcg@20"]
    assert rows[("hybrid", "all")]["ndcg@20"] > rows[("itemknn", "all")]["ndcg@20"]
    assert rows[("popularity", "all")]["popularity_pct"] > rows[("content", "all")]["popularity_pct"]
    assert 0 < rows[("hybrid", "all")]["coverage"] < 1
    assert result["meta"]["lambda"] in (30.0, 60.0, 120.0, 250.0, 500.0)
    assert "hybrid / EASE" in format_table(result)
