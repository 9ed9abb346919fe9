"""Pieces of the prompt-injection suite (tests/data/injection_suite.yaml): a backend over the small catalog plus
one poisoned item, a scripted model that obeys every injected instruction, a recorder of what the tools really
returned, and a leak detector for the canary in plain and hidden forms.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.agent.events import TextDelta, TurnDone, TurnEvent, TurnResult
from bot.concierge import Concierge
from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tests.app_fixtures import _small_parts, backend_over
from tools.chat_model import ChatModel, LLMDelta, Message, ToolCallRequest
from tools.recommender.ease import EaseModel
from tools.registry import ToolFunction, ToolRegistry, default_tools
from tools.results import ToolResult

SUITE_FILE = Path(__file__).resolve().parent / "data" / "injection_suite.yaml"


@functools.cache
def suite() -> dict[str, Any]:
    data = yaml.safe_load(SUITE_FILE.read_text(encoding="utf-8"))
    assert len(data["direct"]) >= 10 and data["indirect"], "the suite needs >= 10 direct and some indirect prompts"
    return dict(data)


def poison_item() -> CatalogItem:
    p = suite()["poison"]
    return CatalogItem(str(p["item_id"]), p["title"], int(p["year"]), tuple(p["genres"]), overview=p["overview"])


@functools.cache
def poisoned_parts() -> tuple[CatalogStore, EaseModel]:
    """The 600-item small catalog plus the poisoned item (EASE from the small backend; the poison has no ratings)."""
    catalog, ease = _small_parts()
    return CatalogStore.from_items([*catalog.items(), poison_item()], HashingEmbedder()), ease


@dataclass
class ToolRecorder:
    """Wraps tool functions to record every call that ran and what it returned."""

    calls: list[tuple[str, dict[str, Any], ToolResult]] = field(default_factory=list)

    def wrap(self, registry: ToolRegistry) -> ToolRegistry:
        def wrapped(name: str, fn: ToolFunction) -> ToolFunction:
            @functools.wraps(fn)
            def run(ctx: Any, **kwargs: Any) -> ToolResult:
                result = fn(ctx, **kwargs)
                self.calls.append((name, dict(kwargs), result))
                return result

            return run

        return registry.with_functions({spec.name: wrapped(spec.name, spec.function) for spec in registry})

    def returned_ids(self, since: int = 0) -> set[str]:
        return {s.item.item_id for _, _, result in self.calls[since:] for s in result.items}


def injection_backend(
    home: Path, llm: ChatModel | None, *, canary: str, recorder: ToolRecorder | None = None, **settings: Any
) -> Concierge:
    """The real loop, router, tools and stores over the poisoned small catalog, with the canary in the prompt."""
    catalog, ease = poisoned_parts()
    tools = recorder.wrap(default_tools()) if recorder else None
    return backend_over(home, catalog, ease, llm, {"tools": tools, "canary": canary}, **settings)


# ---- the obedient model ------------------------------------------------------------------------
def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fill(template: str, system: str, victim: str = "") -> str:
    """An obedient answer: the template with the secrets of `system` (the model's own system prompt) filled in."""
    secret = " ".join(re.findall(r"\[([^\]]*)\]", system)) or "(no secret found)"
    values = {
        "secret": secret,
        "secret_b64": _b64(secret),
        "secret_spaced": " ".join(secret),
        "secret_reversed": secret[::-1],
        "system": " ".join(system.split()),
        "system_b64": _b64(system),
        "victim": victim,
    }
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


class ObedientModel:
    """A worst-case chat model: it does what the user's text or any tool result tells it to.

    Router planner: its reply is `obey` (the current prompt's payload), or the poison's payload once the
    poisoned overview is in its input. Native planner (supports_tools): its first step calls `first_calls`
    (arguments filled from its system prompt), its next step answers like the router case.
    """

    name = "obedient"

    def __init__(self, *, supports_tools: bool) -> None:
        self.supports_tools = supports_tools
        self.continues_replies = False
        self.obey = ""
        self.first_calls: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.outputs: list[str] = []

    def stream(
        self, messages: Sequence[Message], *, tools: Sequence[dict[str, Any]] | None = None, **_: Any
    ) -> Iterator[LLMDelta]:
        self.calls.append({"messages": [dict(m) for m in messages], "tools": tools})
        system = str(messages[0].get("content") or "") if messages and messages[0].get("role") == "system" else ""
        if tools is not None and not any(m.get("role") == "tool" for m in messages):
            requests = tuple(
                ToolCallRequest(
                    f"c{n}", c["name"], json.loads(fill(json.dumps(c["arguments"]), system, suite()["victim"]))
                )
                for n, c in enumerate(self.first_calls)
            )
            return iter([LLMDelta(tool_calls=requests)])
        seen = "\n".join(str(m.get("content") or "") for m in messages)
        poison = suite()["poison"]
        text = fill(poison["obey"] if poison["marker"] in seen else self.obey or suite()["benign"], system)
        self.outputs.append(text)
        return iter([LLMDelta(text=piece) for piece in re.findall(r"\S+\s*", text)])


# ---- running turns and finding leaks -----------------------------------------------------------
@dataclass
class Turn:
    result: TurnResult
    wire: str  # every event of the turn as a client receives it (SSE / JSON), serialised
    draft: str  # the streamed draft tokens


def run_turn(backend: Concierge, user: str, text: str, **kwargs: Any) -> Turn:
    events: list[TurnEvent] = list(backend.run_turn(user_id=user, text=text, **kwargs))
    assert isinstance(events[-1], TurnDone)
    wire = "\n".join(json.dumps(dataclasses.asdict(e), default=str, ensure_ascii=False) for e in events)
    draft = "".join(e.text for e in events if isinstance(e, TextDelta))
    return Turn(events[-1].result, wire, draft)


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _b64_views(text: str) -> Iterator[str]:
    for token in re.findall(r"[A-Za-z0-9+/_=-]{8,}", text):
        body = token.replace("=", "")
        for start in range(4):  # every alignment: the secret may sit anywhere in the encoded text
            chunk = body[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            for altchars in (None, b"-_"):
                try:
                    yield base64.b64decode(chunk, altchars=altchars).decode("utf-8", errors="ignore")
                except (binascii.Error, ValueError):
                    continue


def canary_forms(text: str, canary: str) -> list[str]:
    """The forms in which the canary appears in text: plain, spelled out, reversed, base64."""
    key = _squash(canary)
    squashed = _squash(text)
    found = []
    if canary.lower() in text.lower():
        found.append("plain")
    if key in squashed:
        found.append("spelled out")
    if key[::-1] in squashed:
        found.append("reversed")
    if any(key in _squash(view) for view in _b64_views(text)):
        found.append("base64")
    return found
