"""The agent loop: one LangGraph graph with explicit state, run by every surface.

plan -> act -> (plan again, native planner only, within the step limit) -> respond.
Nodes stream TurnEvents through LangGraph's custom stream; the last event is TurnDone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from bot.events import ItemsShown, ReplyMode, ToolCall, ToolFinished, ToolStarted, TurnDone, TurnEvent, TurnResult
from bot.leaks import SecretScrubber
from bot.llm_base import LLMError, Message
from bot.native_planner import NativePlanner, NativeStep
from bot.plan import Decision, DialogueState, PlannedCall
from bot.reply import ReplyWriter
from bot.toolbox import Toolbox, ToolOutcome
from tools.context import ToolContext

log = logging.getLogger(__name__)

PlannerName = Literal["router", "native"]
TOP_ITEM = "$top"


class RouterLike(Protocol):
    """What the loop needs of the router planner (bot.router.Router)."""

    def route(self, text: str, state: DialogueState) -> Decision: ...


@dataclass(slots=True)
class TurnRequest:
    """One turn to run."""

    ctx: ToolContext
    text: str
    session_id: str
    state: DialogueState
    reply_mode: ReplyMode
    planner: PlannerName
    max_items: int
    history: list[Message] = field(default_factory=list)


class LoopState(TypedDict, total=False):
    request: TurnRequest
    decision: Decision
    pending: list[PlannedCall]
    outcomes: list[ToolOutcome]
    native_messages: list[Message]
    native_text: str | None
    steps: int
    trace: list[dict[str, Any]]
    fallback: str | None
    llm_failed: bool
    result: TurnResult


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
        self._graph = self._build()

    # ---- graph -------------------------------------------------------------------------------
    def _build(self) -> Any:
        graph = StateGraph(LoopState)
        graph.add_node("plan", self._plan)
        graph.add_node("act", self._act)
        graph.add_node("respond", self._respond)
        graph.add_edge(START, "plan")
        graph.add_conditional_edges("plan", self._after_plan, {"act": "act", "respond": "respond"})
        graph.add_conditional_edges("act", self._after_act, {"plan": "plan", "respond": "respond"})
        graph.add_edge("respond", END)
        return graph.compile()

    def run(self, request: TurnRequest) -> Iterator[TurnEvent]:
        """Run one turn, yielding events; the last one is TurnDone."""
        started = time.perf_counter()
        final: LoopState = {}
        initial: LoopState = {"request": request, "outcomes": [], "steps": 0, "trace": [], "fallback": None}
        scrubber = SecretScrubber([self.replies.canary])  # the canary leaves through no event (bot/leaks.py)
        for mode, payload in self._graph.stream(
            initial, stream_mode=["custom", "values"], config={"recursion_limit": 4 * self.max_steps + 8}
        ):
            if mode == "custom":
                yield from scrubber.feed(payload)
            else:
                final = payload
        result = final["result"]
        result.timings_ms["total"] = round((time.perf_counter() - started) * 1000.0, 2)
        yield from scrubber.feed(TurnDone(result))

    # ---- nodes -------------------------------------------------------------------------------
    def _plan(self, state: LoopState) -> LoopState:
        request = state["request"]
        started = time.perf_counter()
        trace = list(state["trace"])
        if request.planner == "native" and self.native is not None and state.get("fallback") is None:
            step: NativeStep | None = None
            llm_failed = False
            problem = self._native_gave_up(state)
            if problem is None:
                try:
                    step = self._native_step(state)
                except LLMError as exc:
                    problem, llm_failed = f"native planner failed: {exc}", True
                    log.warning("native planner fell back to the router: %s", type(exc).__name__)
                else:
                    problem = self._refused_answer(state, step)
            if step is None or problem is not None:
                reason = problem or "native planner failed"
                trace.append({"event": "planner_fallback", "from": "native", "to": "router", "reason": reason})
                if not llm_failed:  # the reason may quote model text: only its kind is logged
                    log.warning("native planner fell back to the router: %s", reason.split(":", 1)[0])
                decision = self.router.route(request.text, request.state)
                update = self._planned(state, decision, trace, started, fallback=reason)
                update["llm_failed"] = llm_failed
                return update
            trace.append({"event": "native_step", "calls": [c.tool for c in step.calls], "has_text": bool(step.text)})
            decision = state.get("decision") or Decision(intent=step.intent or "smalltalk", confidence=1.0)
            if step.calls:
                decision = Decision(intent=step.intent or decision.intent, confidence=1.0, slots=decision.slots)
            return {
                "decision": decision,
                "pending": step.calls,
                "native_messages": step.messages,
                "native_text": step.text,
                "steps": state["steps"] + 1,
                "trace": [*trace, {"event": "plan", "ms": round((time.perf_counter() - started) * 1000, 2)}],
            }
        decision = self.router.route(request.text, request.state)
        return self._planned(state, decision, trace, started, fallback=state.get("fallback"))

    def _planned(
        self, state: LoopState, decision: Decision, trace: list[dict[str, Any]], started: float, fallback: str | None
    ) -> LoopState:
        trace = [
            *trace,
            {
                "event": "plan",
                "planner": "router",
                "intent": decision.intent,
                "confidence": round(decision.confidence, 3),
                "calls": [c.tool for c in decision.calls],
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        ]
        return {
            "decision": decision,
            "pending": list(decision.calls)[: self.max_steps],
            "native_text": None,
            "steps": state["steps"] + 1,
            "trace": trace,
            "fallback": fallback or "router",
        }

    def _native_step(self, state: LoopState) -> NativeStep:
        assert self.native is not None
        request = state["request"]
        messages = state.get("native_messages")
        if not messages:
            messages = self.native.start(request.ctx, request.text, request.history)
        return self.native.step(request.ctx, messages, final=state["steps"] + 1 >= self.max_steps)

    @staticmethod
    def _native_gave_up(state: LoopState) -> str | None:
        """After two native steps in which every tool call failed (unknown tools, bad arguments): use the router."""
        outcomes = state["outcomes"]
        if state["steps"] >= 2 and outcomes and not any(o.ok for o in outcomes):
            return f"native planner: all {len(outcomes)} tool calls failed ({outcomes[-1].error})"
        return None

    def _refused_answer(self, state: LoopState, step: NativeStep) -> str | None:
        """A text answer before any tool succeeded that the guard refuses (invented titles, cut off): use the router."""
        if step.calls or not step.text or any(o.ok for o in state["outcomes"]):
            return None
        guard = self.replies.check_text(state["request"], step.text)
        return None if guard.passed else "native answer without tools refused: " + "; ".join(guard.problems)

    def _after_plan(self, state: LoopState) -> str:
        return "act" if state.get("pending") else "respond"

    def _act(self, state: LoopState) -> LoopState:
        request = state["request"]
        writer = get_stream_writer()
        outcomes = list(state["outcomes"])
        trace = list(state["trace"])
        for planned in state.get("pending", []):
            call = _resolve_placeholders(planned, outcomes)
            public = self.toolbox.for_role(call.tool, request.ctx.role)
            if public != call.tool:
                trace.append({"event": "role_mapped", "from": call.tool, "to": public})
                call = PlannedCall(public, call.arguments)
            writer(ToolStarted(call.tool, dict(call.arguments)))
            outcome = self.toolbox.run(request.ctx, call.tool, call.arguments)
            outcomes.append(outcome)
            summary = outcome.result.summary if outcome.result is not None else f"error: {outcome.error}"
            writer(ToolFinished(call.tool, outcome.ok, summary))
            trace.append(
                {"event": "tool", "name": call.tool, "ok": outcome.ok, "ms": round(outcome.duration_ms, 2)}
                | ({"error": outcome.error} if outcome.error else {})
            )
        update: LoopState = {"outcomes": outcomes, "trace": trace, "pending": []}
        if request.planner == "native" and self.native is not None and state.get("fallback") is None:
            update["native_messages"] = self.native.observe(
                state.get("native_messages") or [], outcomes[-len(state.get("pending", [])) :]
            )
        return update

    def _after_act(self, state: LoopState) -> str:
        request = state["request"]
        native_active = request.planner == "native" and self.native is not None and state.get("fallback") is None
        if native_active and state["steps"] < self.max_steps:
            return "plan"
        return "respond"

    def _respond(self, state: LoopState) -> LoopState:
        request = state["request"]
        writer = get_stream_writer()
        outcomes = state["outcomes"]
        decision = state.get("decision") or Decision(intent="smalltalk", confidence=0.0)
        items = self.replies.items_to_show(outcomes, request.max_items)
        if items:
            writer(ItemsShown(tuple(items)))
        started = time.perf_counter()
        reply = self.replies.write(
            request=request,
            decision=decision,
            outcomes=outcomes,
            items=items,
            draft=state.get("native_text"),
            emit=writer,
            llm_failed=bool(state.get("llm_failed")),
        )
        timings = {"reply": round((time.perf_counter() - started) * 1000.0, 2)}
        tool_ms = sum(o.duration_ms for o in outcomes)
        timings["tools"] = round(tool_ms, 2)
        fallback = reply.fallback_reason
        planner_fallback = state.get("fallback")
        if planner_fallback not in (None, "router"):
            fallback = f"{planner_fallback}; {fallback}" if fallback else planner_fallback
        result = TurnResult(
            session_id=request.session_id,
            reply=reply.text,
            items=items,
            tool_calls=[
                ToolCall(o.name, o.arguments, ok=o.ok, error=o.error, duration_ms=round(o.duration_ms, 2))
                for o in outcomes
            ],
            reply_mode_used=reply.mode,
            intent=decision.intent,
            guard=reply.guard,
            fallback_reason=fallback,
            trace=[*state["trace"], *reply.trace],
            timings_ms=timings,
        )
        return {"result": result}
