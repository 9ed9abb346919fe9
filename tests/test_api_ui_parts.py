"""The UI's pure parts (no browser): escaped cards and chat text, the genre chart."""

from __future__ import annotations

from bot.http.gradio_language import chart_in
from bot.http.gradio_ui import as_text, card_html
from bot.http.profile_chart import genre_chart
from bot.http.ui_strings import UiWords
from bot.testing.fake_backend import FakeBackend

EVIL = '<img src=x onerror="alert(1)">'


def test_card_html_escapes_every_field() -> None:
    item = {"item_id": "1", "title": EVIL, "year": 1999, "genres": [EVIL], "reason": EVIL, "score": 1.0}
    html = card_html(item, "liked")
    assert "<img" not in html and html.count("&lt;img") == 3
    assert "(1999)" in html and "liked" in html


def test_card_html_without_year_or_mark() -> None:
    html = card_html({"item_id": "1", "title": "Heat", "year": None, "genres": [], "reason": ""})
    assert "Heat</div>" in html and "()" not in html and 'class="mark"' not in html


def test_chat_text_is_escaped_once() -> None:
    assert as_text("a <b>x</b> & y") == "a &lt;b&gt;x&lt;/b&gt; &amp; y"


def test_genre_chart_has_one_bar_per_genre_and_colours_dislikes() -> None:
    figure = genre_chart({"top_genres": [{"genre": "Crime", "weight": 1.5}, {"genre": "Romance", "weight": -0.5}]})
    bars = figure.axes[0].patches
    assert len(bars) == 2
    widths = sorted(bar.get_width() for bar in bars)
    assert widths == [-0.5, 1.5]
    colours = {bar.get_width(): bar.get_facecolor() for bar in bars}
    assert colours[-0.5] != colours[1.5]


def test_genre_chart_without_history() -> None:
    figure = genre_chart({"top_genres": []})
    assert len(figure.axes[0].patches) == 0 and figure.axes[0].texts[0].get_text() == "no history yet"


def test_chart_in_chinese_names_the_bars_and_has_a_font_for_them() -> None:
    zh = UiWords(FakeBackend()).current("zh")
    figure = chart_in({"top_genres": [{"genre": "Comedy", "weight": 1.0}, {"genre": "Crime", "weight": 0.5}]}, zh)
    axis = figure.axes[0]
    assert [t.get_text() for t in axis.get_yticklabels()] == ["犯罪", "喜剧"]
    assert axis.get_title() == zh.chart_title and axis.get_xlabel() == zh.chart_axis
    assert chart_in({"top_genres": []}, zh).axes[0].texts[0].get_text() == zh.chart_empty
