"""Bring-your-own catalog files: every bad row is named by file and line; good files load completely."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.catalog_files import CatalogFileError, load_catalog_file


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_good_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = write(
        tmp_path,
        "items.csv",
        "id,title,description,categories,year,brand\n"
        'a1,Blue Mug,"A mug, blue",Kitchen|Gifts,2020,Acme\na2,Red Pan,,Kitchen,,\n',
    )
    items = load_catalog_file(csv_path)
    assert [i.item_id for i in items] == ["a1", "a2"]
    assert items[0].genres == ("Kitchen", "Gifts") and items[0].year == 2020
    assert items[0].overview == "A mug, blue" and items[0].extra == {"brand": "Acme"}
    jsonl = write(
        tmp_path,
        "items.jsonl",
        '{"id": 1, "title": "Lamp", "categories": ["Home"], "watts": 40}\n\n{"id": 2, "title": "Desk"}\n',
    )
    loaded = load_catalog_file(jsonl)
    assert [i.item_id for i in loaded] == ["1", "2"] and loaded[0].extra == {"watts": 40}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "id,title\n1,Ok\n2,\n", "a.csv:3: missing title"),
        ("b.csv", "id,title\n1,Ok\n1,Again\n", "b.csv:3: duplicate id '1'"),
        ("c.csv", "id,title,year\n1,Ok,soon\n", "c.csv:2: year must be a whole number"),
        ("d.csv", "name,price\nx,1\n", "d.csv:1: the header must name at least the columns id and title"),
        ("e.jsonl", '{"id": 1, "title": "Ok"}\n{"id": 2, "title": \n', "e.jsonl:2: invalid JSON"),
        ("f.jsonl", '["not", "an", "object"]\n', "f.jsonl:1: each line must be a JSON object"),
        (
            "g.jsonl",
            '{"id": 1, "title": "x", "categories": "Home"}\n{"id": 2, "title": "y", "categories": 5}\n',
            "g.jsonl:2: categories must be a list",
        ),
        ("h.csv", "id,title\n", "h.csv: no items in file"),
        ("m.csv", "", "m.csv: the file is empty"),
        ("n.jsonl", "\n\n", "n.jsonl: the file is empty"),
        ("i.xml", "<items/>", "unknown file type '.xml'"),
        ("j.csv", b"id,title\n1,Caf\xe9\n", "not UTF-8"),
        ("k.csv", "id,title\n1,Ok,extra\n", "k.csv:2: more values than header columns"),
        ("l.csv", "id,title,year\n1,Ok,1200\n", "l.csv:2: year 1200 is out of range"),
    ],
)
def test_bad_files_name_file_line_and_problem(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    with pytest.raises(CatalogFileError) as info:
        load_catalog_file(write(tmp_path, name, content))
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="file not found"):
        load_catalog_file(tmp_path / "nope.csv")


def test_popularity_columns_become_the_items_rating_count_and_mean(tmp_path: Path) -> None:
    path = tmp_path / "books.csv"
    path.write_text("id,title,ratings_count,average_rating,authors\n1,Dune,1200,4.2,Frank Herbert\n2,Emma,,,\n")
    dune, emma = load_catalog_file(path)
    assert (dune.rating_count, dune.rating_mean) == (1200, 4.2)
    assert dune.extra == {"authors": "Frank Herbert"}  # the popularity columns are not kept twice
    assert (emma.rating_count, emma.rating_mean) == (0, None)
    for bad, problem in (
        ("-3,4.0", "ratings_count must be a whole number"),
        ("1.5,4", "whole number"),
        ("nan,4", "whole number"),
        ("3,7", "average_rating must be a number from 0 to 5"),
    ):
        path.write_text(f"id,title,ratings_count,average_rating\n1,Dune,{bad}\n")
        with pytest.raises(CatalogFileError, match=f"books.csv:2: .*{problem}"):
            load_catalog_file(path)
