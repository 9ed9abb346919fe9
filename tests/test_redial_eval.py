"""`concierge eval-dialogues --redial`: mapping ReDial movies to the catalog, the protocol's turns and targets on
real fixture dialogues (tests/data/redial, a CC BY 4.0 subset: see its SOURCE.md), the recall math, the baselines,
and the whole command over a small real backend."""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from bot.cli import redial
from bot.concierge import Concierge
from bot.config import Settings
from bot.dialogues.redial.baselines import PRIOR, EaseFromMentions, PopularityBaseline
from bot.dialogues.redial.data import RedialDialogue, read_dialogues, read_movie_names
from bot.dialogues.redial.mapping import CatalogMapper, parse_name, title_key
from bot.dialogues.redial.metrics import RecallAccumulator, percentiles, recall_at
from bot.dialogues.redial.protocol import DialogueTurns, evaluated_turns
from bot.dialogues.redial.run import MovieNames, RedialOptions, evaluate_redial
from store.items import CatalogItem
from tests.app_fixtures import small_backend
from tests.catalog_fixtures import demo_items, tmp_settings
from tests.cli_fixtures import CliRunner
from tools.recommender.ease import EaseModel

FIXTURE = Path(__file__).parent / "data" / "redial"
run_cli = CliRunner(redial.register)


@lru_cache(maxsize=1)
def demo_mapper() -> CatalogMapper:
    return CatalogMapper(demo_items())  # the whole demo catalog (MovieLens ml-latest-small)


def fixture_dialogue(conversation_id: str) -> RedialDialogue:
    return next(d for d in read_dialogues(FIXTURE) if d.conversation_id == conversation_id)


def turns_of(dialogue: RedialDialogue, *, suggested_only: bool = False) -> DialogueTurns:
    names = MovieNames(read_movie_names(FIXTURE), demo_mapper())
    return evaluated_turns(dialogue, names.name_in(dialogue), names.item_in(dialogue), suggested_only=suggested_only)


# ---- reading and mapping ---------------------------------------------------------------------
def test_the_fixture_is_five_real_dialogues_with_their_attribution() -> None:
    dialogues = read_dialogues(FIXTURE)
    assert [d.conversation_id for d in dialogues] == ["20001", "20041", "20047", "20048", "20051"]
    assert read_dialogues(FIXTURE, limit=2)[1].conversation_id == "20041"
    assert "CC BY 4.0" in (FIXTURE / "SOURCE.md").read_text(encoding="utf-8")
    assert read_movie_names(FIXTURE)["77161"] == "A Nightmare on Elm Street (1984)"


def test_names_are_parsed_like_a_person_writes_them() -> None:
    assert parse_name("Police Academy  (1984)") == parse_name("Police Academy (1984)")
    assert parse_name("Police Academy  (1984)").render() == "Police Academy (1984)"
    assert parse_name("American Pie ").year is None and parse_name("American Pie ").render() == "American Pie"
    assert title_key("Godfather, The") == title_key("The Godfather!") == "godfather"


@pytest.mark.parametrize(
    ("redial_name", "item_id"),
    [
        ("Police Academy  (1984)", "2378"),
        ("A Nightmare on Elm Street (1984)", "1347"),  # MovieLens: "Nightmare on Elm Street, A (1984)"
        ("The Heat  (2013)", "103372"),  # MovieLens: "Heat, The (2013)", not Heat (1995)
        ("Godfather, The (1972)", "858"),
        ("Hot Tub Time Machine", "76077"),  # no year: the only item with this title
        ("Happy Death Day  (2017)", None),  # not in ml-latest-small
        ("Police Academy (1990)", None),  # the title exists, the year does not
        ("Heat", None),  # no year and two films of that title: not guessed
    ],
)
def test_movies_map_to_catalog_items_by_title_and_year(redial_name: str, item_id: str | None) -> None:
    assert demo_mapper().item_for(parse_name(redial_name)) == item_id


