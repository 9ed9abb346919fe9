"""The whole ReDial evaluation: every evaluated turn of a folder's dialogues through the product and the two
baselines, with the same exclusions (the catalog items mentioned so far) for all three."""

from __future__ import annotations

import datetime
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.concierge import Concierge
from bot.dialogues.redial.baselines import PRIOR, EaseFromMentions, PopularityBaseline
from bot.dialogues.redial.data import RedialDialogue, read_dialogues, read_movie_names
from bot.dialogues.redial.mapping import CatalogMapper, MovieName, parse_name
from bot.dialogues.redial.metrics import KS, RecallAccumulator, percentiles
from bot.dialogues.redial.product import ask_product
from bot.dialogues.redial.protocol import EvalTurn, evaluated_turns
from bot.dialogues.redial.report import PRODUCT, MethodRow, RedialReport

MAX_ITEMS = 50  # the most the turn API returns (max_items 1..50)
KEPT_ERRORS = 5


@dataclass(frozen=True, slots=True)
class RedialOptions:
    limit: int | None = None  # the first N dialogues
    suggested_only: bool = False
    max_items: int = MAX_ITEMS
    progress: Callable[[str], None] | None = None  # a line every `progress_every` turns
    progress_every: int = 50

    def protocol(self) -> str:
        chosen = (
            "newly mentioned by the recommender and marked suggested"
            if self.suggested_only
            else ("newly mentioned by the recommender")
        )
        return f"targets = movies {chosen}; context = every earlier turn; items mentioned so far excluded"


class MovieNames:
    """ReDial id -> name (the dialogue's movieMentions first, then movies_with_mentions.csv) -> catalog item."""

    def __init__(self, csv_names: dict[str, str], mapper: CatalogMapper) -> None:
        self._csv = csv_names
        self._mapper = mapper
        self._items: dict[MovieName, str | None] = {}

    def name_in(self, dialogue: RedialDialogue) -> Callable[[str], MovieName | None]:
        def name_of(movie_id: str) -> MovieName | None:
            raw = dialogue.movie_names.get(movie_id) or self._csv.get(movie_id)
            return parse_name(raw) if raw and raw.strip() else None

        return name_of

    def item_in(self, dialogue: RedialDialogue) -> Callable[[str], str | None]:
        name_of = self.name_in(dialogue)

        def item_of(movie_id: str) -> str | None:
            name = name_of(movie_id)
            if name is None:
                return None
            if name not in self._items:
                self._items[name] = self._mapper.item_for(name)
            return self._items[name]

        return item_of


def collect_turns(folder: Path, mapper: CatalogMapper, options: RedialOptions) -> tuple[int, list[EvalTurn], int]:
    """(dialogues read, their evaluated turns, turns skipped)."""
    dialogues = read_dialogues(folder, options.limit)
    names = MovieNames(read_movie_names(folder), mapper)
    turns: list[EvalTurn] = []
    skipped = 0
    for dialogue in dialogues:
        found = evaluated_turns(
            dialogue, names.name_in(dialogue), names.item_in(dialogue), suggested_only=options.suggested_only
        )
        turns.extend(found.evaluated)
        skipped += found.skipped
    return len(dialogues), turns, skipped


def evaluate_redial(folder: Path, backend: Concierge, options: RedialOptions | None = None) -> RedialReport:
    options = options or RedialOptions()
    started = time.monotonic()
    report = RedialReport(
        date=datetime.date.today().isoformat(),
        folder=str(folder),
        protocol=options.protocol(),
        load_before=os.getloadavg(),
        max_items_asked=options.max_items,
    )
    catalog = backend.components.catalog
    report.dialogues, turns, report.skipped_turns = collect_turns(folder, CatalogMapper(catalog.items()), options)
    popularity = PopularityBaseline(catalog.items())
    recommender = backend.components.recommender
    ease = recommender.ease if recommender is not None else None
    baselines: list[PopularityBaseline | EaseFromMentions] = [popularity]
    if ease is not None:
        baselines.append(EaseFromMentions(ease, popularity))
    if recommender is not None:
        baselines.append(PopularityBaseline(catalog.items(), recommender.ranker.popularity.tolist(), PRIOR))
    scores = {method: RecallAccumulator(KS) for method in [PRODUCT, *(b.name for b in baselines)]}
    answered = RecallAccumulator(KS)  # the product on the turns it showed items at all
    tools: Counter[str] = Counter()
    times: list[float] = []
    shown: list[int] = []
    for number, turn in enumerate(turns, 1):
        targets = [t.item_id for t in turn.targets]
        report.targets += len(targets)
        report.mapped_targets += sum(t is not None for t in targets)
        try:
            answer = ask_product(backend, turn, max_items=options.max_items)
            ranking = [i for i in answer.item_ids if i not in turn.mentioned]
            times.append(answer.ms)
            shown.append(len(answer.item_ids))
            tools["+".join(dict.fromkeys(answer.tools)) or "(no tool)"] += 1
            if answer.item_ids:
                answered.add(ranking, targets)
        except Exception as exc:  # an evaluation reports a failing turn (as a miss) and goes on
            report.errors += 1
            if len(report.first_errors) < KEPT_ERRORS:
                report.first_errors.append(f"{turn.conversation_id}/{turn.turn}: {type(exc).__name__}: {exc}")
            ranking = []
        scores[PRODUCT].add(ranking, targets)
        for baseline in baselines:
            scores[baseline.name].add(baseline.rank(turn.mentioned, max(KS)), targets)
        if options.progress is not None and number % options.progress_every == 0:
            options.progress(f"{number}/{len(turns)} turns, {time.monotonic() - started:.0f} s")
    report.turns = len(turns)
    report.rows = [MethodRow(method, acc.means(), acc.turns) for method, acc in scores.items()]
    report.product_with_items = MethodRow(f"{PRODUCT} (turns with items)", answered.means(), answered.turns)
    report.product_tools = dict(tools.most_common())
    report.turn_ms = percentiles(times)
    report.product_items_max = max(shown, default=0)
    report.product_items_mean = sum(shown) / len(shown) if shown else 0.0
    report.turns_without_items = sum(1 for n in shown if n == 0) + report.errors
    report.load_after = os.getloadavg()
    report.seconds = time.monotonic() - started
    return report
