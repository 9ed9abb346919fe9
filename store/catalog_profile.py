"""The catalog profile: what a catalog's items are called and which of its fields mean what.

Stored with the catalog (Chroma collection metadata), so every process and every surface speaks of "books" for a
bookshop and "films" for the demo. Inferred at ingest from the data (`infer_profile`), overridable with a small YAML
file (`concierge ingest --profile FILE`, `load_profile_file`); the demo catalogs ship theirs in store/data/profiles.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from store.items import CatalogItem

PROFILE_KEY = "profile"  # the catalog collection's metadata key that holds its profile (JSON)
SCREEN_NOUNS = frozenset({"film", "movie", "show", "series", "episode", "video"})  # items people watch
PEOPLE_FIELDS = frozenset({"author", "authors", "artist", "artists", "director", "directors", "creator", "writer"})
MAKER_FIELDS = frozenset({"brand", "maker", "manufacturer", "publisher", "label"})
PROFILES_DIR = Path(__file__).resolve().parent / "data" / "profiles"


class FacetKind(StrEnum):
    EXACT = "exact"  # values matched as they are written (an author, a brand)
    RANGE = "range"  # a number with a lower and an upper bound (a price, a page count)


class ProfileError(ValueError):
    """A profile file that cannot be used (unknown key, wrong type, a field the catalog does not have)."""


@dataclass(frozen=True, slots=True)
class Noun:
    singular: str
    plural: str
    article_form: str = ""  # the singular with its article when a language's rule is not English's a/an

    @property
    def indefinite(self) -> str:
        """The singular with its article: "a film", "an item" (a localized noun's own form: "una película")."""
        if self.article_form:
            return self.article_form
        return ("an " if self.singular[:1].lower() in "aeiou" else "a ") + self.singular


@dataclass(frozen=True, slots=True)
class Facet:
    """A field of the items' `extra` people filter on: "books by Stephen King", "mugs under 20 euros"."""

    field: str  # the key in CatalogItem.extra
    label: str  # what people call it: "author", "brand", "price"
    kind: FacetKind = FacetKind.EXACT
    separator: str = ""  # an exact facet with several values per item: "J.K. Rowling, Mary GrandPré" -> ", "
    cue_words: tuple[str, ...] = ()  # words that introduce a value in a message: "by", "from"
    unit: str = ""  # a range's unit as people write it: "euros"

    def values_of(self, item: CatalogItem) -> tuple[str, ...]:
        """The item's values of an exact facet, split on the separator (empty when it has none)."""
        raw = item.extra.get(self.field)
        if raw is None or raw == "":
            return ()
        if isinstance(raw, list):
            return tuple(str(v).strip() for v in raw if str(v).strip())
        text = str(raw).strip()
        parts = text.split(self.separator) if self.separator else [text]
        return tuple(p.strip() for p in parts if p.strip())

    def number_of(self, item: CatalogItem) -> float | None:
        """The item's value of a range facet, or None when it has none (or it is not a number)."""
        raw = item.extra.get(self.field)
        if isinstance(raw, bool) or raw is None or raw == "":
            return None
        try:
            return float(str(raw).replace(",", ".")) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class CatalogProfile:
    """The words and fields of one catalog. `item` and `category` are what every user-facing string uses."""

    name: str = "this catalog"  # how replies name the catalog: "the Concierge demo catalog (MovieLens)"
    item: Noun = Noun("item", "items")
    category: Noun = Noun("category", "categories")  # what the items' `categories` are called (genres, shelves)
    summary: str = "description"  # what the item's text is called: "plot summary" for films
    rating_source: str = ""  # who rated: "MovieLens users"; "" = "ratings"
    consumed: str = "seen"  # "you have ___ it": seen (films), read (books), bought (products)
    searchable: tuple[str, ...] = ()  # extra fields embedded with the item text (authors, brand)
    facets: tuple[Facet, ...] = ()
    image_field: str | None = None  # extra fields the cards show
    link_field: str | None = None
    price_field: str | None = None
    currency: str = ""
    examples: tuple[str, ...] = ()  # example requests for help and out-of-scope replies
    screen: bool = False  # items people watch, whatever the noun's language (set on a localized copy)

    def facet(self, field_name: str) -> Facet | None:
        return next((f for f in self.facets if f.field == field_name), None)

    @property
    def is_screen(self) -> bool:
        """Items people watch (films, shows): the few texts that speak of watching, streaming or starring."""
        return self.screen or self.item.singular.lower() in SCREEN_NOUNS

    def people_facet(self) -> Facet | None:
        """The exact facet that names who made an item — its people (authors, artists, directors), else its maker
        (brand, publisher) — if the catalog has one: what answers "who wrote The Hobbit?", "who makes Blue Mug?"."""
        exact = [f for f in self.facets if f.kind == FacetKind.EXACT]
        for names in (PEOPLE_FIELDS, MAKER_FIELDS):
            found = next((f for f in exact if {f.field.lower(), f.label.lower()} & names), None)
            if found is not None:
                return found
        return None

    def to_json(self) -> str:
        """The stored form (the catalog's own words: a localized copy's extras are not kept)."""
        data = asdict(self)
        data.pop("screen")
        for noun in ("item", "category"):
            data[noun].pop("article_form")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CatalogProfile:
        return profile_from_mapping(json.loads(text), base=cls())


_SCALARS = ("name", "summary", "rating_source", "consumed", "image_field", "link_field", "price_field", "currency")


def profile_from_mapping(data: Mapping[str, Any], *, base: CatalogProfile, where: str = "profile") -> CatalogProfile:
    """`base` with the keys of `data` (the YAML/JSON form) applied; ProfileError names the bad key."""
    if not isinstance(data, Mapping):
        raise ProfileError(f"{where}: a profile is a mapping of keys, not {type(data).__name__}")
    known = {*_SCALARS, "item", "category", "searchable", "facets", "examples"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProfileError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    changes: dict[str, Any] = {}
    for key in _SCALARS:
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, str):
                raise ProfileError(f"{where}: {key} must be text")
            changes[key] = value if value is not None or key.endswith("_field") else ""
    for key in ("item", "category"):
        if key in data:
            changes[key] = _noun(data[key], f"{where}: {key}")
    for key in ("searchable", "examples"):
        if key in data:
            values = data[key] or []
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ProfileError(f"{where}: {key} must be a list of text")
            changes[key] = tuple(values)
    if "facets" in data:
        changes["facets"] = tuple(_facet(f, f"{where}: facets[{n}]") for n, f in enumerate(data["facets"] or []))
    return replace(base, **changes)


def _noun(value: Any, where: str) -> Noun:
    if isinstance(value, Mapping) and isinstance(value.get("singular"), str) and isinstance(value.get("plural"), str):
        return Noun(value["singular"].strip(), value["plural"].strip())
    raise ProfileError(f"{where} must be {{singular: ..., plural: ...}}")


def _facet(value: Any, where: str) -> Facet:
    if not isinstance(value, Mapping) or not isinstance(value.get("field"), str):
        raise ProfileError(f"{where} must be a mapping with at least `field`")
    try:
        kind = FacetKind(value.get("kind", "exact"))
    except ValueError:
        raise ProfileError(f"{where}: kind must be exact or range") from None
    cues = value.get("cue_words") or []
    if not isinstance(cues, list) or not all(isinstance(c, str) for c in cues):
        raise ProfileError(f"{where}: cue_words must be a list of text")
    return Facet(
        field=value["field"],
        label=str(value.get("label") or label_of(value["field"])),
        kind=kind,
        separator=str(value.get("separator") or ""),
        cue_words=tuple(c.lower() for c in cues),
        unit=str(value.get("unit") or ""),
    )


def load_profile_file(path: Path, base: CatalogProfile) -> CatalogProfile:
    """A YAML profile file applied over `base` (usually the inferred profile)."""
    if not path.is_file():
        raise ProfileError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: invalid YAML: {exc}") from None
    return profile_from_mapping(data, base=base, where=str(path))


def shipped_profile(name: str) -> CatalogProfile:
    """A profile shipped with the product (store/data/profiles/<name>.yaml): "film", "books"."""
    return load_profile_file(PROFILES_DIR / f"{name}.yaml", CatalogProfile())


def label_of(field_name: str) -> str:
    """ "authors" -> "author", "language_code" -> "language code"."""
    words = field_name.replace("_", " ").replace("-", " ").strip().lower()
    return words[:-1] if words.endswith("s") and not words.endswith("ss") and len(words) > 3 else words


def check_profile(profile: CatalogProfile, items: Sequence[CatalogItem]) -> None:
    """ProfileError when the profile names a field no item has (a typo in a profile file)."""
    present = {key for item in items for key in item.extra}
    named = [*profile.searchable, *(f.field for f in profile.facets)]
    named += [f for f in (profile.image_field, profile.link_field, profile.price_field) if f]
    for field_name in named:
        if field_name not in present:
            raise ProfileError(f"the profile names the field {field_name!r}, which no item has")


__all__ = [
    "PROFILE_KEY",
    "CatalogProfile",
    "Facet",
    "FacetKind",
    "Noun",
    "ProfileError",
    "check_profile",
    "load_profile_file",
    "profile_from_mapping",
    "shipped_profile",
]