# ---- the protocol ----------------------------------------------------------------------------
def test_turns_targets_and_context_of_a_fixture_dialogue() -> None:
    found = turns_of(fixture_dialogue("20041"))
    assert found.skipped == 0
    assert [t.turn for t in found.evaluated] == [4, 8, 14]
    assert [[(g.movie_id, g.item_id) for g in t.targets] for t in found.evaluated] == [
        [("204334", None)],  # Happy Death Day (2017): outside the catalog, still a target (a miss for everyone)
        [("205430", "185029")],  # A Quiet Place (2018)
        [("175203", "76077"), ("111776", "5110"), ("187061", "100390"), ("157765", "103372")],
    ]
    first, second, _ = found.evaluated
    assert [m["role"] for m in first.messages] == ["assistant", "user", "assistant", "user"]
    assert first.messages[-1]["content"] == (
        "I am looking for a movie recommendation.   When I was younger I really enjoyed the "
        "A Nightmare on Elm Street (1984)"
    )
    assert first.mentioned == {"1347"}
    # consecutive messages of one speaker are one turn; HTML entities are the quotes the writer typed
    assert second.messages[4]["content"] == "Oh, you like scary movies? I recently watched Happy Death Day (2017)"
    assert second.messages[6]["content"] == 'It was really good for a new "scary movie"'
    assert second.mentioned == {"1347", "5569"}  # the seeker's Last House on the Left (1972) too
    assert "@" not in " ".join(m["content"] for m in second.messages)


def test_a_recommender_who_speaks_first_is_skipped_and_repeated_movies_are_no_targets() -> None:
    found = turns_of(fixture_dialogue("20051"))
    assert found.skipped == 1  # "have you seen Avengers: Infinity War (2018) ? or Spider-Man (2002)" opens it
    assert [(t.turn, [g.item_id for g in t.targets]) for t in found.evaluated] == [(2, ["87232"]), (6, ["45499"])]
    assert found.evaluated[0].messages[0]["role"] == "assistant"
    first_dialogue = turns_of(fixture_dialogue("20001")).evaluated
    # "Yes Police Academy (1984) is very funny and so is Police Academy 2": only the second is new
    assert [g.movie_id for g in first_dialogue[1].targets] == ["94688"]
    assert [t.turn for t in first_dialogue] == [1, 3, 7, 9, 11]
    dialogue = fixture_dialogue("20001")
    names = MovieNames(read_movie_names(FIXTURE), CatalogMapper([]))  # no catalog: new by ReDial id alone
    outside = evaluated_turns(dialogue, names.name_in(dialogue), names.item_in(dialogue)).evaluated
    assert [[(g.movie_id, g.item_id) for g in t.targets] for t in outside][:2] == [
        [("151656", None)],
        [("94688", None)],
    ]


def test_suggested_only_keeps_the_movies_the_questionnaire_marks_suggested() -> None:
    dialogue = fixture_dialogue("20041")
    unmarked = dataclasses.replace(dialogue, suggested=dialogue.suggested - {"111776", "204334"})
    found = turns_of(unmarked, suggested_only=True)
    assert [t.turn for t in found.evaluated] == [8, 14]
    assert [g.movie_id for g in found.evaluated[1].targets] == ["175203", "187061", "157765"]
    assert len(turns_of(unmarked).evaluated) == 3  # the default protocol: every movie new in a recommender turn


# ---- metrics and baselines -------------------------------------------------------------------
def test_recall_math_on_a_fake_ranking() -> None:
    ranking = ["a", "b", "c", "d"]
    assert recall_at(ranking, ["b", None], 1) == 0.0
    assert recall_at(ranking, ["b", None], 2) == 0.5  # None (outside the catalog) is a miss
    assert recall_at(ranking, ["d", "a"], 50) == 1.0
    with pytest.raises(ValueError):
        recall_at(ranking, [], 10)
    acc = RecallAccumulator((1, 3))
    acc.add(ranking, ["a"])
    acc.add(ranking, ["c", "x"])
    assert acc.means() == {1: 0.5, 3: 0.75} and acc.turns == 2
    assert percentiles([10.0, 20.0, 30.0, 40.0]) == {"p50": 25.0, "p95": pytest.approx(38.5)}


def _item(item_id: str, ratings: int) -> CatalogItem:
    return CatalogItem(item_id=item_id, title=f"Film {item_id}", year=2000, genres=("Drama",), rating_count=ratings)


