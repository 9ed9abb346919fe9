"""`concierge events FILE`: CSV and JSONL, a second run adds nothing, a bad file is `file:line` and exit code 2
with nothing written, and `concierge profile` sees the events at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import bot.composition
import store.embedder
from bot.cli import catalog, events, recommend
from bot.config import Settings
from store.history import HistoryStore
from tests.cli_fixtures import CliRunner, hashing_embedder_fixture

CATALOG = (
    "id,title,description,categories,year\n"
    "m1,Blue Mug,Stoneware coffee mug,Kitchen|Gifts,2020\n"
    "m2,Red Pan,Cast iron frying pan,Kitchen,2018\n"
    "m3,Desk Lamp,LED lamp for reading,Office,2021\n"
)
EVENTS_CSV = (
    "event_id,user_id,item_id,kind,timestamp,value\n"
    "o1,c7,m1,purchase,2026-11-30T14:05:00Z,\n"
    "o2,c7,m2,add_to_cart,1764511500,\n"
    "o3,c7,m3,rating,1764511600,1.5\n"
)


hashing_embedder = hashing_embedder_fixture(store.embedder, bot.composition)
run = CliRunner(catalog.register, events.register, recommend.register)


@pytest.fixture
def shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Settings:
    return run.ingested(tmp_path, capsys, CATALOG)


def stored(settings: Settings) -> int:
    history = HistoryStore(settings.history_path)
    try:
        return history.count_rows("c7")
    finally:
        history.close()


def test_a_file_twice_adds_nothing_and_the_profile_sees_it(
    shop: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV, encoding="utf-8")
    code, out, _ = run(shop, capsys, "events", str(path), "--json")
    first = json.loads(out)
    assert code == 0 and (first["received"], first["new"], first["known"]) == (3, 3, 0)
    code, out, _ = run(shop, capsys, "events", str(path), "--json")
    assert code == 0 and (json.loads(out)["new"], json.loads(out)["known"]) == (0, 3)
    assert stored(shop) == 3
    code, out, _ = run(shop, capsys, "profile", "--user", "c7", "--json")
    profile = json.loads(out)
    assert profile["counts"]["interactions"] == 2 and profile["counts"]["ratings"] == 1
    assert profile["top_genres"][0]["genre"] == "Kitchen"
    assert profile["favourites"][0] == "Blue Mug (2020)"  # the purchase


def test_jsonl_works_too(shop: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.jsonl"
    rows = [{"event_id": "j1", "user_id": "c7", "item_id": "m1", "kind": "view", "timestamp": 1764511500}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    code, out, _ = run(shop, capsys, "events", str(path))
    assert code == 0 and "1 events, 1 new, 0 already known" in out


@pytest.mark.parametrize(
    ("name", "text", "error"),
    [
        ("bad.csv", EVENTS_CSV + "o4,c7,nope,view,1764511700,\n", "bad.csv:5: unknown item id 'nope'"),
        ("bad.csv", EVENTS_CSV.replace("1764511600,1.5", "1764511600,"), "bad.csv:4: rating needs a value 0.5-5"),
        ("bad.csv", EVENTS_CSV.replace("add_to_cart", "wish"), "bad.csv:3: unknown kind 'wish'"),
        ("bad.csv", EVENTS_CSV.replace("1764511500", "soon"), "bad.csv:3: timestamp 'soon' is neither"),
        ("bad.csv", EVENTS_CSV.replace("o2,c7,", "o2,,"), "bad.csv:3: missing user_id"),
        ("bad.csv", "event_id,user_id,item_id,kind\n", "bad.csv:1: the header lacks the column(s) timestamp"),
        ("bad.jsonl", '{"event_id": "j1"}\n{oops\n', "bad.jsonl:2: invalid JSON"),
        ("bad.jsonl", '\n\n{"event_id": "j1", "user_id": "c7", "item_id": "m1"}\n', "bad.jsonl:3: missing kind"),
        ("bad.xml", "<events/>", "bad.xml: unknown file type '.xml'"),
    ],
)
def test_a_bad_file_is_file_line_exit_2_and_nothing_written(
    shop: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, error: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = run(shop, capsys, "events", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"concierge: {tmp_path / error.split(':')[0]}") and error.split(" ", 1)[-1] in err, err
    assert err.count("\n") == 1
    assert stored(shop) == 0
