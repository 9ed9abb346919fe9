"""The one report type of every guard: the reply check, the marketing-copy check and the secret checks.

It lives in tools (the lowest layer that needs it): the marketing tools build and keep reports, and tools never
import bot. bot.guard re-exports it as its public report type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class GuardReport:
    """What a guard said of generated text: passed, and one precise string per problem."""

    passed: bool
    problems: tuple[str, ...] = ()

    @classmethod
    def from_problems(cls, problems: Iterable[str]) -> GuardReport:
        """A report listing problems (in order); it passed when there are none."""
        found = tuple(problems)
        return cls(passed=not found, problems=found)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "problems": list(self.problems)}