def test_baselines_rank_by_popularity_and_by_ease_from_the_mentions() -> None:
    items = [_item("a", 10), _item("b", 50), _item("c", 30), _item("d", 20), _item("e", 40)]
    popularity = PopularityBaseline(items)
    assert popularity.rank(set(), 3) == ["b", "e", "c"]
    assert popularity.rank({"b"}, 3) == ["e", "c", "d"]
    # B[j, i]: how mentioned item j votes for i; "e" is outside the model
    weights = np.array([[0, 0, 0.9, 0.1], [0, 0, 0.2, 0.2], [0.5, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    ease = EaseFromMentions(EaseModel(["a", "b", "c", "d"], weights, 1.0, "test"), popularity)
    assert ease.rank({"a"}, 4) == ["c", "d", "b", "e"]  # votes first, then popularity for the rest
    assert ease.rank({"a", "b"}, 2) == ["c", "d"]  # c 1.1, d 0.3
    assert ease.rank({"b"}, 2) == ["c", "d"]  # c and d both 0.2: popularity breaks the tie (c 30 > d 20)
    assert ease.rank(set(), 2) == popularity.rank(set(), 2)  # nothing mentioned: popularity


def test_the_prior_baseline_ranks_by_the_rankers_prior_not_by_counts() -> None:
    items = [_item("a", 10), _item("b", 50), _item("c", 30)]
    prior = PopularityBaseline(items, [0.9, 0.1, 0.5], PRIOR)
    assert prior.name == PRIOR and prior.rank(set(), 3) == ["a", "c", "b"]
    assert prior.rank({"a"}, 2) == ["c", "b"]
    assert PopularityBaseline(items, [0.5, 0.5, 0.5], PRIOR).rank(set(), 3) == ["a", "b", "c"]  # ties: catalog order


def test_the_run_scores_the_product_against_its_own_prior(tmp_path: Path) -> None:
    backend = small_backend(tmp_path)
    report = evaluate_redial(FIXTURE, backend, RedialOptions(limit=2))
    assert [row.method for row in report.rows] == ["product", "popularity", "ease_mentions", PRIOR]
    prior = report.row(PRIOR)
    assert prior.turns == report.turns == 8 and 0.0 <= prior.recall[10] <= prior.recall[50] <= 1.0
    recommender = backend.components.recommender
    assert recommender is not None
    rows = backend.components.catalog.items()
    baseline = PopularityBaseline(rows, recommender.ranker.popularity.tolist(), PRIOR)
    assert baseline.order[0] == rows[int(np.argmax(recommender.ranker.popularity))].item_id


# ---- the command -----------------------------------------------------------------------------
@pytest.fixture
def small_eval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    built: list[Concierge] = []

    def backend(settings: Settings, scratch: Path) -> Concierge:
        built.append(small_backend(tmp_path))
        return built[-1]

    monkeypatch.setattr(redial, "evaluation_backend", backend)
    return tmp_settings(tmp_path)


def test_eval_dialogues_prints_the_product_and_both_baselines(
    small_eval: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(small_eval, capsys, "eval-dialogues", "--redial", str(FIXTURE), "--quiet")
    assert code == 0, err
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.split()[:1]}
    for method in ("product", "popularity", "ease_mentions", "prior"):
        assert len(rows[method]) == 5 and rows[method][-1] == "16"  # R@1, R@5, R@10, R@50, turns
    assert "of 21 targets are catalog items" in out and "1 skipped" in out
    assert "p50" in out and "p95" in out and "load average" in out


def test_eval_dialogues_json_on_the_fixture(small_eval: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        small_eval, capsys, "eval-dialogues", "--redial", str(FIXTURE), "--limit", "2", "--json", "--quiet"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["dialogues"] == 2 and report["turns"] == 8 and report["targets"] == 11
    assert [r["method"] for r in report["rows"]] == ["product", "popularity", "ease_mentions", "prior"]
    assert all(0.0 <= r[f"R@{k}"] <= 1.0 for r in report["rows"] for k in (1, 5, 10, 50))
    assert all(r["R@1"] <= r["R@5"] <= r["R@10"] <= r["R@50"] for r in report["rows"])
    assert 0 < report["mapped_targets"] < report["targets"]  # the 600-film catalog lacks some of them
    assert report["errors"] == 0 and report["product_items_max"] > 0
    assert report["turn_ms"]["p95"] >= report["turn_ms"]["p50"] > 0
    assert sum(report["product_tools"].values()) == 8
    with_items = report["product_with_items"]
    assert with_items["turns"] == 8 - report["turns_without_items"] > 0
    assert with_items["R@10"] >= report["rows"][0]["R@10"]  # the same hits over fewer turns


def test_eval_dialogues_refuses_a_folder_without_dialogues(
    small_eval: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(small_eval, capsys, "eval-dialogues", "--redial", str(tmp_path))
    assert code == 2 and "dialogues.jsonl" in err
