"""The product's prompt and reply-template files, shipped as package data.

Rendered with Jinja2 `StrictUndefined`: a missing variable fails loudly. Files are read with
`importlib.resources`, so a non-editable install (a wheel) finds them as well as a checkout does.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

from prompts.locale import LOCALES_FOLDER, Locale, source_locale


class PackageLoader(BaseLoader):
    """Loads templates from a Traversable folder (a package's resources)."""

    def __init__(self, folder: Traversable) -> None:
        self.folder = folder

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Any]:
        node = self.folder
        for part in template.split("/"):
            node = node.joinpath(part)
        if not node.is_file():
            raise TemplateNotFound(template)
        return node.read_text(encoding="utf-8"), None, lambda: True


class Prompts:
    """Loads and renders the prompt files of one folder (by default, this package's), in one reply language.

    The LLM's prompts are the folder's own; the reply templates and UI strings are the locale's (the source
    locale's are the folder's own, another's are under locales/<code>/), with no fallback to another language.
    """

    def __init__(self, folder: Traversable | None = None, *, locale: Locale | None = None) -> None:
        self.folder = folder if folder is not None else resources.files(__name__)
        self.locale = locale if locale is not None else source_locale()
        self._prefix = "" if self.locale.is_source else f"{LOCALES_FOLDER}/{self.locale.code}/"
        self._env = Environment(
            loader=PackageLoader(self.folder),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=False,
        )
        self._env.filters["category_name"] = self.locale.category_name
        self._localized: dict[str, Prompts] = {}

    def localized(self, locale: Locale) -> Prompts:
        """The same prompt files with another locale's reply templates and UI strings (built once per locale)."""
        if locale.code == self.locale.code:
            return self
        if locale.code not in self._localized:
            self._localized[locale.code] = Prompts(self.folder, locale=locale)
        return self._localized[locale.code]

    def render(self, name: str, *, profile: object, **variables: Any) -> str:
        """Render one prompt file. Every file gets the catalog profile (a store.catalog_profile.CatalogProfile:
        `profile.item.plural`, `profile.category.singular`, `profile.summary`, ...), so no text names the
        domain ("film", "book") but through it."""
        return self._env.get_template(name).render(profile=profile, **variables).strip()

    def render_local(self, name: str, *, profile: object, **variables: Any) -> str:
        """A prompt file of this locale (locales/<code>/<name>; the folder's own for the source locale)."""
        return self.render(f"{self._prefix}{name}", profile=profile, **variables)

    def template_reply(self, intent: str, *, profile: object, **variables: Any) -> str:
        """A reply template (templates/<intent>.j2 of the locale) with the catalog profile and the intent's
        variables."""
        return self.render(f"{self._prefix}templates/{intent}.j2", profile=profile, **variables)

    def strings(self, name: str, *, profile: object, **variables: Any) -> dict[str, str]:
        """A YAML file of short templates (key: text), each rendered like a prompt file: the UI's words."""
        node = self.folder
        for part in f"{self._prefix}{name}".split("/"):
            node = node.joinpath(part)
        data = yaml.safe_load(node.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{name}: expected a mapping of keys to text")
        return {
            str(key): self._env.from_string(text).render(profile=profile, **variables).strip()
            for key, text in data.items()
        }


__all__ = ["Prompts"]
