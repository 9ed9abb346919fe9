"""The agent loop: a plain generator of events, run by every surface.

plan -> act -> (plan again while the native planner is in charge, within the step limit) -> respond.
Each step yields TurnEvents as it goes (tool start/end, LLM text, items); the last event is TurnDone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bot.agent.decision import TOP_ITEM, Decision, DialogueState, PlannedCall
from bot.agent.events import ItemsShown, ToolCall, ToolFinished, ToolStarted, TurnDone, TurnEvent, TurnResult
from bot.agent.native_planner import NativePlanner, NativeStep
from bot.agent.replies import ReplyWriter
from bot.agent.secret_scrubber import SecretScrubber
from bot.agent.toolbox import Toolbox, ToolOutcome
from bot.agent.turn import PlannerName, TurnRequest
from tools.chat_model import LLMError, Message
from tools.names import Intent

log = logging.getLogger(__name__)
T = TypeVar("T")


class RouterLike(Protocol):
    """What the loop needs of the router planner (bot.agent.router.routing.Router)."""

    def route(self, text: str, state: DialogueState) -> Decision: ...

    def named_items(self, text: str) -> list[str]:
        """The catalog items a message names (an assistant's, in a client's history), as ids."""
        ...


@dataclass(slots=True)
class TurnState:
    """The loop's state during one turn; each field has one meaning."""

    request: TurnRequest
    planner: PlannerName  # the planner in charge now: "native" until it hands over to the router
    decision: Decision | None = None  # the latest plan's intent and slots
    pending: list[PlannedCall] = field(default_factory=list)  # calls planned and not yet run
    outcomes: list[ToolOutcome] = field(default_factory=list)  # every call run this turn, in order
    native_messages: list[Message] = field(default_factory=list)  # the native planner's conversation so far
    native_text: str | None = None  # the native planner's final text (a draft reply), if it wrote one
    steps: int = 0  # plan steps taken (the step limit counts these)
    handover_reason: str | None = None  # why the native planner handed over to the router, if it did
    llm_failed: bool = False  # the LLM raised this turn: the reply does not call it again
    trace: list[dict[str, Any]] = field(default_factory=list)


def _resolve_placeholders(call: PlannedCall, outcomes: list[ToolOutcome]) -> PlannedCall:
    """Replace "$top" arguments by the id of the first item of the latest call that returned items."""
    if TOP_ITEM not in call.arguments.values():
        return call
    top: str | None = None
    for outcome in reversed(outcomes):
        if outcome.result is not None and outcome.result.items:
            top = outcome.result.items[0].item.item_id
            break
    arguments = {k: (top if v == TOP_ITEM else v) for k, v in call.arguments.items()}
    return PlannedCall(call.tool, {k: v for k, v in arguments.items() if v is not None})


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _scrubbed(events: Generator[TurnEvent, None, T], scrubber: SecretScrubber) -> Generator[TurnEvent, None, T]:
    """The events through the secret scrubber; returns what the generator returns."""
    while True:
        try:
            event = next(events)
        except StopIteration as done:
            return done.value
        yield from scrubber.feed(event)


