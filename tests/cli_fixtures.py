"""The `concierge` command run in-process by tests: exit code, stdout and stderr, and never a traceback."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.config import Settings
from store.embedder import HashingEmbedder
from tests.catalog_fixtures import tmp_settings

Register = Callable[[Any], None]  # a CLI area's `register(subparsers)`, e.g. bot.cli.catalog.register


def hashing_embedder_fixture(*modules: ModuleType) -> Any:
    """An autouse fixture for a test module (assign it to a module name): each module's MiniLMEmbedder is a
    HashingEmbedder, so nothing loads a model."""

    @pytest.fixture(autouse=True)
    def hashing_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
        for module in modules:
            monkeypatch.setattr(module, "MiniLMEmbedder", lambda *args, **kwargs: HashingEmbedder())

    return hashing_embedder


class CliRunner:
    """`concierge` with only the given CLI areas registered: `run(settings, capsys, *argv)` is (code, out, err)."""

    def __init__(self, *areas: Register) -> None:
        self.areas = areas

    def __call__(self, settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog="concierge")
        subparsers = parser.add_subparsers(dest="command", required=True)
        for register in self.areas:
            register(subparsers)
        args = parser.parse_args(list(argv))
        code = int(args.handler(args, settings))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    def ingested(self, tmp_path: Path, capsys: pytest.CaptureFixture[str], catalog_csv: str) -> Settings:
        """Settings in tmp_path whose catalog is catalog_csv (written to tmp_path/items.csv), by `concierge ingest`."""
        settings = tmp_settings(tmp_path)
        path = tmp_path / "items.csv"
        path.write_text(catalog_csv, encoding="utf-8")
        assert self(settings, capsys, "ingest", "--catalog", str(path))[0] == 0
        return settings
