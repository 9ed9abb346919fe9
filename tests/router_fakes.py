"""Shared fakes for the router tests: a tiny catalog with awkward titles, a router on the HashingEmbedder."""

from __future__ import annotations

from bot.agent.decision import DialogueState, PlannedCall
from bot.agent.events import ItemView
from store.items import CatalogItem


def item(item_id: str, title: str, year: int, genres: tuple[str, ...], count: int = 10) -> CatalogItem:
    return CatalogItem(item_id=item_id, title=title, year=year, genres=genres, rating_count=count)


def tiny_catalog() -> list[CatalogItem]:
    """Titles that are also common words (Heat, Up, It, Her, Kids, More) next to ordinary ones."""
    return [
        item("1", "Toy Story", 1995, ("Animation", "Children", "Comedy"), 200),
        item("6", "Heat", 1995, ("Action", "Crime", "Thriller"), 100),
        item("858", "The Godfather", 1972, ("Crime", "Drama"), 190),
        item("296", "Pulp Fiction", 1994, ("Comedy", "Crime", "Drama", "Thriller"), 300),
        item("2571", "The Matrix", 1999, ("Action", "Sci-Fi", "Thriller"), 280),
        item("1214", "Alien", 1979, ("Horror", "Sci-Fi"), 150),
        item("68954", "Up", 2009, ("Adventure", "Animation"), 90),
        item("2664", "It", 1990, ("Horror",), 5),
        item("176371", "It", 2017, ("Horror",), 50),
        item("106782", "Her", 2013, ("Drama", "Romance", "Sci-Fi"), 40),
        item("123", "Kids", 1995, ("Drama",), 8),
        item("2117", "More", 1998, ("Animation",), 1),
        item("4896", "Ronin", 1998, ("Action", "Crime", "Thriller"), 60),
        item("7000", "Amelie (Fabuleux destin d'Amélie Poulain, Le)", 2001, ("Comedy", "Romance"), 120),
        item("1", "Toy Story", 1995, ("Animation", "Children", "Comedy"), 200),
        item("1900", "Metropolis", 1927, ("Drama", "Sci-Fi"), 20),
        item("189333", "Mission: Impossible - Fallout", 2018, ("Action", "Adventure", "Thriller"), 10),
    ]


def listed_state() -> DialogueState:
    """After recommend(genres=[Crime]) showed Heat (1995), The Godfather (1972), Ronin (1998)."""
    views = [
        ItemView("6", "Heat", 1995, ("Action", "Crime"), "", 0.9),
        ItemView("858", "The Godfather", 1972, ("Crime", "Drama"), "", 0.8),
        ItemView("4896", "Ronin", 1998, ("Action", "Crime"), "", 0.7),
    ]
    return DialogueState(
        last_items=views,
        last_calls=[PlannedCall("recommend", {"genres": ["Crime"]})],
        shown_ids=[v.item_id for v in views],
    )


def details_state() -> DialogueState:
    """After item_details showed only Toy Story (the last list call was a recommend of animations)."""
    return DialogueState(
        last_items=[ItemView("1", "Toy Story", 1995, ("Animation",), "", 1.0)],
        last_calls=[PlannedCall("recommend", {"genres": ["Animation"]})],
        shown_ids=["1"],
    )
