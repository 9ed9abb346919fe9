"""The words of one reply language: prompts/locales/<code>/words.yaml, read once per process and language.

English is the source locale: its reply templates and UI strings are the package root's (templates/, ui_strings.yaml)
and its words.yaml holds only the phrases. Every other locale mirrors them under locales/<code>/ (a test holds each
to the same set of files and keys) and names the catalog profile's nouns in its language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

SOURCE_LOCALE = "en"
LOCALES_FOLDER = "locales"
PHRASE_KEYS = (
    "and", "list_sep", "constraint_sep", "exclude", "years", "year_from", "year_to", "min_rating", "because_liked",
    "similar_to", "like_anchor", "matches", "popular", "details_of", "signal_like", "signal_dislike", "signal_seen",
    "or", "facet_values", "facet_between", "facet_under", "facet_over", "because_shared", "unmet",
)  # fmt: skip
FALLBACK_NOUN = "item"
FALLBACK_CATEGORY = "category"
FALLBACK_SUMMARY = "description"
FALLBACK_EXAMPLES = "default"


class LocaleError(ValueError):
    """A locale file that is missing or malformed (the message names the file and the key)."""


@dataclass(frozen=True, slots=True)
class NounWords:
    """A noun in one language: singular, plural, the singular with its article, and the "have ___ it" verb."""

    singular: str
    plural: str
    indefinite: str = ""
    consumed: str = ""


@dataclass(frozen=True, slots=True)
class Locale:
    """One reply language's words. The source locale (English) translates nothing: its nouns are the profile's."""

    code: str
    name: str
    phrases: Mapping[str, Template]
    catalog_name: str = ""
    nouns: Mapping[str, NounWords] = field(default_factory=dict)
    categories: Mapping[str, NounWords] = field(default_factory=dict)
    summaries: Mapping[str, str] = field(default_factory=dict)
    rating_sources: Mapping[str, str] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    category_names: Mapping[str, str] = field(default_factory=dict)
    facet_labels: Mapping[str, str] = field(default_factory=dict)  # a catalog field's label: "author" -> "作者"

    @property
    def is_source(self) -> bool:
        return self.code == SOURCE_LOCALE

    def phrase(self, key: str, **variables: Any) -> str:
        """One phrase of words.yaml rendered: phrase("because_liked", titles="Heat (1995)")."""
        return self.phrases[key].render(**variables)  # separators keep their spaces (" and ")

    def join(self, names: Sequence[str]) -> str:
        """ "A", "A and B", "A, B and C" in this language's words."""
        names = [n for n in names if n]
        if len(names) <= 1:
            return "".join(names)
        return self.phrase("list_sep").join(names[:-1]) + self.phrase("and") + names[-1]

    def category_name(self, name: str) -> str:
        """A catalog category in this language when the locale names it ("Comedy" -> "喜剧"), else as it is."""
        return self.category_names.get(name, name)

    def facet_label(self, label: str) -> str:
        """A facet label in this language when the locale names it ("author" -> "作者"), else the catalog's own."""
        return self.facet_labels.get(label.lower(), label)

    def noun(self, english: str) -> NounWords | None:
        return self.nouns.get(english.lower()) or self.nouns.get(FALLBACK_NOUN)

    def category(self, english: str) -> NounWords | None:
        return self.categories.get(english.lower()) or self.categories.get(FALLBACK_CATEGORY)

    def summary(self, english: str) -> str:
        return self.summaries.get(english) or self.summaries.get(FALLBACK_SUMMARY, english)

    def examples_for(self, profile_key: str) -> tuple[str, ...]:
        return self.examples.get(profile_key) or self.examples.get(FALLBACK_EXAMPLES, ())


def _nouns(data: Any, where: str, required: str) -> dict[str, NounWords]:
    if not isinstance(data, Mapping) or required not in data:
        raise LocaleError(f"{where}: expected a mapping with a '{required}' entry")
    out: dict[str, NounWords] = {}
    for key, value in data.items():
        if not isinstance(value, Mapping) or not {"singular", "plural"} <= set(value):
            raise LocaleError(f"{where}.{key}: expected {{singular, plural, indefinite?, consumed?}}")
        out[str(key).lower()] = NounWords(**{k: str(v) for k, v in value.items()})
    return out


