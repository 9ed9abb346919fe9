"""Reports of a dialogue run: readable text (pass/fail per turn, transcript and diffs of failures), JUnit XML, JSON."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.dialogues.checks import fmt_call
from bot.dialogues.observation import Observation
from bot.dialogues.runner import DialogueResult

MAX_TEXT = 400


def _short(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def transcript_lines(result: DialogueResult, indent: str = "    ") -> list[str]:
    """What was said and done in every turn run so far."""
    lines = []
    for turn in result.turns:
        obs: Observation = turn.observation
        lines.append(f"{indent}[{turn.number}] user: {_short(obs.text)!r}")
        if obs.rejected is not None:
            lines.append(f"{indent}    refused: {obs.rejected}")
            continue
        lines.append(f"{indent}    bot:  {_short(obs.reply)!r}")
        meta = f"intent={obs.intent} mode={obs.reply_mode_used} guard={obs.guard_passed} {obs.latency_ms:.0f} ms"
        lines.append(f"{indent}    {meta}")
        if obs.items:
            lines.append(
                f"{indent}    items: " + "; ".join(f"{i.label} #{i.item_id} [{', '.join(i.genres)}]" for i in obs.items)
            )
        if obs.tool_calls:
            lines.append(f"{indent}    tools: " + "; ".join(fmt_call(c) for c in obs.tool_calls))
    return lines


def failure_text(result: DialogueResult) -> str:
    """The diff of every failed expectation, then the transcript: the body of a JUnit failure."""
    lines: list[str] = []
    if result.error is not None:
        lines += ["error:", *("    " + line for line in result.error.rstrip().splitlines())]
    for turn in result.turns:
        if turn.failures:
            lines.append(f"turn {turn.number} ({_short(turn.observation.text, 80)!r}):")
            lines += [failure.render("    ") for failure in turn.failures]
    lines += ["transcript:", *(transcript_lines(result) or ["    (no turn completed)"])]
    return "\n".join(lines)


def summary_line(results: Sequence[DialogueResult]) -> str:
    counts = {status: sum(r.status == status for r in results) for status in ("passed", "failed", "error")}
    turns = sum(len(r.turns) for r in results)
    failed_turns = sum(not t.passed for r in results for t in r.turns)
    seconds = sum(r.duration_s for r in results)
    return (
        f"{len(results)} dialogues: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors; "
        f"{turns} turns, {failed_turns} failed; {seconds:.1f} s of dialogue time"
    )


def text_report(results: Sequence[DialogueResult], verbose: bool = False) -> str:
    """One line per dialogue, one per turn; failures and errors followed by their diffs and transcript."""
    lines: list[str] = []
    for result in results:
        label = {"passed": "PASS ", "failed": "FAIL ", "error": "ERROR"}[result.status]
        lines.append(f"{label} {result.dialogue.test_id}  ({len(result.turns)} turns, {result.duration_s:.2f} s)")
        for turn in result.turns:
            mark = "✓" if turn.passed else "✗"
            lines.append(f"    {mark} turn {turn.number}: {_short(turn.observation.text, 70)!r}")
        if result.status != "passed" or verbose:
            lines += ["    " + line for line in failure_text(result).splitlines()]
    lines += ["", summary_line(results)]
    return "\n".join(lines) + "\n"


def junit_xml(results: Sequence[DialogueResult], suite_name: str = "concierge-dialogues") -> str:
    """JUnit XML: one <testcase> per dialogue (classname = file), <failure>/<error> carrying the diff."""
    failures = sum(r.status == "failed" for r in results)
    errors = sum(r.status == "error" for r in results)
    total_time = sum(r.duration_s for r in results)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failures), errors=str(errors))
    suite = ET.SubElement(
        root,
        "testsuite",
        name=suite_name,
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{total_time:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.dialogue.source or suite_name,
            name=result.dialogue.name,
            time=f"{result.duration_s:.3f}",
        )
        if result.status == "passed":
            continue
        failed = [f"turn {t.number}: {f.expectation}" for t in result.turns for f in t.failures]
        message = (result.error or "").splitlines()[0] if result.status == "error" else "; ".join(failed)
        tag = "error" if result.status == "error" else "failure"
        node = ET.SubElement(case, tag, message=message[:500], type=tag)
        node.text = failure_text(result)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(results: Sequence[DialogueResult], path: Path) -> None:
    """Write the JUnit file atomically (a temporary file renamed into place: never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(junit_xml(results), encoding="utf-8")
    tmp.replace(path)


def json_report(results: Sequence[DialogueResult]) -> dict[str, Any]:
    """Machine-readable results (`--json`)."""
    return {
        "summary": summary_line(results),
        "ok": all(r.status == "passed" for r in results),
        "dialogues": [
            {
                "name": r.dialogue.name,
                "source": r.dialogue.source,
                "status": r.status,
                "error": r.error,
                "duration_s": round(r.duration_s, 3),
                "turns": [
                    {
                        "number": t.number,
                        "user": t.observation.text[:MAX_TEXT],
                        "reply": t.observation.reply,
                        "rejected": t.observation.rejected,
                        "items": [i.to_dict() for i in t.observation.items],
                        "tool_calls": [c.to_dict() for c in t.observation.tool_calls],
                        "latency_ms": round(t.observation.latency_ms, 1),
                        "failures": [
                            {"expectation": f.expectation, "expected": f.expected, "actual": f.actual}
                            for f in t.failures
                        ],
                    }
                    for t in r.turns
                ],
            }
            for r in results
        ],
    }
