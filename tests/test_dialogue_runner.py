"""The dialogue runner end to end with a fake ChatBackend: results, report text, JUnit XML, parallel runs, CLI."""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.agent.events import TurnDone
from bot.cli import dialogues as cli_dialogues
from bot.config import Settings
from bot.dialogues.format import Dialogue, parse_dialogues
from bot.dialogues.pytest_plugin import DialogueFailed, assert_dialogue, dialogue_cases
from bot.dialogues.report import json_report, junit_xml, text_report
from bot.dialogues.runner import BackendTransport, HttpTransport, RunOptions, run_dialogues
from bot.testing import FakeBackend
from tests.conftest_dialogues import dialogue_backend, title_resolver

SUITE = """
fixtures:
  crime: {all_items_match: {genres_any: [Crime]}}
dialogues:
  - name: cold start
    user: {likes: [Heat, "2278"]}
    turns:
      - user: I loved Heat and Ronin
        expect:
          tools: [{name: recommend, args: {genres: [Crime]}}]
          items: {include: [The Godfather], exclude: [Toy Story]}
          use: crime
      - user: more like that
        expect: {use: crime, no_repeats: true}
  - name: kids
    turns:
      - user: something for kids
        expect: {items: {include: [Heat]}, tools_not: [search_catalog]}
  - name: item question
    user: {demo_id: 42}
    turns:
      - user: I loved Heat and Ronin
      - user: tell me about the first one
        expect: {tools: [{name: item_details, args: {item: Heat}}], reply: {contains: [bank robbers]}}
  - name: empty message
    turns:
      - {user: "   ", expect: {rejected: true}}
      - {user: hello, reply_mode: template, expect: {reply: {contains: [movies]}, grounded: true}}
  - name: crashing backend
    turns: [{user: crash}]
"""


def run(jobs: int = 1, text: str = SUITE) -> tuple[FakeBackend, list[Any]]:
    backend = dialogue_backend()
    transport = BackendTransport(lambda settings: backend, resolver=title_resolver)
    return backend, run_dialogues(parse_dialogues(text, "suite.yaml"), transport, RunOptions(jobs=jobs))


def test_results_per_dialogue_and_turn() -> None:
    backend, results = run()
    assert [r.status for r in results] == ["passed", "failed", "passed", "passed", "error"]
    _, kids, _, _, crash = results
    assert [t.passed for t in kids.turns] == [False]
    assert sorted(f.expectation for f in kids.turns[0].failures) == ["items.include", "tools_not"]
    assert (crash.error or "").startswith("RuntimeError in turn 1: backend exploded")
    # each dialogue is its own fresh user (the demo dialogue uses its demo id), fresh users are forgotten
    users = {r.dialogue.name: r.user_id for r in results}
    assert users["item question"] == "42"
    assert len(set(users.values())) == len(users)
    assert sorted(backend.forgotten) == sorted(u for u in users.values() if u != "42")
    # likes were stored as feedback of that user before the first turn
    assert backend.feedback == [(users["cold start"], "6", "like"), (users["cold start"], "2278", "like")]
    # per-turn reply_mode reaches the backend
    turns = [(call["user_id"], call["text"], call["reply_mode"]) for call in backend.calls]
    assert (users["empty message"], "hello", "template") in turns


def test_no_repeats_fails_when_an_item_comes_back() -> None:
    text = """
dialogues:
  - name: repeats
    turns:
      - user: more like that
      - {user: tell me about the first one, expect: {no_repeats: true}}
      - {user: something for kids, expect: {no_repeats: true}}
"""
    _, (result,) = run(text=text)
    assert [t.passed for t in result.turns] == [True, False, True]
    assert "repeated: [Heat (1995) #6]" in result.turns[1].failures[0].render()


def test_report_shows_transcript_and_diff_of_a_broken_expectation() -> None:
    broken = SUITE.replace("include: [The Godfather]", "include: [Toy Story]")
    _, results = run(text=broken)
    report = text_report(results)
    assert "FAIL  suite.yaml::cold start" in report
    assert "✗ turn 1: 'I loved Heat and Ronin'" in report
    assert "✓ turn 2: 'more like that'" in report
    assert "✗ items.include" in report
    assert "expected: items including ['Toy Story']" in report
    assert "actual:   [The Godfather (1972) #858, The Untouchables (1987) #2194]" in report
    assert "bot:  'Since you loved Heat, try The Godfather and The Untouchables.'" in report
    assert "tools: recommend(genres=['Crime'], likes=['Heat', 'Ronin'], k=10)" in report
    assert "PASS  suite.yaml::item question" in report and "ERROR suite.yaml::crashing backend" in report
    assert report.rstrip().endswith(
        "2 passed, 2 failed, 1 errors; 7 turns, 2 failed; " + report.rstrip().split("; ")[-1]
    )


