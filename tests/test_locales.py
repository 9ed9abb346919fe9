"""Every shipped locale is complete and renders: the same reply templates and UI string keys as the source locale,
words for both shipped catalog profiles, a gloss table for the router, and no English in a non-English template's
own words (catalog facts are passed in as variables)."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import yaml

from bot.agent.events import ItemView
from bot.agent.router.gloss import load_gloss, shipped_gloss_languages
from bot.agent.router.phrases import LEXICON_DIR
from prompts import Prompts
from prompts.locale import PHRASE_KEYS, LocaleError, Locales, parse_locale
from store.catalog_profile import shipped_profile
from store.items import CatalogItem
from tools.localized import localized_profile

LOCALES = Locales()
OTHER = [code for code in LOCALES.codes() if code != "en"]
ROOT = resources.files("prompts")
TEMPLATES = sorted(n.name for n in ROOT.joinpath("templates").iterdir() if n.name.endswith(".j2"))
ENGLISH_GENRES = sorted(yaml.safe_load((LEXICON_DIR / "genres.yaml").read_text(encoding="utf-8"))["genres"])
UI_KEYS = set(yaml.safe_load(ROOT.joinpath("ui_strings.yaml").read_text(encoding="utf-8")))
HEAT = CatalogItem(item_id="6", title="Heat", year=1995, genres=("Action", "Crime"), overview="Robbers and police.",
                   rating_mean=3.9, rating_count=100)  # fmt: skip
VIEW = ItemView("6", "Heat", 1995, ("Action", "Crime"), "Because you liked Ronin (1998)", 1.0)
# English words a template in another language has no reason to contain (its own words, not the catalog's)
ENGLISH_WORDS = re.compile(r"\b(the|and|you|your|here|with|from|for|this|that|sorry|found|picks?)\b", re.IGNORECASE)
TASTE = {"top_genres": [{"genre": "Crime", "weight": 1.0}], "decades": [{"decade": "1990s", "weight": 1.0}],
         "main_decades": ["1990s"],
         "favourites": ["Heat (1995)"], "counts": {"items": 3, "likes": 2}, "summary": "English summary"}  # fmt: skip


def variables(template: str) -> list[dict[str, object]]:
    """Variable sets each template is rendered with (the empty and the full case)."""
    items = [VIEW, VIEW]
    cases: dict[str, list[dict[str, object]]] = {
        "recommend": [{"items": [], "likes": [], "constraints": ""}, {"items": items, "likes": ["Heat (1995)"],
                      "constraints": "Crime"}],
        "search": [{"items": [], "constraints": ""}, {"items": items, "constraints": "Crime"}],
        "similar": [{"items": [], "anchor": "", "constraints": ""}, {"items": items, "anchor": "Heat (1995)",
                    "constraints": "Crime"}, {"items": items, "anchor": "", "constraints": ""}],
        "smalltalk": [{"acknowledged": a, "about_recommender": r} for a, r in ((False, False), (True, False),
                      (False, True))],
        "feedback": [{"feedback": [{"signal": s, "label": "Heat (1995)"} for s in ("like", "dislike", "seen")],
                      "items": items}],
        "item_question": [{"item": None, "question": "plot", "people": [], "suggestions": [], "unnamed": u}
                          for u in (False, True)] + [
            {"item": HEAT, "question": q, "people": [], "suggestions": [], "unnamed": False}
            for q in ("plot", "year", "genre", "rating", "people", "tags")],
        "item_lead": [{"item": HEAT}],
        "profile": [{"summary": "", "taste": {}}, {"summary": "English summary", "taste": TASTE}],
        "audience": [{"summary": "", "data": {}}],
        "keywords": [{"keywords": [], "subject": ""}, {"keywords": ["heist"], "subject": "Heat (1995)"}],
        "marketing_copy": [{"copy": ""}, {"copy": "Copy."}],
        "error": [
            {"errors": [], "suggestions": []},
            {"errors": ["an English tool error"], "suggestions": []},
            {"errors": ["an English tool error"], "suggestions": ["Heat (1995)"]},
        ],
    }  # fmt: skip
    return cases.get(template.removesuffix(".j2"), [{}])


def test_there_are_other_locales() -> None:
    assert {"zh", "es", "fr", "de"} <= set(OTHER)


@pytest.mark.parametrize("code", OTHER)
def test_locale_has_every_template_and_string(code: str) -> None:
    folder = LOCALES.folder_of(code)
    templates = sorted(n.name for n in folder.joinpath("templates").iterdir() if n.name.endswith(".j2"))
    assert templates == TEMPLATES
    keys = set(yaml.safe_load(folder.joinpath("ui_strings.yaml").read_text(encoding="utf-8")))
    assert keys == UI_KEYS


@pytest.mark.parametrize("code", OTHER)
@pytest.mark.parametrize("catalog", ["film", "books"])
def test_locale_templates_render_in_their_language(code: str, catalog: str) -> None:
    locale = LOCALES.get(code)
    profile = localized_profile(shipped_profile(catalog), locale)
    assert profile.examples != shipped_profile(catalog).examples  # "film" is French too: the examples are not
    assert profile.examples, f"{code} has no example requests for the {catalog} catalog"
    prompts = Prompts().localized(locale)
    for template in TEMPLATES:
        for case in variables(template):
            text = prompts.template_reply(template.removesuffix(".j2"), profile=profile, **case)
            own = text.replace("Heat (1995)", "").replace("Heat", "").replace("Robbers and police.", "")
            own = own.replace("English summary", "<leak>").replace("an English tool error", "<leak>")
            assert "<leak>" not in own, f"{code}/{template} shows English text: {text!r}"
            assert not ENGLISH_WORDS.search(own), f"{code}/{template} has English words: {text!r}"
    strings = prompts.strings("ui_strings.yaml", profile=profile)
    assert all(strings.values()) and not any(ENGLISH_WORDS.search(v) for v in strings.values()), strings


@pytest.mark.parametrize("code", LOCALES.codes())
def test_a_question_about_an_item_nobody_named_asks_which_one(code: str) -> None:
    prompts = Prompts().localized(LOCALES.get(code))
    profile = localized_profile(shipped_profile("film"), LOCALES.get(code))
    case = {"item": None, "question": "rating", "people": [], "suggestions": []}
    which = prompts.template_reply("item_question", profile=profile, **case, unnamed=True)
    missing = prompts.template_reply("item_question", profile=profile, **case, unnamed=False)
    assert which != missing and which.rstrip().endswith((".", "。")) and ("?" in which or "？" in which), which


@pytest.mark.parametrize("code", OTHER)
def test_locale_phrases_and_category_names(code: str) -> None:
    locale = LOCALES.get(code)
    assert set(PHRASE_KEYS) <= set(locale.phrases)
    missing = [g for g in ENGLISH_GENRES if g not in locale.category_names]
    assert missing == []
    assert locale.phrase("because_liked", titles=locale.join(["A", "B"])).count("A") == 1


@pytest.mark.parametrize("code", OTHER)
def test_language_has_a_gloss_table(code: str) -> None:
    assert code in shipped_gloss_languages()
    table = load_gloss(code)
    assert len(table.phrases) >= 100


def test_bad_locale_file_names_the_problem() -> None:
    with pytest.raises(LocaleError, match="phrases lack"):
        parse_locale("xx", {"language": "xx", "phrases": {"and": "y"}}, "locales/xx/words.yaml")
    with pytest.raises(LocaleError, match="language: xx"):
        parse_locale("xx", {"language": "yy"}, "locales/xx/words.yaml")
    with pytest.raises(LocaleError, match="no locale 'xx'"):
        LOCALES.get("xx")
