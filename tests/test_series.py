"""A dislike keeps the disliked item's whole series out of the picks (tools/titles.py: SeriesIndex): someone who
hated Toy Story is not shown Toy Story 3 next."""

from __future__ import annotations

import pytest

from tests.router_fakes import item
from tools.titles import SeriesIndex, series_key


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Toy Story", "toy story"),
        ("Toy Story 3", "toy story"),
        ("Godfather: Part II, The", "godfather"),
        ("The Godfather", "godfather"),
        ("Rocky IV (1985)", "rocky"),
        ("Alien: Covenant", "alien"),
        ("Heat", "heat"),
        ("Seven (a.k.a. Se7en)", "seven"),
    ],
)
def test_series_key(title: str, key: str) -> None:
    assert series_key(title) == key


def test_same_series_finds_the_sequels_and_nothing_else() -> None:
    items = [
        item("1", "Toy Story", 1995, ("Animation",)),
        item("3114", "Toy Story 2", 1999, ("Animation",)),
        item("78499", "Toy Story 3", 2010, ("Animation",)),
        item("6", "Heat", 1995, ("Action",)),
        item("2571", "Matrix, The", 1999, ("Sci-Fi",)),
        item("6365", "Matrix Reloaded, The", 2003, ("Sci-Fi",)),  # another title: not a sequel mark
    ]
    index = SeriesIndex(items)
    assert sorted(index.same_series(["1"])) == ["1", "3114", "78499"]
    assert index.same_series(["6"]) == [] and index.same_series(["2571"]) == []
    assert index.same_series(["unknown"]) == []
