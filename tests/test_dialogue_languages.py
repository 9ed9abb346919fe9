"""The multilingual dialogue suite (tests/dialogues_<code>/*.yaml): every turn is answered in its language (the
backend's `language` and the detector on the reply agree), in both reply modes, against the real demo backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot.dialogues.format import Dialogue, load_dialogues
from bot.dialogues.pytest_plugin import assert_dialogue, dialogue_cases
from bot.dialogues.runner import BackendTransport, RunOptions
from tests.test_dialogue_suite import _real_transport

LANGUAGES = ("zh", "es", "fr", "de")
SUITES = {code: Path(__file__).parent / f"dialogues_{code}" for code in LANGUAGES}
MIN_DIALOGUES = 15
# what every language's suite covers (tools that must be called somewhere in it)
COVERED_TOOLS = {"recommend", "similar_items", "item_details", "record_feedback", "user_profile"}


@pytest.mark.parametrize("code", LANGUAGES)
def test_language_suite_is_valid_and_covers_the_intents(code: str) -> None:
    dialogues = load_dialogues([SUITES[code]])
    assert len(dialogues) >= MIN_DIALOGUES
    expects = [t.expect for d in dialogues for t in d.turns]
    assert all(e.language == code for e in expects), "every turn checks the reply's language"
    tools = {c.name for e in expects for c in e.tools}
    assert tools >= COVERED_TOOLS, COVERED_TOOLS - tools
    intents = {i for e in expects for i in e.intent}
    assert {"help", "out_of_scope"} <= intents, intents
    mixed = [t.user for d in dialogues for t in d.turns if any(w[:1].isupper() and w.isascii() for w in t.user.split())]
    assert len(mixed) >= 2, "turns naming an English catalog title inside a sentence of the language"


KNOWN_FAILURE = "known_failure"  # a dialogue the product gets wrong today: strict xfail, so a fix is noticed


def _cases() -> list[Any]:
    cases = dialogue_cases([folder for folder in SUITES.values() if folder.is_dir()])  # a missing one fails above
    return [
        pytest.param(*case.values, id=case.id, marks=pytest.mark.xfail(strict=True, reason="known failure"))
        if KNOWN_FAILURE in case.values[0].tags
        else case
        for case in cases
    ]


@pytest.fixture(scope="module")
def real_transport() -> BackendTransport:
    return _real_transport()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CONCIERGE_HOME"), reason="set CONCIERGE_HOME to a built demo home")
@pytest.mark.parametrize("mode", ["template", "llm"])
@pytest.mark.parametrize("dialogue", _cases())
def test_dialogue_in_its_language(dialogue: Dialogue, mode: str, real_transport: BackendTransport) -> None:
    assert_dialogue(dialogue, real_transport, RunOptions(reply_mode=mode))  # type: ignore[arg-type]
