"""Live catalog updates through the real backend: a deleted item is never shown again, also in an open
conversation ("the first one", "more", "more like those", the transcript), an upserted one is found at once, and
a second process over the same Chroma server sees both within the catalog check interval."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.agent.decision import DialogueState, PlannedCall
from bot.agent.dialogue_state import withdraw_deleted
from bot.agent.events import ItemView, TurnDone, TurnResult
from bot.agent.router.followups import referenced_item
from bot.agent.router.slots import Slots
from bot.concierge import Concierge
from bot.config import Settings
from tests.catalog_fixtures import DEMO_DATA
from tests.live_catalog import build_catalog, live_backend
from tests.test_fault_chroma import ChromaServer, running_chroma, wait_for

USER = "1"  # a demo user: has history, so the recommender's collaborative part runs
NEW_ITEM = {
    "id": "live-1",
    "title": "Zanzibar Midnight Heist",
    "description": "A crew of retired safecrackers plans one last heist in Zanzibar.",
    "categories": ["Crime", "Thriller"],
    "year": 2024,
}


def turn(backend: Concierge, session_id: str, text: str) -> TurnResult:
    for event in backend.run_turn(user_id=USER, text=text, session_id=session_id, reply_mode="template"):
        if isinstance(event, TurnDone):
            return event.result
    raise AssertionError("the turn ended without TurnDone")


def shown(result: TurnResult) -> list[str]:
    return [item.item_id for item in result.items]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Concierge:
    home = tmp_path_factory.mktemp("live") / "home"
    build_catalog(Settings(home=home, data_dir=DEMO_DATA))
    return live_backend(home)


def test_a_deleted_item_is_never_shown_again_in_an_open_conversation(backend: Concierge) -> None:
    session = backend.create_session(USER)
    first = turn(backend, session, "a mafia crime saga")
    assert len(first.items) >= 3, first.reply
    gone = first.items[0]
    details = turn(backend, session, "tell me more about the first one")
    assert shown(details) == [gone.item_id]  # before the delete "the first one" is that item

    summary = backend.update_catalog(delete=[gone.item_id])
    assert summary["deleted"] == 1 and backend.components.catalog.get(gone.item_id) is None

    for text in ("tell me more about the first one", "more", "more like those", "something similar to it"):
        result = turn(backend, session, text)
        assert gone.item_id not in shown(result), (text, result.reply)
        assert gone.title not in result.reply, (text, result.reply)
    assert gone.item_id not in shown(turn(backend, session, gone.title))  # by its title: not found either
    assert gone.item_id not in shown(turn(backend, session, "recommend me something"))
    transcript = backend.session_messages(USER, session)
    cards = [item["item_id"] for message in transcript for item in message.get("items") or []]
    assert cards and gone.item_id not in cards  # the transcript's cards no longer show it
    with pytest.raises(KeyError):
        backend.record_feedback(USER, gone.item_id, "like")


def test_an_upserted_item_is_found_at_once_and_can_be_replaced(backend: Concierge) -> None:
    summary = backend.update_catalog(upsert=[NEW_ITEM])
    assert (summary["created"], summary["embedded"]) == (1, 1)
    session = backend.create_session(USER)
    assert "live-1" in shown(turn(backend, session, "tell me about Zanzibar Midnight Heist"))
    backend.update_catalog(upsert=[{**NEW_ITEM, "title": "Zanzibar Dawn Heist"}])
    details = turn(backend, session, "tell me about Zanzibar Dawn Heist")
    assert shown(details) == ["live-1"] and "Zanzibar Dawn Heist" in details.reply
    assert backend.record_feedback(USER, "live-1", "like")["title"] == "Zanzibar Dawn Heist (2024)"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ChromaServer, Path]]:
    root = tmp_path_factory.mktemp("live-server")
    with running_chroma(root) as server:
        yield server, root


CHECK_S = 0.5


def test_a_second_process_sees_an_upsert_and_a_delete_within_the_check_interval(
    chroma_server: tuple[ChromaServer, Path],
) -> None:
    """Two backends (as two service processes would be) over one Chroma server: what one writes, the other sees
    on its next catalog check, without a restart; polled, so a slow machine waits longer instead of failing.
    tests/test_catalog_live_process.py does the same with real processes (`chroma run`, two `concierge serve`)."""
    server, root = chroma_server
    url = f"http://127.0.0.1:{server.port}"
    build_catalog(Settings(home=root / "writer", data_dir=DEMO_DATA, chroma_url=url))
    writer = live_backend(root / "writer", chroma_url=url, catalog_check_s=CHECK_S)
    reader = live_backend(root / "reader", chroma_url=url, catalog_check_s=CHECK_S)
    gone = reader.components.catalog.items()[0].item_id

    def reader_has(item_id: str) -> bool:
        reader.components.check_catalog()  # what every turn, feedback and profile call does first
        return reader.components.catalog.get(item_id) is not None

    assert not reader_has("live-1")
    started = time.monotonic()
    writer.update_catalog(upsert=[NEW_ITEM])
    seen_upsert = wait_for(lambda: reader_has("live-1"), 30 * CHECK_S, "the reader to see the upsert", 0.05)
    session = reader.create_session(USER)
    assert "live-1" in shown(turn(reader, session, "tell me about Zanzibar Midnight Heist"))

    writer.update_catalog(delete=[gone])
    seen_delete = wait_for(lambda: not reader_has(gone), 30 * CHECK_S, "the reader to see the delete", 0.05)
    print(
        f"second process: upsert seen after {seen_upsert:.2f} s, delete after {seen_delete:.2f} s (check {CHECK_S} s)"
    )
    assert time.monotonic() - started < 60
    assert reader.components.titles.get_exact("Zanzibar Midnight Heist") is not None  # derived parts rebuilt too


def test_follow_ups_never_point_at_a_withdrawn_item() -> None:
    """The router's view: "the second one" keeps meaning the second listed item, and is nothing once deleted."""
    state = DialogueState(
        last_items=[ItemView("a", "Alpha", 2000, (), "", 1.0), ItemView("b", "Beta", 2001, (), "", 0.9)],
        last_calls=[PlannedCall("similar_items", {"item": "b"}), PlannedCall("recommend", {"likes": ["a", "b"]})],
        shown_ids=["a", "b"],
        stated_likes=["b"],
    )
    second = Slots(ordinal=2)
    assert referenced_item(second, state, pronoun=False) is not None
    withdraw_deleted(state, lambda item_id: item_id != "b")
    assert referenced_item(second, state, pronoun=False) is None
    assert referenced_item(Slots(ordinal=1), state, pronoun=False) == state.last_items[0]
    assert state.stated_likes == [] and [c.arguments for c in state.last_calls] == [{"likes": ["a"]}]
