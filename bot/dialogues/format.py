"""Dialogue test files: loading, `${var}` substitution and fixtures, validated against the schema.

The schema (bot/dialogues/schema.py) is documented in docs/dialogues.md. Every error names the file, the dialogue,
the turn and the field (bot/dialogues/format_errors.py):
``tests/dialogues/x.yaml: dialogue 'cold start' turn 2: expect.items.include: must be a list``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.dialogues.format_errors import DialogueFormatError, Where, source_lines, validation_errors
from bot.dialogues.schema import (
    CountRange,
    Dialogue,
    DialogueSettings,
    Expect,
    ItemFilter,
    ItemsExpect,
    LatencyExpect,
    ReplyExpect,
    ToolExpect,
    Turn,
    UserSpec,
)

__all__ = [
    "CountRange",
    "Dialogue",
    "DialogueFormatError",
    "DialogueSettings",
    "Expect",
    "ItemFilter",
    "ItemsExpect",
    "LatencyExpect",
    "ReplyExpect",
    "ToolExpect",
    "Turn",
    "UserSpec",
    "expand_paths",
    "load_dialogues",
    "load_variables",
    "parse_dialogues",
]

VAR_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
YAML_SUFFIXES = (".yaml", ".yml")


# ---- vars and fixtures ---------------------------------------------------------------------------------


def _substitute(value: Any, variables: Mapping[str, str], where: str, errors: list[str]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                errors.append(f"{where}: unknown variable ${{{name}}} (defined: {', '.join(variables) or 'none'})")
                return match.group(0)
            return variables[name]

        return VAR_PATTERN.sub(replace, value)
    if isinstance(value, list):
        return [_substitute(v, variables, where, errors) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables, where, errors) for k, v in value.items()}
    return value


def _apply_fixtures(expect: Any, fixtures: Mapping[str, Any], where: str, errors: list[str]) -> Any:
    """Merge the fixtures named by `use` (in order) under the turn's own keys (later ones win, see _merge)."""
    if not isinstance(expect, dict) or "use" not in expect:
        return expect
    names = expect["use"]
    names = [names] if isinstance(names, str) else names
    merged: dict[str, Any] = {}
    if not isinstance(names, list):
        errors.append(f"{where}: expect.use: must be a fixture name or a list of names")
        return {k: v for k, v in expect.items() if k != "use"}
    for name in names:
        if name not in fixtures:
            errors.append(f"{where}: expect.use: unknown fixture {name!r} (defined: {', '.join(fixtures) or 'none'})")
            continue
        merged = _merge(merged, fixtures[name])
    return _merge(merged, {k: v for k, v in expect.items() if k != "use"})


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Keys of `over` win; two mappings under the same key merge one level deep (their keys: `over` wins)."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        merged[key] = {**old, **value} if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def _prepare_dialogue(
    raw: Any, where: Where, variables: Mapping[str, str], fixtures: Mapping[str, Any]
) -> tuple[Any, list[str]]:
    errors: list[str] = []
    if not isinstance(raw, dict):
        return raw, [f"{where.at()}: must be a mapping with name and turns"]
    turns = raw.get("turns")
    raw = {k: v if k == "turns" else _substitute(v, variables, where.at(), errors) for k, v in raw.items()}
    if isinstance(turns, list):
        prepared = []
        for number, turn in enumerate(turns, 1):
            turn = _substitute(turn, variables, where.at(number), errors)
            if isinstance(turn, dict) and "expect" in turn:
                turn = {**turn, "expect": _apply_fixtures(turn["expect"], fixtures, where.at(number), errors)}
            prepared.append(turn)
        raw = {**raw, "turns": prepared}
    return {**raw, "source": where.path}, errors


