"""The ReDial run's results: one row per method, coverage, time per turn, machine load; as a table or a dict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PRODUCT = "product"
GPT4_ZERO_SHOT_R10 = 0.201  # He et al. (CIKM 2023), whole ReDial test split, new-item turns


@dataclass(frozen=True, slots=True)
class MethodRow:
    method: str
    recall: dict[int, float]  # k -> mean Recall@k
    turns: int


@dataclass(slots=True)
class RedialReport:
    date: str
    folder: str
    protocol: str
    dialogues: int = 0
    turns: int = 0
    skipped_turns: int = 0  # recommender turns with new movies but no seeker turn before them
    targets: int = 0
    mapped_targets: int = 0
    rows: list[MethodRow] = field(default_factory=list)  # the product, then the baselines
    product_with_items: MethodRow | None = None  # a diagnostic: the product on the turns it showed items
    product_tools: dict[str, int] = field(default_factory=dict)  # the tools each turn called -> turns
    turn_ms: dict[str, float] = field(default_factory=dict)  # the product's whole turn: p50, p95
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    max_items_asked: int = 50
    product_items_max: int = 0
    product_items_mean: float = 0.0
    turns_without_items: int = 0
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def coverage(self) -> float:
        return self.mapped_targets / self.targets if self.targets else float("nan")

    def row(self, method: str) -> MethodRow:
        return next(r for r in self.rows if r.method == method)

    def product_vs_best_baseline(self, k: int = 10) -> float:
        """The product's Recall@k over the best baseline's (nan when every baseline is at 0)."""
        best = max((r.recall[k] for r in self.rows if r.method != PRODUCT), default=0.0)
        return self.row(PRODUCT).recall[k] / best if best else float("nan")

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        if self.product_with_items is not None:
            row = self.product_with_items
            data["product_with_items"] = {f"R@{k}": v for k, v in row.recall.items()} | {"turns": row.turns}
        data["rows"] = [
            {"method": r.method, **{f"R@{k}": v for k, v in r.recall.items()}, "turns": r.turns} for r in self.rows
        ]
        data["coverage"] = self.coverage
        data["product_vs_best_baseline_r10"] = self.product_vs_best_baseline() if self.rows else None
        data["gpt4_zero_shot_r10"] = GPT4_ZERO_SHOT_R10
        return data


def format_report(report: RedialReport) -> str:
    ks = sorted({k for row in report.rows for k in row.recall})
    header = f"{'method':<16}" + "".join(f"{'R@' + str(k):>8}" for k in ks) + f"{'turns':>8}"
    lines = [f"ReDial {report.folder} ({report.date}): {report.protocol}", "", header, "-" * len(header)]
    for row in report.rows:
        lines.append(f"{row.method:<16}" + "".join(f"{row.recall[k]:>8.3f}" for k in ks) + f"{row.turns:>8}")
    if report.product_with_items is not None:
        row = report.product_with_items
        lines.append(f"{'':<16}" + "".join(f"{row.recall[k]:>8.3f}" for k in ks) + f"{row.turns:>8}  <- {row.method}")
    lines.append("")
    ratio = report.product_vs_best_baseline() if report.rows else float("nan")
    shown = f"{ratio:.2f}x" if ratio == ratio else "n/a (every baseline at 0)"
    lines.append(f"R@10 of the product / the best baseline: {shown} (GPT-4 zero-shot R@10: {GPT4_ZERO_SHOT_R10})")
    lines.append(
        f"coverage: {report.mapped_targets} of {report.targets} targets are catalog items ({report.coverage:.1%}); "
        f"{report.dialogues} dialogues, {report.turns} turns evaluated, {report.skipped_turns} skipped "
        "(no seeker turn before them)"
    )
    lines.append(
        f"product: asked for {report.max_items_asked} items, returned at most {report.product_items_max} "
        f"(mean {report.product_items_mean:.1f}); {report.turns_without_items} turns without items; "
        f"{report.errors} errors"
    )
    lines.extend(f"  error: {message}" for message in report.first_errors)
    if report.product_tools:
        top = ", ".join(f"{name} {count}" for name, count in list(report.product_tools.items())[:6])
        lines.append(f"product's tool calls per turn: {top}")
    lines.append(
        f"time per turn (product, whole turn): p50 {report.turn_ms.get('p50', float('nan')):.0f} ms, "
        f"p95 {report.turn_ms.get('p95', float('nan')):.0f} ms; run {report.seconds:.0f} s"
    )
    lines.append(
        "load average (1/5/15 min): before "
        + "/".join(f"{v:.2f}" for v in report.load_before)
        + ", after "
        + "/".join(f"{v:.2f}" for v in report.load_after)
    )
    return "\n".join(lines) + "\n"
