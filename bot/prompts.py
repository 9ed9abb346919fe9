"""Prompt files (prompts/*.j2) rendered with Jinja2 StrictUndefined: a missing variable fails loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


class Prompts:
    """Loads and renders the prompt files of one folder."""

    def __init__(self, folder: Path = PROMPTS_DIR) -> None:
        self.folder = folder
        self._env = Environment(
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=False,
        )

    def render(self, name: str, **variables: Any) -> str:
        return self._env.get_template(name).render(**variables).strip()

    def template_reply(self, intent: str, **variables: Any) -> str:
        return self.render(f"templates/{intent}.j2", **variables)
