"""The UI's taste chart: a horizontal bar per category of the user's profile, in the UI's language.

Its title, empty-profile text and axis label are the UI's words (UiStrings) and the bars are named in the
language's category names ("Comedy" -> "喜剧"); a Chinese text needs a font with Chinese glyphs (matplotlib's
DejaVu Sans has none), so the chart uses the first installed one of CJK_FONTS after DejaVu Sans (the Makefile
installs fonts-noto-cjk where apt is available).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

MAX_BARS = 8
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "Droid Sans Fallback", "PingFang SC", "Microsoft YaHei", "SimHei")  # fmt: skip
CJK_FONT_FILES = ("NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy-", "DroidSansFallback")
LIKED_COLOUR = "#4c78a8"
DISLIKED_COLOUR = "#e45756"


@cache
def chart_fonts() -> tuple[str, ...]:
    """The chart's font families: matplotlib's default, then every installed font for Chinese (a fallback list)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FONTS):  # matplotlib's font cache predates a font installed since: add its files
        for path in font_manager.findSystemFonts():
            if any(mark in path for mark in CJK_FONT_FILES):
                font_manager.fontManager.addfont(path)
        installed = {font.name for font in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *(name for name in CJK_FONTS if name in installed))


def genre_chart(
    profile: dict[str, Any],
    title: str = "Your taste",
    *,
    empty: str = "no history yet",
    axis_label: str = "taste weight",
    category_name: Callable[[str], str] = str,
) -> Any:
    """A matplotlib figure of the profile's top category weights (liked blue, disliked red); title: the catalog's
    words ("Your genres", "Your shelves": UiStrings.chart_title)."""
    from matplotlib.figure import Figure

    fonts = list(chart_fonts())
    rows = list(profile.get("top_genres", []))[:MAX_BARS]
    figure = Figure(figsize=(4.6, 2.8), dpi=90)
    axis = figure.add_subplot()
    if rows:
        names = [category_name(str(r["genre"])) for r in rows][::-1]
        weights = [float(r["weight"]) for r in rows][::-1]
        axis.barh(names, weights, color=[LIKED_COLOUR if w >= 0 else DISLIKED_COLOUR for w in weights])
        axis.axvline(0, color="#888", linewidth=0.8)
        axis.set_xlabel(axis_label, fontfamily=fonts)
        for label in axis.get_yticklabels():
            label.set_fontfamily(fonts)
    else:
        axis.text(0.5, 0.5, empty, ha="center", va="center", fontfamily=fonts)
        axis.set_axis_off()
    axis.set_title(title, fontfamily=fonts)
    figure.tight_layout()
    return figure


__all__ = ["CJK_FONTS", "chart_fonts", "genre_chart"]