def test_junit_xml_is_valid_with_one_testcase_per_dialogue() -> None:
    _, results = run()
    root = ET.fromstring(junit_xml(results))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "cold start",
        "kids",
        "item question",
        "empty message",
        "crashing backend",
    ]
    assert all(c.get("classname") == "suite.yaml" for c in cases)
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "turn 1: tools_not; turn 1: items.include"
    assert "expected: items including ['Heat']" in (failure.text or "")
    error = cases[4].find("error")
    assert error is not None and error.get("message") == "RuntimeError in turn 1: backend exploded"
    assert cases[0].find("failure") is None and cases[0].find("error") is None


def test_parallel_run_gives_the_same_results_as_serial() -> None:
    text = "dialogues:\n" + "".join(
        f"  - name: d{n}\n    turns: [{{user: slow}}, {{user: '{'something for kids' if n % 3 else 'more like that'}',"
        f" expect: {{items: {{include: [Heat]}}}}}}]\n"
        for n in range(12)
    )

    def summary(results: list[Any]) -> list[tuple[str, str, list[list[str]]]]:
        return [(r.dialogue.name, r.status, [[f.render() for f in t.failures] for t in r.turns]) for r in results]

    _, serial = run(jobs=1, text=text)
    _, parallel = run(jobs=4, text=text)
    assert summary(serial) == summary(parallel)
    assert {r.status for r in serial} == {"passed", "failed"}
    assert len({r.user_id for r in parallel}) == 12


def test_json_report_round_trips() -> None:
    _, results = run()
    data = json.loads(json.dumps(json_report(results)))
    assert data["ok"] is False
    assert data["dialogues"][1]["turns"][0]["failures"][0]["expectation"] in {"items.include", "tools_not"}


def test_http_transport_speaks_the_api() -> None:
    backend = dialogue_backend()
    seen: list[tuple[str, str, dict[str, Any], str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        seen.append((request.method, request.url.path, body, request.headers.get("authorization")))
        if request.url.path == "/api/v1/sessions":
            return httpx.Response(201, json={"session_id": f"s{len(seen)}"})
        if not body["text"].strip():
            return httpx.Response(422, json={"detail": "empty"})
        events = backend.run_turn(user_id="u", text=body["text"], reply_mode=body.get("reply_mode"))
        (done,) = [e for e in events if isinstance(e, TurnDone)]
        return httpx.Response(200, json=done.result.to_dict())

    transport = HttpTransport("http://bot.test/", token="T0K", http_transport=httpx.MockTransport(handler))
    dialogues = parse_dialogues(SUITE, "suite.yaml")
    results = run_dialogues(dialogues[:4], transport, RunOptions(reply_mode="template", max_items=3))
    assert [r.status for r in results] == ["passed", "failed", "passed", "passed"]
    assert all(auth == "Bearer T0K" for *_, auth in seen)
    # likes go as a hidden first turn in a separate session; the demo id goes in the session body
    assert seen[1][1] == "/api/v1/sessions/s1/messages" and seen[1][2]["text"] == "I like Heat, 2278"
    assert seen[3][2] == {"text": "I loved Heat and Ronin", "reply_mode": "template", "max_items": 3}
    assert ("POST", "/api/v1/sessions", {"user_id": "42"}, "Bearer T0K") in seen


def test_cli_exit_codes_junit_and_format_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = dialogue_backend()
    monkeypatch.setattr(
        cli_dialogues, "in_process_transport", lambda settings: BackendTransport(lambda s: backend, title_resolver)
    )
    parser = argparse.ArgumentParser()
    cli_dialogues.register(parser.add_subparsers())
    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE)
    junit = tmp_path / "out" / "junit.xml"

    def main(*argv: str) -> int:
        args = parser.parse_args(["test-dialogues", *argv])
        return int(args.handler(args, Settings.model_validate({})))

    assert main(str(suite), "-k", "question", "--junit", str(junit)) == 0
    assert ET.parse(junit).getroot().find("testsuite").get("tests") == "1"  # type: ignore[union-attr]
    assert "1 dialogues: 1 passed" in capsys.readouterr().out
    assert main(str(suite), "--jobs", "3", "--json") == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    suite.write_text("dialogues: [{name: x, turns: [{user: hi, expect: {items: {include: Heat}}}]}]")
    assert main(str(suite)) == 2
    assert f"{suite}:1: dialogue 'x' turn 1: expect.items.include: must be a list" in capsys.readouterr().err


def test_pytest_helpers(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SUITE)
    cases = dialogue_cases([tmp_path], name_filter="kid")
    assert [c.id for c in cases] == [f"{tmp_path / 's.yaml'}::kids"]
    backend = dialogue_backend()
    transport = BackendTransport(lambda s: backend, title_resolver)
    dialogue: Dialogue = cases[0].values[0]
    with pytest.raises(DialogueFailed, match=r"(?s)items.include.*expected: items including \['Heat'\]"):
        assert_dialogue(dialogue, transport)
