"""The tool registry: one declaration per tool, from which everything else about tools is derived.

A declaration (`ToolSpec`) names the tool, its typed function (its signature and docstring are the schema the
model sees), the intent it serves, whether its items are the turn's candidate set, whether follow-ups ("more",
"older", "no horror") re-run it with refined filters, which role may call it, and what other callers get instead.
The toolbox (validation, role mapping, schemas), the reply writer, the follow-up logic, the dialogue state and
the native planner all read these declarations. Adding a tool: write its function, add one line to
`default_tools()`, and give its intent a reply template if it is a new intent.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tools.context import Role
from tools.feedback import record_feedback
from tools.marketing.audience import audience_for, audience_summary_public
from tools.marketing.copy import write_copy
from tools.marketing.keywords import extract_keywords
from tools.names import Intent, ToolName
from tools.profile import user_profile
from tools.proposals import recommend_titles
from tools.recommend import recommend, similar_items
from tools.results import ToolResult
from tools.search import item_details, search_catalog

ToolFunction = Callable[..., ToolResult]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool: `function(ctx, **arguments) -> ToolResult`, and how the agent treats it."""

    name: ToolName
    function: ToolFunction
    intent: Intent
    shows_items: bool = True  # its items are the candidate set shown to the user (not so for feedback or copy)
    refinable: bool = False  # a list that follow-ups re-run with merged filters
    role: Role = "user"  # the least role that may call it
    public_variant: ToolName | None = None  # what a caller without that role gets instead

    @property
    def arguments(self) -> tuple[str, ...]:
        """The arguments the model may pass (the function's parameters but ctx)."""
        return tuple(name for name in inspect.signature(self.function).parameters if name != "ctx")

    def allowed_for(self, role: Role) -> bool:
        return self.role == "user" or role == self.role


class ToolRegistry:
    """The tools of one agent, by name. Immutable; `with_functions` gives a copy with some functions swapped."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._specs: dict[ToolName, ToolSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"tool {spec.name} is declared twice")
            self._specs[spec.name] = spec
        for spec in self._specs.values():
            if spec.public_variant is not None and spec.public_variant not in self._specs:
                raise ValueError(f"{spec.name}: public variant {spec.public_variant} is not a declared tool")
        # read on every planned call (follow-ups, the router): the signatures are inspected once
        self._arguments = {name: frozenset(spec.arguments) for name, spec in self._specs.items()}

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._specs.values())

    @property
    def names(self) -> list[ToolName]:
        return list(self._specs)

    def get(self, name: str) -> ToolSpec | None:
        """The declaration of a tool by its public name (None for a name no tool has, e.g. one a model invented)."""
        try:
            return self._specs.get(ToolName(name))
        except ValueError:
            return None

    def spec(self, name: ToolName) -> ToolSpec:
        return self._specs[name]

    def for_role(self, name: str, role: Role) -> str:
        """The tool a call maps to for this role (a role-restricted tool becomes its public variant)."""
        spec = self.get(name)
        if spec is None or spec.allowed_for(role) or spec.public_variant is None:
            return name
        return spec.public_variant

    def visible_to(self, role: Role) -> list[ToolSpec]:
        """The tools a model acting for this role is offered."""
        return [spec for spec in self._specs.values() if spec.allowed_for(role)]

    def intent_of(self, name: str) -> Intent | None:
        spec = self.get(name)
        return spec.intent if spec is not None else None

    def is_refinable(self, name: str) -> bool:
        spec = self.get(name)
        return spec is not None and spec.refinable

    def shows_items(self, name: str) -> bool:
        spec = self.get(name)
        return spec is not None and spec.shows_items

    def clean_arguments(self, name: ToolName, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Only the arguments the tool takes; no None, no empty lists, mappings or strings."""
        allowed = self._arguments[name]
        return {k: v for k, v in arguments.items() if k in allowed and v is not None and v not in ([], {}, "")}

    def subset(self, functions: Mapping[ToolName, ToolFunction]) -> ToolRegistry:
        """Only these tools' declarations, with these functions (a test's small toolbox)."""
        return ToolRegistry(replace(self.spec(name), function=fn) for name, fn in functions.items())

    def with_functions(self, functions: Mapping[ToolName, ToolFunction]) -> ToolRegistry:
        """The same declarations with some functions replaced (tests, or an application's own implementations)."""
        unknown = set(functions) - set(self._specs)
        if unknown:
            raise ValueError(f"no such tools: {', '.join(sorted(unknown))}")
        return ToolRegistry(replace(spec, function=functions.get(spec.name, spec.function)) for spec in self)


def default_tools() -> ToolRegistry:
    """The product's tools."""
    return ToolRegistry(
        [
            ToolSpec(ToolName.SEARCH_CATALOG, search_catalog, Intent.SEARCH, refinable=True),
            ToolSpec(ToolName.ITEM_DETAILS, item_details, Intent.ITEM_QUESTION),
            ToolSpec(ToolName.RECOMMEND, recommend, Intent.RECOMMEND, refinable=True),
            # titles a capable model proposes, grounded in the catalog: only the native planner offers it (the router
            # plans no call of it; its follow-ups re-run one the model made, with the merged filters)
            ToolSpec(ToolName.RECOMMEND_TITLES, recommend_titles, Intent.RECOMMEND, refinable=True),
            ToolSpec(ToolName.SIMILAR_ITEMS, similar_items, Intent.SIMILAR, refinable=True),
            ToolSpec(ToolName.USER_PROFILE, user_profile, Intent.PROFILE),
            ToolSpec(ToolName.RECORD_FEEDBACK, record_feedback, Intent.FEEDBACK, shows_items=False),
            ToolSpec(ToolName.EXTRACT_KEYWORDS, extract_keywords, Intent.KEYWORDS),
            ToolSpec(ToolName.WRITE_COPY, write_copy, Intent.MARKETING_COPY, shows_items=False),
            ToolSpec(
                ToolName.AUDIENCE_FOR,
                audience_for,
                Intent.AUDIENCE,
                role="marketer",
                public_variant=ToolName.AUDIENCE_SUMMARY,
            ),
            ToolSpec(ToolName.AUDIENCE_SUMMARY, audience_summary_public, Intent.AUDIENCE),
        ]
    )