def _strings(data: Any, where: str) -> dict[str, str]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise LocaleError(f"{where}: expected a mapping of strings")
    return {str(k): str(v) for k, v in data.items()}


def parse_locale(code: str, data: Any, where: str) -> Locale:
    """A Locale from a words.yaml mapping; LocaleError names the file and what is wrong."""
    if not isinstance(data, Mapping) or data.get("language") != code:
        raise LocaleError(f"{where}: expected a mapping with 'language: {code}'")
    raw_phrases = data.get("phrases")
    if not isinstance(raw_phrases, Mapping):
        raise LocaleError(f"{where}: expected 'phrases:' with the keys {list(PHRASE_KEYS)}")
    missing = [k for k in PHRASE_KEYS if k not in raw_phrases]
    if missing:
        raise LocaleError(f"{where}: phrases lack {missing}")
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    phrases = {str(k): env.from_string(str(v)) for k, v in raw_phrases.items()}
    name = str(data.get("language_name") or code)
    if code == SOURCE_LOCALE:
        return Locale(code, name, phrases)
    examples = data.get("examples")
    if not isinstance(examples, Mapping) or FALLBACK_EXAMPLES not in examples:
        raise LocaleError(f"{where}: expected 'examples:' by profile name with a '{FALLBACK_EXAMPLES}' entry")
    summaries = _strings(data.get("summaries"), f"{where}: summaries")
    if FALLBACK_SUMMARY not in summaries:
        raise LocaleError(f"{where}: summaries need a '{FALLBACK_SUMMARY}' entry")
    return Locale(
        code,
        name,
        phrases,
        catalog_name=str(data.get("catalog_name") or ""),
        nouns=_nouns(data.get("nouns"), f"{where}: nouns", FALLBACK_NOUN),
        categories=_nouns(data.get("categories"), f"{where}: categories", FALLBACK_CATEGORY),
        summaries=summaries,
        rating_sources=_strings(data.get("rating_sources"), f"{where}: rating_sources"),
        examples={str(k): tuple(str(e) for e in v or ()) for k, v in examples.items()},
        category_names=_strings(data.get("category_names"), f"{where}: category_names"),
        facet_labels={k.lower(): v for k, v in _strings(data.get("facet_labels"), f"{where}: facet_labels").items()},
    )


class Locales:
    """The reply languages this package ships: each one's words, read on first use."""

    def __init__(self, folder: Traversable | None = None) -> None:
        self.folder = (folder if folder is not None else resources.files(__package__ or "prompts")).joinpath(
            LOCALES_FOLDER
        )
        self._loaded: dict[str, Locale] = {}

    def codes(self) -> tuple[str, ...]:
        """Every shipped locale, the source one first."""
        found = sorted(n.name for n in self.folder.iterdir() if n.joinpath("words.yaml").is_file())
        return (SOURCE_LOCALE, *(c for c in found if c != SOURCE_LOCALE))

    def folder_of(self, code: str) -> Traversable:
        return self.folder.joinpath(code)

    def get(self, code: str) -> Locale:
        """The locale of a code; LocaleError for a language this package does not ship."""
        if code not in self._loaded:
            node = self.folder.joinpath(code, "words.yaml")
            if not node.is_file():
                raise LocaleError(f"no locale '{code}'; shipped: {list(self.codes())}")
            where = f"{LOCALES_FOLDER}/{code}/words.yaml"
            try:
                data = yaml.safe_load(node.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise LocaleError(f"{where}: invalid YAML: {exc}") from exc
            self._loaded[code] = parse_locale(code, data, where)
        return self._loaded[code]


@cache
def shipped_locales() -> Locales:
    """This package's locales (read lazily, once per process: they are package data)."""
    return Locales()


def source_locale() -> Locale:
    """The source (English) locale of this package."""
    return shipped_locales().get(SOURCE_LOCALE)


__all__ = [
    "SOURCE_LOCALE",
    "Locale",
    "LocaleError",
    "Locales",
    "NounWords",
    "parse_locale",
    "shipped_locales",
    "source_locale",
]
