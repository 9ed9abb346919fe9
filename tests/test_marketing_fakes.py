"""Fakes shared by the marketing tests (no tests here): a small in-memory catalog, title index and history.

They implement just the parts of CatalogStore / TitleIndex / HistoryStore the marketing tools use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from bot.guard import check_copy
from store.catalog_profile import CatalogProfile, shipped_profile
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tools.chat_model import LLMDelta, LLMError, Message
from tools.context import Role, ToolContext
from tools.results import ToolInputError


def _item(item_id: str, title: str, year: int, genres: str, overview: str, **kw: Any) -> CatalogItem:
    return CatalogItem(item_id, title, year, tuple(genres.split("|")), overview, **kw)


ITEMS = [
    _item(
        "6",
        "Heat",
        1995,
        "Action|Crime|Thriller",
        "Neil McCauley and his professional crew of bank robbers pull off big scores in Los Angeles, hunted by "
        "the obsessive detective Vincent Hanna.",
        keywords=("bank robbery", "detective", "obsession"),
        tagline="A Los Angeles crime saga",
    ),
    _item(
        "1",
        "Toy Story",
        1995,
        "Adventure|Animation|Children|Comedy",
        "Woody the cowboy doll feels threatened when a space toy becomes the favourite in the room.",
        keywords=("toy", "rivalry", "friendship"),
        tagline="The adventure takes off!",
    ),
    _item(
        "858",
        "The Godfather",
        1972,
        "Crime|Drama",
        "The aging patriarch of a mafia family hands over his empire to his reluctant son.",
        keywords=("mafia", "family"),
        tagline="An offer you can't refuse.",
    ),
    _item(
        "2194",
        "The Untouchables",
        1987,
        "Action|Crime|Drama",
        "A federal agent builds a team to bring down a bootlegging gangster in Chicago.",
        keywords=("gangster", "prohibition"),
        tagline="What are you prepared to do?",
    ),
    _item(
        "1175",
        "Ronin",
        1998,
        "Action|Crime|Thriller",
        "Mercenaries are hired to steal a mysterious case; car chases through Paris and Nice follow.",
        keywords=("mercenary", "heist"),
        tagline="Trust no one.",
    ),
    _item(
        "2",
        "Jumanji",
        1995,
        "Adventure|Children|Fantasy",
        "Two children find a magical board game that releases a jungle of dangers.",
        keywords=("board game", "jungle"),
        tagline="Roll the dice and unleash the excitement!",
    ),
    _item(
        "2355",
        "A Bug's Life",
        1998,
        "Adventure|Animation|Children|Comedy",
        "An inventive ant recruits circus bugs to defend his colony from greedy grasshoppers.",
        keywords=("ant", "circus"),
        tagline="An epic of miniature proportions.",
    ),
    _item(
        "1036",
        "Die Hard",
        1988,
        "Action|Crime|Thriller",
        "A police officer fights terrorists who seize a Los Angeles skyscraper on Christmas Eve.",
        keywords=("terrorist", "skyscraper"),
        tagline="Forty stories of sheer adventure!",
    ),
]


class FakeCatalog:
    """In-memory catalog with hashing-embedder vectors: get, items, vectors, search; a film catalog's profile."""

    def __init__(self, items: Sequence[CatalogItem], profile: CatalogProfile | None = None) -> None:
        self.profile = profile or shipped_profile("film")
        self._items = list(items)
        self._index = {it.item_id: n for n, it in enumerate(self._items)}
        self.matrix = HashingEmbedder().embed([it.embedding_text() for it in self._items])

    def count(self) -> int:
        return len(self._items)

    def get(self, item_id: str) -> CatalogItem | None:
        n = self._index.get(item_id)
        return None if n is None else self._items[n]

    def items(self) -> list[CatalogItem]:
        return list(self._items)

    def index_of(self, item_id: str) -> int:
        return self._index[item_id]

    def vectors(self, item_ids: Sequence[str]) -> np.ndarray:
        return self.matrix[[self._index[i] for i in item_ids]]

    def search(
        self, query: Any, *, exclude_ids: Sequence[str] | None = None, k: int = 10, **_: Any
    ) -> list[tuple[CatalogItem, float]]:
        vector = HashingEmbedder().embed([query])[0] if isinstance(query, str) else np.asarray(query)
        scores = self.matrix @ vector
        order = np.argsort(-scores, kind="stable")
        banned = set(exclude_ids or ())
        hits = [(self._items[n], float(scores[n])) for n in order if self._items[n].item_id not in banned]
        return hits[:k]


class FakeTitles:
    def __init__(self, items: Sequence[CatalogItem]) -> None:
        self._items = list(items)

    def resolve(self, ref: str) -> CatalogItem:
        for item in self._items:
            if ref in (item.item_id, item.title) or ref.lower() == item.title.lower():
                return item
        raise ToolInputError(f"no item matches {ref!r}", suggestions=["Heat (1995)"])


@dataclass(frozen=True, slots=True)
class Event:
    user_id: str
    item_id: str
    signal: str
    rating: float | None = None


class FakeHistory:
    def __init__(self, events: Sequence[Event] = ()) -> None:
        self._events = list(events)

    def events(self, user_id: str) -> list[Event]:
        return [e for e in self._events if e.user_id == user_id]

    def users(self) -> list[str]:
        return sorted({e.user_id for e in self._events})

    def liked(self, user_id: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for e in self.events(user_id):
            if e.signal == "like" or (e.signal == "rating" and (e.rating or 0) >= 3.5):
                out[e.item_id] = 5.0 if e.signal == "like" else float(e.rating or 0)
        return out

    def seen_ids(self, user_id: str) -> set[str]:
        return {e.item_id for e in self.events(user_id)}


def demo_events() -> list[Event]:
    """Two taste groups: crime/action fans (users 1-6) and family/animation fans (users 7-12)."""
    crime, family = ["6", "858", "2194", "1175", "1036"], ["1", "2", "2355"]
    events = []
    for u in range(1, 13):
        liked, other = (crime, family) if u <= 6 else (family, crime)
        for n, item_id in enumerate(liked):
            if (u + n) % 4 != 0:  # not everyone saw everything
                events.append(Event(str(u), item_id, "rating", 5.0 if n % 2 == 0 else 4.5))
        events.append(Event(str(u), other[u % len(other)], "rating", 2.0))
    return events


def make_ctx(
    tmp_path: Path, *, user_id: str = "1", role: Role = "user", llm: Any = None, events: Sequence[Event] | None = None
) -> ToolContext:
    return ToolContext(
        llm_timeout_s=5.0,
        catalog=cast(Any, FakeCatalog(ITEMS)),
        history=cast(Any, FakeHistory(demo_events() if events is None else events)),
        embedder=HashingEmbedder(),
        titles=cast(Any, FakeTitles(ITEMS)),
        user_id=user_id,
        role=role,
        llm=llm,
        copy_check=check_copy,
    )


class TimeoutModel:
    """A ChatModel that always times out (the brief asks for a tiny fake before llm_scripted lands)."""

    name = "timeout"
    supports_tools = False
    continues_replies = False

    def stream(self, messages: Sequence[Message], **_: Any) -> Iterator[LLMDelta]:
        raise LLMError("timed out after 5 s")
        yield LLMDelta()  # pragma: no cover
