"""The product's dialogue suite (tests/dialogues/*.yaml): always validated; run against the real backend when slow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.dialogues.format import Dialogue, load_dialogues
from bot.dialogues.pytest_plugin import assert_dialogue, dialogue_cases
from bot.dialogues.runner import BackendTransport, RunOptions
from tools.names import Intent

SUITE = Path(__file__).parent / "dialogues"
TOOL_NAMES = {
    "search_catalog",
    "item_details",
    "recommend",
    "similar_items",
    "user_profile",
    "record_feedback",
    "extract_keywords",
    "write_copy",
    "audience_for",
}


def test_suite_is_valid_and_covers_every_intent_and_tool() -> None:
    dialogues = load_dialogues([SUITE])
    assert len(dialogues) >= 40
    assert sum(len(d.turns) >= 3 for d in dialogues) >= 5
    expects = [t.expect for d in dialogues for t in d.turns]
    named_tools = {c.name for e in expects for c in e.tools} | {n for e in expects for n in e.tools_not}
    assert named_tools <= TOOL_NAMES, named_tools - TOOL_NAMES
    assert named_tools == TOOL_NAMES
    intents = {i for e in expects for i in e.intent}
    assert intents <= set(Intent), intents - set(Intent)
    assert set(Intent) - intents <= {"audience"}  # audience: checked as tools_not (user role)
    assert any(d.user.demo_id for d in dialogues) and any(d.user.likes for d in dialogues)


def _real_transport() -> BackendTransport:
    from bot.concierge import build_backend
    from bot.config import Settings

    settings = Settings.model_validate({})
    if not settings.chroma_path.exists():
        pytest.skip(f"demo data not built in {settings.home} (run concierge build-demo)")
    backend = build_backend(settings)
    return BackendTransport(lambda overrides: backend)


@pytest.fixture(scope="module")
def real_transport() -> BackendTransport:
    return _real_transport()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CONCIERGE_HOME"), reason="set CONCIERGE_HOME to a built demo home")
@pytest.mark.parametrize("dialogue", dialogue_cases([SUITE]))
def test_dialogue(dialogue: Dialogue, real_transport: BackendTransport) -> None:
    assert_dialogue(dialogue, real_transport, RunOptions(reply_mode="template"))
