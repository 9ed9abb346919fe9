"""Running the agent's tools: validation against each tool's signature, role mapping, JSON schemas, error capture.

Everything comes from the tool registry (tools/registry.py): a tool is a plain function
`fn(ctx, **arguments) -> ToolResult` whose docstring's Args: section documents the schema. The context (user id,
stores) is injected here, never taken from the model.
"""

from __future__ import annotations

import inspect
import time
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from tools.context import Role, ToolContext
from tools.registry import ToolFunction, ToolRegistry
from tools.results import ToolInputError, ToolResult


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """The result of running one tool call: a ToolResult, or an error message fed back as an observation."""

    name: str
    arguments: dict[str, Any]
    result: ToolResult | None
    error: str | None
    duration_ms: float
    suggestions: tuple[str, ...] = ()  # a ToolInputError's: catalog titles, genres … the user may have meant

    @property
    def ok(self) -> bool:
        return self.error is None


def _without_ctx(name: str, fn: ToolFunction) -> Callable[..., Any]:
    """A signature-only twin of fn without its ctx parameter, for schema generation."""
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values() if p.name != "ctx"
    ]

    def stub(**kwargs: Any) -> Any:  # pragma: no cover - never called
        raise NotImplementedError

    stub.__name__ = name
    stub.__doc__ = fn.__doc__
    stub.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    stub.__annotations__ = {k: v for k, v in hints.items() if k != "ctx"}
    stub.__module__ = fn.__module__
    return stub


class Toolbox:
    """The registry's tools, with argument validation and error capture."""

    def __init__(self, registry: ToolRegistry) -> None:
        self.registry = registry
        self._tools: dict[str, StructuredTool] = {
            spec.name: StructuredTool.from_function(
                func=_without_ctx(spec.name, spec.function), name=spec.name, parse_docstring=True, infer_schema=True
            )
            for spec in registry
        }

    def for_role(self, name: str, role: Role) -> str:
        """The tool a call maps to for this role (a role-restricted tool becomes its public variant)."""
        return self.registry.for_role(name, role)

    @property
    def names(self) -> list[str]:
        return [str(name) for name in self.registry.names]

    def langchain_tools(self, role: Role = "user") -> list[StructuredTool]:
        return [self._tools[spec.name] for spec in self.registry.visible_to(role)]

    def openai_schemas(self, role: Role = "user") -> list[dict[str, Any]]:
        return [convert_to_openai_tool(tool) for tool in self.langchain_tools(role)]

    def run(self, ctx: ToolContext, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        """Validate and run one call. Wrong tool, bad arguments and tool input errors become observations."""
        started = time.perf_counter()
        args = dict(arguments)

        def outcome(result: ToolResult | None, error: str | None, suggestions: Sequence[str] = ()) -> ToolOutcome:
            return ToolOutcome(name, args, result, error, (time.perf_counter() - started) * 1000.0, tuple(suggestions))

        spec = self.registry.get(name)
        if spec is None:
            return outcome(None, f"unknown tool {name!r}; tools: {', '.join(self.names)}")
        if not spec.allowed_for(ctx.role):
            return outcome(None, f"{name} needs the {spec.role} role")
        try:
            validated = self._tools[name].args_schema.model_validate(args)  # type: ignore[union-attr]
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return outcome(None, f"bad arguments for {name}: {problems}")
        clean = {k: v for k, v in validated.model_dump().items() if k in args}
        try:
            return outcome(spec.function(ctx, **clean), None)
        except ToolInputError as exc:
            hint = f" (did you mean: {', '.join(exc.suggestions)})" if exc.suggestions else ""
            return outcome(None, f"{exc}{hint}", exc.suggestions)
        except PermissionError as exc:
            return outcome(None, str(exc) or f"{name} is not allowed")
