"""Catalog store: ingest into Chroma, no-op re-ingest, atomic swap, one writer, filters, server mode."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from store.catalog import CatalogNotBuilt, CatalogStore
from store.chroma_client import make_client
from store.embedder import HashingEmbedder
from store.ingest import WriterBusy, ingest_items
from store.items import CatalogItem
from store.movielens import DataMissingError, check_data_dir, display_title, load_demo_items
from tests.catalog_fixtures import popular_items, tmp_settings

VENV_BIN = Path(sys.executable).parent


def test_display_title_moves_articles_and_parses_years() -> None:
    assert display_title("Godfather, The (1972)") == ("The Godfather", 1972)
    assert display_title("Babylon 5") == ("Babylon 5", None)
    assert display_title("Death Note: Desu nôto (2006–2007)") == ("Death Note: Desu nôto", 2006)


def test_demo_catalog_has_every_movie_with_tmdb_overviews() -> None:
    items = load_demo_items(Path(__file__).resolve().parent.parent / "data")
    assert len(items) == 9742
    with_overview = sum(1 for item in items if item.overview)
    assert 3500 <= with_overview <= 3540
    godfather = next(i for i in items if i.item_id == "858")
    assert (godfather.title, godfather.year, godfather.genres) == ("The Godfather", 1972, ("Crime", "Drama"))
    assert "mafia" in godfather.keywords and godfather.rating_count > 100 and godfather.tagline


def test_missing_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataMissingError, match="CONCIERGE_DATA_DIR"):
        check_data_dir(tmp_path)


def test_open_before_ingest_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(CatalogNotBuilt, match="build-demo"):
        CatalogStore.open(tmp_settings(tmp_path).chroma, HashingEmbedder())


def test_ingest_open_roundtrip_and_noop(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    items = popular_items(300)
    first = ingest_items(settings.chroma, HashingEmbedder(), items, source="test", show_progress=False)
    assert not first.skipped and first.items == 300
    store = CatalogStore.open(settings.chroma, HashingEmbedder())
    assert [i.item_id for i in store.items()] == [i.item_id for i in items]
    assert store.get("858") == next(i for i in items if i.item_id == "858")
    direct = HashingEmbedder().embed([items[0].embedding_text()])[0]
    assert np.allclose(store.matrix[0], direct, atol=1e-6)
    again = ingest_items(settings.chroma, HashingEmbedder(), items, source="test", show_progress=False)
    assert again.skipped and again.collection == first.collection


def test_changed_catalog_swaps_and_failed_ingest_keeps_the_old_one(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    ingest_items(settings.chroma, HashingEmbedder(), popular_items(100), source="v1", show_progress=False)

    class Exploding(HashingEmbedder):
        def embed(self, texts, *, batch_size=64, show_progress=False):  # type: ignore[no-untyped-def]
            raise RuntimeError("embedding server died")

    with pytest.raises(RuntimeError, match="died"):
        ingest_items(settings.chroma, Exploding(), popular_items(120), source="v2", show_progress=False)
    assert CatalogStore.open(settings.chroma, HashingEmbedder()).count() == 100
    ingest_items(settings.chroma, HashingEmbedder(), popular_items(120), source="v3", show_progress=False)
    assert CatalogStore.open(settings.chroma, HashingEmbedder()).count() == 120
    client = make_client(settings.chroma)
    names = sorted(c.name for c in client.list_collections())
    assert len([n for n in names if n.startswith("catalog-")]) == 1, names


def test_second_writer_is_refused(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    settings.chroma_path.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from filelock import FileLock; l=FileLock(sys.argv[1]); l.acquire(); "
            "print('held', flush=True); time.sleep(30)",
            str(settings.chroma_path / ".writer.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WriterBusy, match="one writer per folder"):
            ingest_items(settings.chroma, HashingEmbedder(), popular_items(10), source="x", show_progress=False)
    finally:
        holder.kill()
        holder.wait()


def test_every_filter_is_respected() -> None:
    store = CatalogStore.from_items(popular_items(400), HashingEmbedder())
    rng = random.Random(7)
    genres = store.genres
    for _ in range(60):
        want = rng.sample(genres, rng.randint(0, 2))
        avoid = [g for g in rng.sample(genres, rng.randint(0, 2)) if g not in want]
        year_from = rng.choice([None, 1970, 1990, 2000])
        year_to = rng.choice([None, 1995, 2005, 2018])
        if year_from and year_to and year_from > year_to:
            year_from, year_to = year_to, year_from
        min_rating = rng.choice([None, 3.5, 4.0])
        exclude = [i.item_id for i in rng.sample(store.items(), 20)]
        hits = store.search(
            rng.choice(["crime family", "space adventure", "love story", "funny"]),
            genres=want or None,
            exclude_genres=avoid or None,
            year_from=year_from,
            year_to=year_to,
            min_rating=min_rating,
            exclude_ids=exclude,
            k=15,
        )
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        for item, _ in hits:
            assert not want or set(want) & set(item.genres)
            assert not set(avoid) & set(item.genres)
            assert year_from is None or (item.year or 0) >= year_from
            assert year_to is None or (item.year is not None and item.year <= year_to)
            assert min_rating is None or (item.rating_mean or 0) >= min_rating
            assert item.item_id not in exclude


def test_exact_title_ranks_first() -> None:
    store = CatalogStore.from_items(popular_items(400), HashingEmbedder())
    for title in ("Heat", "The Godfather", "Toy Story"):
        assert store.search(title, k=3)[0][0].title == title


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = _free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen(
        [
            str(VENV_BIN / "chroma"),
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            pytest.fail(f"chroma server exited with code {process.returncode}")
        time.sleep(0.3)
    else:
        process.kill()
        process.wait(timeout=20)
        pytest.fail("chroma server did not answer its heartbeat within 60 s")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def test_chroma_server_mode(tmp_path: Path, chroma_server: str) -> None:
    settings = tmp_settings(tmp_path, chroma_url=chroma_server)
    items: list[CatalogItem] = popular_items(150)
    summary = ingest_items(settings.chroma, HashingEmbedder(), items, source="server", show_progress=False)
    assert not summary.skipped
    store = CatalogStore.open(settings.chroma, HashingEmbedder())
    assert store.count() == 150
    assert store.search("The Godfather", k=1)[0][0].item_id == "858"
    hits = store.search("crime family", genres=["Crime"], year_from=1970, year_to=1999, k=5)
    assert hits and all("Crime" in i.genres and 1970 <= (i.year or 0) <= 1999 for i, _ in hits)
    assert not settings.chroma_path.exists(), "server mode writes nothing locally"
    assert ingest_items(settings.chroma, HashingEmbedder(), items, source="server", show_progress=False).skipped


def test_refused_writer_names_the_holders_pid(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    code = (
        "import sys, time\n"
        "from bot.config import Settings\n"
        "from store.writer_lock import writer_lock\n"
        "with writer_lock(Settings(home=sys.argv[1]).chroma):\n"
        "    print('held', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(settings.home)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WriterBusy, match=rf"\(pid {holder.pid}\); one writer per folder"):
            ingest_items(settings.chroma, HashingEmbedder(), popular_items(10), source="x", show_progress=False)
    finally:
        holder.kill()
        holder.wait()
    # the lock dies with its holder: the next writer proceeds
    assert not ingest_items(
        settings.chroma, HashingEmbedder(), popular_items(10), source="x", show_progress=False
    ).skipped
