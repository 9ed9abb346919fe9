"""Why a dialogue file is invalid, said so a person can fix it: every message names the file, the dialogue, the turn
and the field (``x.yaml:12: dialogue 'cold start' turn 2: expect.items.include: must be a list``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError


class DialogueFormatError(ValueError):
    """A dialogue file is not valid. The message names file, dialogue, turn and field; `.errors` has one per line."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


_MESSAGES = {
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "missing": "required field is missing",
    "too_short": "must not be empty",
}


def _field_path(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "literal_error":
        return f"must be one of {error.get('ctx', {}).get('expected', '')}"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


@dataclass(frozen=True, slots=True)
class Where:
    """Names a place in a file: "x.yaml:12: dialogue 'cold start' turn 2" (line of the turn when known)."""

    path: str
    label: str
    line: int | None = None
    turn_lines: tuple[int, ...] = ()

    def at(self, turn: int | None = None) -> str:
        line = self.turn_lines[turn - 1] if turn is not None and 0 < turn <= len(self.turn_lines) else self.line
        place = f"{self.path}:{line}" if line is not None else self.path
        return f"{place}: {self.label}" + (f" turn {turn}" if turn is not None else "")


def _describe(error: Mapping[str, Any], where: Where) -> str:
    loc = [p for p in error["loc"] if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))]
    turn: int | None = None
    if len(loc) >= 2 and loc[0] == "turns" and isinstance(loc[1], int):
        turn = loc[1] + 1
        loc = loc[2:]
    return f"{where.at(turn)}: {_field_path(loc)}: {_message(error)}"


def validation_errors(exc: ValidationError, where: Where) -> list[str]:
    seen: list[str] = []
    for error in exc.errors():
        line = _describe(error, where)
        if line not in seen:
            seen.append(line)
    return seen


def source_lines(text: str) -> list[tuple[int, tuple[int, ...]]]:
    """(line of the dialogue, lines of its turns) for each entry of the dialogues list, 1-based."""
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        root = next((v for k, v in root.value if getattr(k, "value", None) == "dialogues"), None)
    if not isinstance(root, yaml.SequenceNode):
        return []
    found = []
    for node in root.value:
        turns: tuple[int, ...] = ()
        if isinstance(node, yaml.MappingNode):
            seq = next((v for k, v in node.value if getattr(k, "value", None) == "turns"), None)
            if isinstance(seq, yaml.SequenceNode):
                turns = tuple(t.start_mark.line + 1 for t in seq.value)
        found.append((node.start_mark.line + 1, turns))
    return found
