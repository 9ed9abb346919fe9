"""`concierge ingest --upsert FILE / --delete ID`: a live update from the command line, errors naming file:line
with nothing written, and the refusal while a service serves the local folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import store.embedder
from bot.cli.catalog import register
from bot.config import Settings
from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.folder_claim import FolderClaim
from tests.cli_fixtures import CliRunner, hashing_embedder_fixture
from tests.test_catalog_cli import CATALOG

run = CliRunner(register)
hashing_embedder = hashing_embedder_fixture(store.embedder)


@pytest.fixture
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Settings:
    return run.ingested(tmp_path, capsys, CATALOG)


def ids(settings: Settings) -> list[str]:
    return [item.item_id for item in CatalogStore.open(settings.chroma, HashingEmbedder()).items()]


def test_upsert_and_delete_from_the_command_line(
    built: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "changes.jsonl"
    path.write_text('{"id": "m1", "title": "Green Mug"}\n{"id": "m9", "title": "Teapot", "year": 2022}\n')
    code, out, _ = run(built, capsys, "ingest", "--upsert", str(path), "--delete", "m3", "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["upserted"], summary["created"], summary["deleted"], summary["revision"]) == (2, 1, 1, 1)
    assert ids(built) == ["m1", "m2", "m4", "m9"]


def test_a_bad_row_names_file_and_line_and_nothing_is_written(
    built: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "changes.csv"
    path.write_text("id,title\nm9,Teapot\nm10,\n", encoding="utf-8")
    code, _, err = run(built, capsys, "ingest", "--upsert", str(path), "--delete", "m1")
    assert code == 2 and err.strip() == f"concierge: {path}:3: missing title for id 'm10'"
    assert ids(built) == ["m1", "m2", "m3", "m4"]


def test_refused_while_a_service_serves_the_local_folder(
    built: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = FolderClaim(built.chroma)
    assert claim.try_claim()
    try:
        code, _, err = run(built, capsys, "ingest", "--delete", "m1")
    finally:
        claim.release()
    assert code == 2 and "served by a running service" in err and "POST /api/v1/items/batch" in err
    assert ids(built) == ["m1", "m2", "m3", "m4"]
