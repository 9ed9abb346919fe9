"""The demo catalog: MovieLens ml-latest-small joined with TMDB 5000 overviews (files in data/, unchanged)."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from store.items import CatalogItem

MOVIELENS_DIR = "ml-latest-small"
TMDB_FILE = "tmdb-5000-movies/tmdb_5000_movies.csv"
REQUIRED_FILES = (
    f"{MOVIELENS_DIR}/movies.csv",
    f"{MOVIELENS_DIR}/ratings.csv",
    f"{MOVIELENS_DIR}/tags.csv",
    f"{MOVIELENS_DIR}/links.csv",
    TMDB_FILE,
)
_YEAR = re.compile(r"\s*\((\d{4})(?:[–-]\d{0,4})?\)\s*$")
_ARTICLE = re.compile(r"^(?P<body>.+), (?P<article>The|A|An|Les|La|Le|L'|Il|El|Die|Der|Das|Los|Las)$")


class DataMissingError(FileNotFoundError):
    """The demo data folder lacks a file the catalog needs."""


def check_data_dir(data_dir: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (data_dir / name).is_file()]
    if missing:
        raise DataMissingError(
            f"demo data not found in {data_dir}: missing {', '.join(missing)}. "
            "Set CONCIERGE_DATA_DIR to the folder holding ml-latest-small/ and tmdb-5000-movies/."
        )


def display_title(raw: str) -> tuple[str, int | None]:
    """'Godfather, The (1972)' -> ('The Godfather', 1972). Alternative titles in parentheses are kept."""
    title = raw.strip()
    year: int | None = None
    match = _YEAR.search(title)
    if match:
        year = int(match.group(1))
        title = title[: match.start()].strip()
    # "Amelie (Fabuleux destin d'Amélie Poulain, Le)" -> main part first, alternative kept after
    main, sep, alt = title.partition(" (")
    article = _ARTICLE.match(main)
    if article:
        main = f"{article.group('article')} {article.group('body')}".replace("L' ", "L'")
    return (main + sep + alt if sep else main), year


def _names(json_list: str) -> tuple[str, ...]:
    if not json_list:
        return ()
    try:
        return tuple(entry["name"] for entry in json.loads(json_list) if entry.get("name"))
    except (ValueError, TypeError, KeyError):
        return ()


def _read_tmdb(path: Path) -> dict[int, dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                rows[int(row["id"])] = row
            except (KeyError, ValueError):
                continue
    return rows


def load_demo_items(data_dir: Path) -> list[CatalogItem]:
    """One CatalogItem per MovieLens movie (9,742), enriched from TMDB, tags and ratings."""
    check_data_dir(data_dir)
    ml = data_dir / MOVIELENS_DIR
    tmdb = _read_tmdb(data_dir / TMDB_FILE)
    links: dict[str, int] = {}
    with (ml / "links.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("tmdbId"):
                links[row["movieId"]] = int(row["tmdbId"])
    tag_counts: dict[str, Counter[str]] = defaultdict(Counter)
    with (ml / "tags.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            tag_counts[row["movieId"]][row["tag"].strip().lower()] += 1
    rating_sum: dict[str, float] = defaultdict(float)
    rating_n: Counter[str] = Counter()
    with (ml / "ratings.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rating_sum[row["movieId"]] += float(row["rating"])
            rating_n[row["movieId"]] += 1
    items: list[CatalogItem] = []
    with (ml / "movies.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            movie_id = row["movieId"]
            title, year = display_title(row["title"])
            genres = tuple(g for g in row["genres"].split("|") if g and g != "(no genres listed)")
            extra: dict[str, object] = {"source_title": row["title"]}
            overview = tagline = ""
            keywords: tuple[str, ...] = ()
            tmdb_row = tmdb.get(links.get(movie_id, -1))
            if tmdb_row is not None:
                overview = (tmdb_row.get("overview") or "").replace("\r", " ").strip()
                tagline = (tmdb_row.get("tagline") or "").strip()
                keywords = _names(tmdb_row.get("keywords", ""))
                extra["tmdb_id"] = int(tmdb_row["id"])
                original = (tmdb_row.get("original_title") or "").strip()
                if original and original.casefold() != title.casefold():
                    extra["original_title"] = original  # "Le fabuleux destin d'Amélie Poulain": matched as the title
            n = rating_n[movie_id]
            items.append(
                CatalogItem(
                    item_id=movie_id,
                    title=title,
                    year=year,
                    genres=genres,
                    overview=overview,
                    keywords=keywords,
                    tagline=tagline,
                    tags=tuple(tag for tag, _ in tag_counts[movie_id].most_common(15)),
                    rating_count=n,
                    rating_mean=round(rating_sum[movie_id] / n, 3) if n else None,
                    extra=extra,
                )
            )
    return items


@dataclass(frozen=True, slots=True)
class Ratings:
    """MovieLens ratings as parallel arrays (user ids are the MovieLens ints as strings)."""

    user_ids: np.ndarray  # dtype object (str)
    item_ids: np.ndarray  # dtype object (str)
    ratings: np.ndarray  # float32
    timestamps: np.ndarray  # int64, seconds

    def __len__(self) -> int:
        return len(self.ratings)


def load_ratings(data_dir: Path) -> Ratings:
    check_data_dir(data_dir)
    users: list[str] = []
    items: list[str] = []
    ratings: list[float] = []
    stamps: list[int] = []
    with (data_dir / MOVIELENS_DIR / "ratings.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            users.append(row["userId"])
            items.append(row["movieId"])
            ratings.append(float(row["rating"]))
            stamps.append(int(row["timestamp"]))
    return Ratings(
        user_ids=np.array(users, dtype=object),
        item_ids=np.array(items, dtype=object),
        ratings=np.array(ratings, dtype=np.float32),
        timestamps=np.array(stamps, dtype=np.int64),
    )