def _top_level(
    data: Any, path: str, run_vars: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, Any], list[Any], list[str]]:
    errors: list[str] = []
    if isinstance(data, list):
        data = {"dialogues": data}
    if not isinstance(data, dict):
        return {}, {}, [], [f"{path}: must be a mapping with a 'dialogues' list"]
    unknown = sorted(set(data) - {"fixtures", "vars", "dialogues", "language"})
    errors += [f"{path}: {key}: unknown field (allowed: fixtures, vars, dialogues, language)" for key in unknown]
    variables = data.get("vars") or {}
    if not isinstance(variables, dict):
        errors.append(f"{path}: vars: must be a mapping of names to strings")
        variables = {}
    variables = {**{str(k): str(v) for k, v in variables.items()}, **run_vars}
    fixtures = data.get("fixtures") or {}
    if not isinstance(fixtures, dict):
        errors.append(f"{path}: fixtures: must be a mapping of names to expectation blocks")
        fixtures = {}
    for fname, block in fixtures.items():
        try:
            Expect.model_validate(_substitute(block, variables, f"{path}: fixture {fname!r}", errors))
        except ValidationError as exc:
            errors += validation_errors(exc, Where(path, f"fixture {fname!r}"))
    fixtures = {k: _substitute(v, variables, path, []) for k, v in fixtures.items() if isinstance(v, dict)}
    dialogues = data.get("dialogues")
    if not isinstance(dialogues, list) or not dialogues:
        errors.append(f"{path}: dialogues: must be a non-empty list")
        dialogues = []
    return variables, fixtures, dialogues, errors


def parse_dialogues(text: str, path: str = "<string>", variables: Mapping[str, str] | None = None) -> list[Dialogue]:
    """Parse one YAML document of dialogues. Raises DialogueFormatError listing every problem found.

    `variables` are the run's `${name}` values (one catalog's titles, for a suite shared by catalogs); they win over
    the file's own `vars`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise DialogueFormatError([f"{place}: invalid YAML: {getattr(exc, 'problem', None) or exc}"]) from exc
    variables, fixtures, raw_dialogues, errors = _top_level(data, path, variables or {})
    language = data.get("language") if isinstance(data, dict) else None
    if language is not None:  # every turn of the file is answered in it, unless the turn says otherwise
        raw_dialogues = [_with_language(raw, str(language)) for raw in raw_dialogues]
    dialogues: list[Dialogue] = []
    names: set[str] = set()
    lines = source_lines(text)
    for index, raw in enumerate(raw_dialogues):
        name = raw.get("name") if isinstance(raw, dict) else None
        label = f"dialogue {name!r}" if isinstance(name, str) else f"dialogue #{index + 1}"
        line, turn_lines = lines[index] if index < len(lines) else (None, ())
        where = Where(path, label, line, turn_lines)
        prepared, problems = _prepare_dialogue(raw, where, variables, fixtures)
        errors += problems
        if isinstance(name, str):
            if name in names:
                errors.append(f"{where.at()}: name: duplicate dialogue name in this file")
            names.add(name)
        try:
            dialogues.append(Dialogue.model_validate(prepared))
        except ValidationError as exc:
            errors += validation_errors(exc, where)
    if errors:
        raise DialogueFormatError(errors)
    return dialogues


def _with_language(raw: Any, language: str) -> Any:
    if not isinstance(raw, dict) or not isinstance(raw.get("turns"), list):
        return raw
    turns = []
    for turn in raw["turns"]:
        if isinstance(turn, dict) and isinstance(turn.get("expect", {}), dict):
            turn = {**turn, "expect": {"language": language, **(turn.get("expect") or {})}}
        turns.append(turn)
    return {**raw, "turns": turns}


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, plus every *.yaml / *.yml under named folders (sorted). Raises FileNotFoundError."""
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


def load_dialogues(
    paths: Iterable[str | Path], name_filter: str | None = None, variables: Mapping[str, str] | None = None
) -> list[Dialogue]:
    """Every dialogue of the given files / folders, optionally only those whose name contains name_filter;
    `variables` as in parse_dialogues.

    All files are checked before raising, so one DialogueFormatError lists the problems of every file.
    """
    errors: list[str] = []
    dialogues: list[Dialogue] = []
    for path in expand_paths(paths):
        try:
            dialogues += parse_dialogues(path.read_text(encoding="utf-8"), str(path), variables)
        except DialogueFormatError as exc:
            errors += exc.errors
    if errors:
        raise DialogueFormatError(errors)
    if name_filter:
        needle = name_filter.casefold()
        dialogues = [d for d in dialogues if needle in d.name.casefold()]
    return dialogues


def load_variables(path: str | Path) -> dict[str, str]:
    """A YAML file of run-level `${name}` values: a mapping of names to strings (numbers are read as text)."""
    where = Path(path)
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DialogueFormatError([f"{where}: invalid YAML: {exc}"]) from exc
    if not isinstance(data, dict) or not all(isinstance(v, (str, int, float)) for v in data.values()):
        raise DialogueFormatError([f"{where}: must be a mapping of names to strings"])
    return {str(k): str(v) for k, v in data.items()}
