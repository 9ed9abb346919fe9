"""The tools the agent may call: public names, typed functions, JSON schemas, and safe execution.

A tool is a plain function `fn(ctx, **arguments) -> ToolResult`; its docstring's Args: section is the schema's
documentation. The context (user id, stores) is injected here, never taken from the model.
"""

from __future__ import annotations

import inspect
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.tools import StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from tools.context import ToolContext
from tools.results import ToolInputError, ToolResult

ToolFunction = Callable[..., ToolResult]

MARKETER_ONLY = frozenset({"audience_for"})
# What an ordinary user gets instead of a marketer-only tool: aggregate, anonymous figures.
PUBLIC_VARIANT = {"audience_for": "audience_summary"}


def default_tool_functions() -> dict[str, ToolFunction]:
    """The product's tools by public name (imported here, not at module import time)."""
    from tools.audience import audience_for, audience_summary_public
    from tools.copy import write_copy
    from tools.feedback import record_feedback
    from tools.keywords import extract_keywords
    from tools.profile import user_profile
    from tools.recommend import recommend, similar_items
    from tools.search import item_details, search_catalog

    return {
        "search_catalog": search_catalog,
        "item_details": item_details,
        "recommend": recommend,
        "similar_items": similar_items,
        "user_profile": user_profile,
        "record_feedback": record_feedback,
        "extract_keywords": extract_keywords,
        "write_copy": write_copy,
        "audience_for": audience_for,
        "audience_summary": audience_summary_public,
    }


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """The result of running one tool call: a ToolResult, or an error message fed back as an observation."""

    name: str
    arguments: dict[str, Any]
    result: ToolResult | None
    error: str | None
    duration_ms: float

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
    """Tool functions by name, with validation and error capture."""

    def __init__(self, functions: Mapping[str, ToolFunction]) -> None:
        self._functions = dict(functions)
        self._tools: dict[str, StructuredTool] = {}
        for name, fn in self._functions.items():
            self._tools[name] = StructuredTool.from_function(
                func=_without_ctx(name, fn), name=name, parse_docstring=True, infer_schema=True
            )

    @staticmethod
    def for_role(name: str, role: str) -> str:
        """The tool a call maps to for this role (marketer-only tools become their public variant)."""
        if name in MARKETER_ONLY and role != "marketer":
            return PUBLIC_VARIANT.get(name, name)
        return name

    @property
    def names(self) -> list[str]:
        return list(self._functions)

    def langchain_tools(self, role: str = "user") -> list[StructuredTool]:
        return [tool for name, tool in self._tools.items() if role == "marketer" or name not in MARKETER_ONLY]

    def openai_schemas(self, role: str = "user") -> list[dict[str, Any]]:
        return [convert_to_openai_tool(tool) for tool in self.langchain_tools(role)]

    def run(self, ctx: ToolContext, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        """Validate and run one call. Wrong tool, bad arguments and tool input errors become observations."""
        started = time.perf_counter()
        args = dict(arguments)

        def outcome(result: ToolResult | None, error: str | None) -> ToolOutcome:
            return ToolOutcome(name, args, result, error, (time.perf_counter() - started) * 1000.0)

        fn = self._functions.get(name)
        if fn is None:
            return outcome(None, f"unknown tool {name!r}; tools: {', '.join(self.names)}")
        if name in MARKETER_ONLY and ctx.role != "marketer":
            return outcome(None, f"{name} needs the marketer role")
        try:
            validated = self._tools[name].args_schema.model_validate(args)  # type: ignore[union-attr]
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return outcome(None, f"bad arguments for {name}: {problems}")
        clean = {k: v for k, v in validated.model_dump().items() if k in args}
        try:
            return outcome(fn(ctx, **clean), None)
        except ToolInputError as exc:
            hint = f" (did you mean: {', '.join(exc.suggestions)})" if exc.suggestions else ""
            return outcome(None, f"{exc}{hint}")
        except PermissionError as exc:
            return outcome(None, str(exc) or f"{name} is not allowed")
