"""Concurrent users through the served HTTP API (a small bench/load.py): no errors, no cross-talk.

The cross-talk checks are proved able to fail twice: on planted responses (pure checks), and end to end with
a user who sends another user's token (the server then really answers for someone else).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.load import SECRET, catalog_ids, make_users, run_phase, run_users, server_log_problems
from bench.load_client import SEARCHES, SimUser, check_profile, check_transcript, check_turn
from tests.served_demo import ServedConcierge, served_demo

ALICE_NONCE, BOB_NONCE = "zzaliceaaa", "zzbobbbbbb"
NONCES = {ALICE_NONCE, BOB_NONCE}


def alice() -> SimUser:
    return SimUser(
        user_id="alice",
        token="-",
        nonce=ALICE_NONCE,
        anchor="Heat",
        search=SEARCHES[0],
        preset={"1": "like"},
        signals={"1": "like", "2": "dislike", "3": "seen"},
        labels={"1": "Toy Story (1995)", "2": "Jumanji (1995)", "3": "Grumpier Old Men (1995)"},
        events=3,
        session_id="s-alice",
    )


def turn(**changes: Any) -> dict[str, Any]:
    result = {
        "session_id": "s-alice",
        "reply": f"Here are 2 picks (you said {ALICE_NONCE}).",
        "items": [{"item_id": "10", "title": "GoldenEye"}, {"item_id": "11", "title": "The American President"}],
        "tool_calls": [{"name": "recommend", "arguments": {}}],
        "reply_mode_used": "template",
    }
    return {**result, **changes}


def profile(**changes: Any) -> dict[str, Any]:
    counts = {"events": 3, "items": 3, "ratings": 0, "likes": 1, "dislikes": 1, "seen": 1}
    return {"favourites": ["Toy Story (1995)"], "disliked": ["Jumanji (1995)"], "counts": counts, **changes}


SENT = [f"more recent {ALICE_NONCE}"]
MESSAGES = [
    {"role": "user", "content": SENT[0]},
    {"role": "assistant", "content": "Here.", "items": [{"item_id": "10"}, {"item_id": "11"}]},
]

FOREIGN_MESSAGE = {"role": "user", "content": f"hi {BOB_NONCE}"}
PLANTED = "foreign-nonce foreign-session marked-item first-one profile-reply foreign-favourite foreign-counts"
PLANTED += " foreign-message foreign-items"


def test_checks_pass_clean_responses() -> None:
    me = alice()
    assert check_turn(me, turn(), NONCES, ["10"], "first") == []
    assert check_turn(me, turn(reply="Based on 3 films: Comedy."), NONCES, [], "profile") == []
    assert check_profile(me, profile(), NONCES) == []
    assert check_transcript(me, MESSAGES, SENT, [["10", "11"]], NONCES) == []


@pytest.mark.parametrize(
    "planted",
    [
        lambda me: check_turn(me, turn(reply=f"Noted, {BOB_NONCE}."), NONCES, [], "search"),
        lambda me: check_turn(me, turn(session_id="s-bob"), NONCES, [], "search"),
        lambda me: check_turn(me, turn(items=[{"item_id": "2"}]), NONCES, [], "recommend"),
        lambda me: check_turn(me, turn(), NONCES, ["99"], "first"),
        lambda me: check_turn(me, turn(reply="Based on 7 films: Drama."), NONCES, [], "profile"),
        lambda me: check_profile(me, profile(favourites=["Toy Story (1995)", "Heat (1995)"]), NONCES),
        lambda me: check_profile(me, profile(counts={"events": 5, "items": 5, "likes": 3}), NONCES),
        lambda me: check_transcript(me, [*MESSAGES, FOREIGN_MESSAGE], SENT, [["10", "11"]], NONCES),
        lambda me: check_transcript(me, MESSAGES, SENT, [["12", "11"]], NONCES),
    ],
    ids=PLANTED.split(),
)
def test_checks_catch_planted_crosstalk(planted: Any) -> None:
    assert planted(alice()), "a planted violation went unnoticed"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedConcierge]:
    """The demo served with JWT auth; llm_max_tokens=40 and llm_timeout_s=20 bound the llm-mode run."""
    settings = {"auth": "jwt", "jwt_secret": SECRET, "rate_per_minute": "100000", "llm_max_tokens": "40"}
    settings["llm_timeout_s"] = "20"
    with served_demo(tmp_path_factory.mktemp("load"), **settings) as served:
        yield served


def test_template_mode_8_users_4_turns(server: ServedConcierge) -> None:
    report = run_phase(server.url, SECRET, users=8, duration_s=90, mode="template", max_turns=4)
    assert report.tally.errors == []
    assert report.tally.crosstalk == []
    assert report.turns == 32


def test_a_user_answered_as_someone_else_is_caught(server: ServedConcierge) -> None:
    """Bob sends Alice's token: the server answers for Alice, and the checks must say so."""
    people = make_users(SECRET, 2, "template", catalog_ids(200)[-10:], "tamper")
    people[1].token = people[0].token
    report = run_users(server.url, people, mode="template", duration_s=60, max_turns=1)
    assert report.tally.errors == []
    assert any("profile counts" in line for line in report.tally.crosstalk), report.tally.crosstalk


def test_llm_mode_4_users_1_turn(server: ServedConcierge) -> None:
    report = run_phase(server.url, SECRET, users=4, duration_s=120, mode="llm", max_turns=1)
    assert report.tally.errors == []
    assert report.tally.crosstalk == []
    assert report.turns == 4
    assert sum(report.tally.reply_modes.values()) == 4
    assert server_log_problems(server.log_path) == []  # no traceback, no "database is locked" in the whole module