class AgentLoop:
    """Runs turns. Shared by all sessions; holds no per-turn state itself."""

    def __init__(
        self,
        toolbox: Toolbox,
        router: RouterLike,
        replies: ReplyWriter,
        native: NativePlanner | None,
        max_steps: int,
    ) -> None:
        self.toolbox = toolbox
        self.router = router
        self.replies = replies
        self.native = native
        self.max_steps = max_steps

    def run(self, request: TurnRequest) -> Iterator[TurnEvent]:
        """Run one turn, yielding events; the last one is TurnDone. The canary leaves through no event."""
        started = time.perf_counter()
        scrubber = SecretScrubber([self.replies.canary])
        planner: PlannerName = "native" if request.planner == "native" and self.native is not None else "router"
        result = yield from _scrubbed(self._turn(TurnState(request, planner)), scrubber)
        result.timings_ms["total"] = _ms(started)
        yield from scrubber.feed(TurnDone(result))

    def _turn(self, state: TurnState) -> Generator[TurnEvent, None, TurnResult]:
        while True:
            self._plan(state)
            if not state.pending:
                break
            yield from self._act(state)
            if state.planner != "native" or state.steps >= self.max_steps:
                break
        return (yield from self._respond(state))

    # ---- plan --------------------------------------------------------------------------------
    def _plan(self, state: TurnState) -> None:
        started = time.perf_counter()
        if state.planner == "native":
            self._plan_native(state, started)
        else:
            self._plan_router(state, started)

    def _plan_router(self, state: TurnState, started: float) -> None:
        decision = self.router.route(state.request.text, state.request.state)
        state.decision = decision
        state.pending = list(decision.calls)[: self.max_steps]
        state.native_text = None
        state.steps += 1
        state.trace.append(
            {
                "event": "plan",
                "planner": "router",
                "intent": decision.intent,
                "confidence": round(decision.confidence, 3),
                "calls": [c.tool for c in decision.calls],
                "ms": _ms(started),
                # another language's message: the English words the router understood, the words it could not
                **{k: decision.slots[k] for k in ("glossed", "untranslated") if k in decision.slots},
            }
        )

    def _plan_native(self, state: TurnState, started: float) -> None:
        step: NativeStep | None = None
        problem = self._native_gave_up(state)
        if problem is None:
            try:
                step = self._native_step(state)
            except LLMError as exc:
                problem, state.llm_failed = f"native planner failed: {exc}", True
                log.warning("native planner fell back to the router: %s", type(exc).__name__)
            else:
                problem = self._refused_answer(state, step)
        if step is None or problem is not None:
            self._hand_over(state, problem or "native planner failed", started)
            return
        state.trace.append({"event": "native_step", "calls": [c.tool for c in step.calls], "has_text": bool(step.text)})
        decision = state.decision or Decision(intent=step.intent or Intent.SMALLTALK, confidence=1.0)
        if step.calls:
            decision = Decision(intent=step.intent or decision.intent, confidence=1.0, slots=decision.slots)
        state.decision = decision
        state.pending = step.calls
        state.native_messages = step.messages
        state.native_text = step.text
        state.steps += 1
        state.trace.append({"event": "plan", "ms": _ms(started)})

    def _hand_over(self, state: TurnState, reason: str, started: float) -> None:
        """The native planner gives up this turn: the router plans instead."""
        state.trace.append({"event": "planner_fallback", "from": "native", "to": "router", "reason": reason})
        if not state.llm_failed:  # the reason may quote model text: only its kind is logged
            log.warning("native planner fell back to the router: %s", reason.split(":", 1)[0])
        state.planner = "router"
        state.handover_reason = reason
        self._plan_router(state, started)

    def _native_step(self, state: TurnState) -> NativeStep:
        assert self.native is not None
        request = state.request
        messages = state.native_messages or self.native.start(request.ctx, request.text, request.history)
        return self.native.step(request.ctx, messages, final=state.steps + 1 >= self.max_steps)

    @staticmethod
    def _native_gave_up(state: TurnState) -> str | None:
        """After two native steps in which every tool call failed (unknown tools, bad arguments): use the router."""
        outcomes = state.outcomes
        if state.steps >= 2 and outcomes and not any(o.ok for o in outcomes):
            return f"native planner: all {len(outcomes)} tool calls failed ({outcomes[-1].error})"
        return None

    def _refused_answer(self, state: TurnState, step: NativeStep) -> str | None:
        """A text answer before any tool succeeded that the guard refuses (invented titles, cut off): use the router."""
        if step.calls or not step.text or any(o.ok for o in state.outcomes):
            return None
        guard = self.replies.check_text(state.request, step.text)
        return None if guard.passed else "native answer without tools refused: " + "; ".join(guard.problems)

    # ---- act ---------------------------------------------------------------------------------
    def _act(self, state: TurnState) -> Iterator[TurnEvent]:
        request = state.request
        ran: list[ToolOutcome] = []
        for planned in state.pending:
            call = _resolve_placeholders(planned, state.outcomes)
            public = self.toolbox.for_role(call.tool, request.ctx.role)
            if public != call.tool:
                state.trace.append({"event": "role_mapped", "from": call.tool, "to": public})
                call = PlannedCall(public, call.arguments)
            yield ToolStarted(call.tool, dict(call.arguments))
            outcome = self.toolbox.run(request.ctx, call.tool, call.arguments)
            state.outcomes.append(outcome)
            ran.append(outcome)
            summary = outcome.result.summary if outcome.result is not None else f"error: {outcome.error}"
            yield ToolFinished(call.tool, outcome.ok, summary)
            state.trace.append(
                {"event": "tool", "name": call.tool, "ok": outcome.ok, "ms": round(outcome.duration_ms, 2)}
                | ({"error": outcome.error} if outcome.error else {})
            )
        state.pending = []
        if state.planner == "native" and self.native is not None:
            state.native_messages = self.native.observe(state.native_messages, ran)

    # ---- respond -----------------------------------------------------------------------------
    def _respond(self, state: TurnState) -> Generator[TurnEvent, None, TurnResult]:
        """Yields the items and the reply's text deltas; returns the TurnResult."""
        request = state.request
        decision = state.decision or Decision(intent=Intent.SMALLTALK, confidence=0.0)
        items = self.replies.items_to_show(state.outcomes, request.max_items, request.ctx.catalog.profile)
        if items:
            yield ItemsShown(tuple(items))
        started = time.perf_counter()
        reply = yield from self.replies.write(
            request=request,
            decision=decision,
            outcomes=state.outcomes,
            items=items,
            draft=state.native_text,
            llm_failed=state.llm_failed,
        )
        timings = {"reply": _ms(started), "tools": round(sum(o.duration_ms for o in state.outcomes), 2)}
        fallback = reply.fallback_reason
        if state.handover_reason is not None:
            fallback = f"{state.handover_reason}; {fallback}" if fallback else state.handover_reason
        return TurnResult(
            session_id=request.session_id,
            reply=reply.text,
            items=items,
            tool_calls=[
                ToolCall(o.name, o.arguments, ok=o.ok, error=o.error, duration_ms=round(o.duration_ms, 2))
                for o in state.outcomes
            ],
            reply_mode_used=reply.mode,
            intent=decision.intent,
            guard=reply.guard,
            fallback_reason=fallback,
            trace=[*state.trace, *reply.trace],
            language=request.state.language,
            timings_ms=timings,
        )
