"""Dialogue tests as pytest test cases: one parametrized case per YAML dialogue.

from bot.dialogues.pytest_plugin import assert_dialogue, dialogue_cases

@pytest.mark.parametrize("dialogue", dialogue_cases(["tests/dialogues"]))
def test_dialogue(dialogue, transport):      # transport: a fixture returning a BackendTransport
    assert_dialogue(dialogue, transport)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.dialogues.format import Dialogue, load_dialogues
from bot.dialogues.report import failure_text
from bot.dialogues.runner import DialogueResult, RunOptions, Transport, run_dialogue


def dialogue_cases(
    paths: Iterable[str | Path], name_filter: str | None = None, variables: Mapping[str, str] | None = None
) -> list[Any]:
    """pytest.param(dialogue, id="file::name") per dialogue; invalid files raise DialogueFormatError at collection.
    `variables`: the run's `${name}` values (see bot.dialogues.format.parse_dialogues)."""
    import pytest

    return [pytest.param(d, id=d.test_id) for d in load_dialogues(paths, name_filter, variables)]


class DialogueFailed(AssertionError):
    """A dialogue failed; the message is the report's diff and transcript."""


def assert_dialogue(dialogue: Dialogue, transport: Transport, options: RunOptions | None = None) -> DialogueResult:
    """Run one dialogue; raise DialogueFailed with the diff unless it passed."""
    result = run_dialogue(dialogue, transport, options)
    if result.status != "passed":
        raise DialogueFailed(f"dialogue {dialogue.name!r} {result.status}\n{failure_text(result)}")
    return result
