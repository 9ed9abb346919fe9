"""`concierge ingest / search / item`: exit codes, --json output, one-line errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import store.embedder
from bot.cli.catalog import register
from bot.config import Settings
from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from tests.catalog_fixtures import DEMO_DATA, tmp_settings
from tests.cli_fixtures import CliRunner, hashing_embedder_fixture

CATALOG = (
    "id,title,description,categories,year,brand\n"
    'm1,Blue Mug,"Stoneware coffee mug, blue glaze",Kitchen|Gifts,2020,Acme\n'
    "m2,Red Pan,Cast iron frying pan for steaks,Kitchen,2018,Forge\n"
    "m3,Desk Lamp,LED lamp for reading at night,Office,2021,Lumo\n"
    "m4,Coffee Grinder,Burr grinder for espresso coffee beans,Kitchen|Coffee,2019,Acme\n"
)


hashing_embedder = hashing_embedder_fixture(store.embedder)
run = CliRunner(register)


@pytest.fixture
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Settings:
    settings = tmp_settings(tmp_path)
    path = tmp_path / "items.csv"
    path.write_text(CATALOG, encoding="utf-8")
    code, out, _ = run(settings, capsys, "ingest", "--catalog", str(path), "--json")
    summary = json.loads(out)
    assert code == 0 and summary["items"] == 4 and summary["skipped"] is False
    return settings


def test_reingest_unchanged_is_a_noop(built: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(built, capsys, "ingest", "--catalog", str(tmp_path / "items.csv"))
    assert code == 0 and "unchanged" in out


def test_bad_catalog_file_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\n1,Fine\n2,\n", encoding="utf-8")
    code, out, err = run(tmp_settings(tmp_path), capsys, "ingest", "--catalog", str(bad))
    assert code == 2 and not out
    assert "bad.csv:3: missing title" in err and err.count("\n") == 1
    assert not (tmp_path / "home" / "chroma").exists(), "nothing is written for a bad file"


def test_missing_demo_data_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(home=tmp_path / "home", data_dir=tmp_path / "nodata")  # type: ignore[call-arg]
    code, _, err = run(settings, capsys, "ingest")
    assert code == 2 and "CONCIERGE_DATA_DIR" in err


def test_search_before_any_ingest_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(tmp_settings(tmp_path), capsys, "search", "mug")
    assert code == 2 and "build-demo" in err and "concierge ingest" in err


def test_search_json_respects_filters(built: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(built, capsys, "search", "coffee", "--genre", "kitchen", "--year-from", "2019", "--json")
    rows = json.loads(out)["items"]
    assert code == 0 and rows
    assert {r["item_id"] for r in rows} <= {"m1", "m4"}
    assert all("Kitchen" in r["genres"] and r["year"] >= 2019 and r["provenance"] for r in rows)
    code, out, _ = run(built, capsys, "search", "Desk Lamp", "--k", "2")
    assert code == 0 and out.splitlines()[0].startswith(" 1. Desk Lamp (2021)")


def test_search_facet_flags(built: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(built, capsys, "search", "coffee", "--facet", "brand=acme", "--json")
    rows = json.loads(out)["items"]
    assert code == 0 and rows and {r["item_id"] for r in rows} <= {"m1", "m4"}
    assert all("from Acme" in r["provenance"]["filters_matched"] for r in rows)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", "mug", "--facet", "colour=blue"], "unknown exact facet 'colour'; facets of this catalog: brand"),
        (["search", "mug", "--facet", "brand"], "--facet wants FIELD=VALUE"),
        (["search", "mug", "--max", "price=cheap"], "--max wants FIELD=NUMBER"),
        (["search", "mug", "--genre", "Western"], "known genres: Coffee, Gifts, Kitchen, Office"),
        (["search", "mug", "--year-from", "2022", "--year-to", "2020"], "after year_to"),
        (["search", "mug", "--k", "51"], "k must be between 1 and 50"),
        (["item", "Green Teapot"], "No item matches 'Green Teapot'"),
    ],
)
def test_bad_arguments_exit_2(
    built: Settings, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(built, capsys, *argv)
    assert code == 2 and not out and message in err


def test_item_json_by_fuzzy_title_and_id(built: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(built, capsys, "item", "coffe grinder", "--json")
    facts: dict[str, Any] = json.loads(out)
    assert code == 0 and facts["item_id"] == "m4" and facts["extra"] == {"brand": "Acme"}
    code, out, _ = run(built, capsys, "item", "m2", "--json")
    assert json.loads(out)["title"] == "Red Pan"


def test_demo_data_dir_exists_for_other_tests() -> None:
    assert (DEMO_DATA / "ml-latest-small" / "movies.csv").is_file()


def test_ingest_with_a_profile_file_and_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = tmp_settings(tmp_path)
    catalog = tmp_path / "items.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("searchable: [colour]\n", encoding="utf-8")
    code, _, err = run(settings, capsys, "ingest", "--catalog", str(catalog), "--profile", str(bad))
    assert code == 2
    assert err.strip() == "concierge: the profile names the field 'colour', which no item has"
    good = tmp_path / "shop.yaml"
    good.write_text("item: {singular: product, plural: products}\nname: the Acme shop\n", encoding="utf-8")
    assert run(settings, capsys, "ingest", "--catalog", str(catalog), "--profile", str(good))[0] == 0
    profile = CatalogStore.open(settings.chroma, HashingEmbedder()).profile
    assert (profile.name, profile.item.plural) == ("the Acme shop", "products")
    assert profile.facet("brand") is not None  # what the file does not say stays inferred
