"""Schema, vars, fixtures and error messages of dialogue files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.dialogues.format import DialogueFormatError, load_dialogues, parse_dialogues

GOOD = """
fixtures:
  crime_items: {all_items_match: {genres_any: [Crime, Thriller]}}
vars: {hero: "Heat"}
dialogues:
  - name: cold start from likes
    user: {likes: ["${hero}", "Ronin"]}
    settings: {reply_mode: template, planner: router}
    turns:
      - user: "I loved ${hero} and Ronin"
        expect:
          tools: [{name: recommend, args: {genres: [Crime]}}, item_details]
          tools_not: write_copy
          items: {include: ["${hero}"], exclude: ["Toy Story"], count: {min: 3, max: 10}}
          reply: {contains: "crime", matches: "(?i)heat"}
          grounded: true
          no_repeats: true
          latency_ms: {max: 2000}
          use: crime_items
  - name: new user
    user: new
    turns:
      - {user: "x", repeat: 3, expect: {items: {count: 0}, use: [crime_items], all_items_match: {year_from: 1990}}}
"""


def errors_of(text: str, path: str = "tests/dialogues/x.yaml") -> list[str]:
    with pytest.raises(DialogueFormatError) as info:
        parse_dialogues(text, path)
    return info.value.errors


def test_full_example_parses_with_vars_and_fixtures() -> None:
    first, second = parse_dialogues(GOOD, "x.yaml")
    turn = first.turns[0]
    assert turn.user == "I loved Heat and Ronin"
    assert first.user.likes == ["Heat", "Ronin"]
    assert first.settings.planner == "router"
    assert [t.name for t in turn.expect.tools] == ["recommend", "item_details"]
    assert turn.expect.tools[0].args == {"genres": ["Crime"]}
    assert turn.expect.tools_not == ["write_copy"]
    assert turn.expect.items is not None and turn.expect.items.include == ["Heat"]
    assert turn.expect.all_items_match is not None
    assert turn.expect.all_items_match.genres_any == ["Crime", "Thriller"]
    assert turn.expect.reply is not None and turn.expect.reply.contains == ["crime"]
    assert first.test_id == "x.yaml::cold start from likes"
    assert second.user.demo_id is None and not second.user.likes
    assert second.turns[0].text == "xxx"
    count = second.turns[0].expect.items.count  # type: ignore[union-attr]
    assert count is not None and (count.min, count.max) == (0, 0)
    # the turn's own all_items_match merges with the fixture's; its keys win
    merged = second.turns[0].expect.all_items_match
    assert merged is not None and merged.year_from == 1990 and merged.genres_any == ["Crime", "Thriller"]
    text = GOOD.replace("{year_from: 1990}", "{genres_any: [Drama]}")
    overridden = parse_dialogues(text, "x.yaml")[1].turns[0].expect.all_items_match
    assert overridden is not None and overridden.genres_any == ["Drama"]


def test_error_names_file_dialogue_turn_and_field() -> None:
    text = """
dialogues:
  - name: cold start
    turns:
      - user: hi
      - user: more
        expect: {items: {include: Heat}}
"""
    assert errors_of(text) == [
        "tests/dialogues/x.yaml:6: dialogue 'cold start' turn 2: expect.items.include: must be a list"
    ]


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("{user: hi, expect: {bogus: 1}}", "turn 1: expect.bogus: unknown field"),
        ("{user: hi, expect: {items: {count: {min: x}}}}", "turn 1: expect.items.count.min: must be an integer"),
        ("{user: hi, expect: {reply: {matches: '('}}}", "turn 1: expect.reply.matches: invalid regular expression"),
        ("{user: hi, expect: {grounded: maybe}}", "turn 1: expect.grounded: must be true or false"),
        ("{user: hi, expect: {use: nope}}", "turn 1: expect.use: unknown fixture 'nope'"),
        ("{user: '${who}'}", "unknown variable ${who}"),
        ("{expect: {}}", "turn 1: user: required field is missing"),
        ("{user: hi, reply_mode: fancy}", "turn 1: reply_mode: must be one of 'llm' or 'template'"),
    ],
)
def test_turn_errors(snippet: str, expected: str) -> None:
    errors = errors_of(f"dialogues:\n  - name: d1\n    turns:\n      - {snippet}\n")
    assert any(e.startswith("tests/dialogues/x.yaml:4: dialogue 'd1'") and expected in e for e in errors), errors


def test_dialogue_level_errors() -> None:
    text = """
dialogues:
  - name: a
    user: {demo_id: 3, likes: [Heat]}
    turns: [{user: hi}]
  - name: a
    turns: [{user: hi}]
  - turns: [{user: hi}]
  - name: empty
    turns: []
"""
    errors = errors_of(text)
    assert "tests/dialogues/x.yaml:3: dialogue 'a': user: give either demo_id or likes, not both" in errors
    assert "tests/dialogues/x.yaml:6: dialogue 'a': name: duplicate dialogue name in this file" in errors
    assert "tests/dialogues/x.yaml:8: dialogue #3: name: required field is missing" in errors
    assert "tests/dialogues/x.yaml:9: dialogue 'empty': turns: must not be empty" in errors


def test_file_level_errors() -> None:
    assert errors_of("dialogues: []\nextra: 1\n") == [
        "tests/dialogues/x.yaml: extra: unknown field (allowed: fixtures, vars, dialogues, language)",
        "tests/dialogues/x.yaml: dialogues: must be a non-empty list",
    ]
    (yaml_error,) = errors_of("dialogues:\n  - name: [unclosed\n")
    assert yaml_error.startswith("tests/dialogues/x.yaml:3:") and "invalid YAML" in yaml_error
    (fixture_error,) = errors_of("fixtures: {f: {items: {include: Heat}}}\ndialogues: [{name: a, turns: [{user: hi}]}]")
    assert fixture_error == "tests/dialogues/x.yaml: fixture 'f': items.include: must be a list"


def test_load_folder_filter_and_errors_of_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "dialogues: [{name: cold start, turns: [{user: hi}]}, {name: other, turns: [{user: x}]}]"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yml").write_text("dialogues: [{name: warm, turns: [{user: hi}]}]")
    assert [d.name for d in load_dialogues([tmp_path])] == ["cold start", "other", "warm"]
    assert [d.name for d in load_dialogues([tmp_path], name_filter="COLD")] == ["cold start"]
    (tmp_path / "c.yaml").write_text("dialogues: [{name: bad, turns: [{user: 1}]}]")
    (tmp_path / "d.yaml").write_text("dialogues: [{name: worse}]")
    with pytest.raises(DialogueFormatError) as info:
        load_dialogues([tmp_path])
    assert len(info.value.errors) == 2
    assert f"{tmp_path / 'c.yaml'}:1: dialogue 'bad' turn 1: user: must be a string" in info.value.errors
    with pytest.raises(FileNotFoundError, match=r"missing\.yaml"):
        load_dialogues([tmp_path / "missing.yaml"])


def test_example_in_the_docs_is_valid() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "dialogues.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, flags=re.DOTALL)
    assert blocks
    for block in blocks:
        assert parse_dialogues(block, "docs/dialogues.md")
