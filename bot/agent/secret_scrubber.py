"""Secrets of the system prompt (the canary) never leave a turn: every event is scrubbed on its way out.

The grounding guard checks the LLM's reply text. A secret can also leave through what the guard does not see:
draft tokens (streamed before the guard runs; a model can spell the secret out or base64-encode it, which no
filter over a partial stream can recognise in time), guard problems and fallback reasons (they quote the
draft), and tool-call arguments a tool-calling model chose (echoed in tool events, item reasons and error
templates). `AgentLoop.run` passes its events through `SecretScrubber.feed`. With a secret configured, draft
tokens are held until the turn ends and sent (as one piece) only when the guard passed the LLM's text;
every string of every other event has the secret replaced. Without a secret nothing changes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any

from bot.agent.events import TextDelta, TurnDone, TurnEvent

REDACTED = "[redacted]"


class SecretScrubber:
    """Per-turn filter over TurnEvents; a no-op when there is no secret."""

    def __init__(self, secrets: Iterable[str]) -> None:
        kept = [s for s in secrets if s]
        self._pattern = re.compile("|".join(re.escape(s) for s in kept), re.I) if kept else None
        self._draft: list[str] = []

    def text(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text

    def value(self, value: Any) -> Any:
        """The value with every string in it scrubbed (dataclasses, dicts, lists and tuples are rebuilt)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self.value(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        return value

    def feed(self, event: TurnEvent) -> Iterator[TurnEvent]:
        """The events to send for `event`."""
        if self._pattern is None:
            yield event
            return
        if isinstance(event, TextDelta):
            self._draft.append(event.text)
            return
        if isinstance(event, TurnDone) and self._draft and event.result.reply_mode_used == "llm":
            yield TextDelta(self.text("".join(self._draft)))
        yield self.value(event)
