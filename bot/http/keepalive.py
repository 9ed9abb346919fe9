"""SSE keep-alive: a `: keep-alive` comment line whenever a stream has been silent for `interval_s` seconds.

A turn can wait on the LLM for up to CONCIERGE_LLM_TIMEOUT_S without an event, and proxies cut idle streams.
SSE clients ignore comment lines (the spec; the widget reads only `event:` / `data:`; the OpenAI SDK skips `:`),
so the event stream is otherwise unchanged. The blocking chunk iterator runs in Starlette's thread pool one
`next()` at a time, as StreamingResponse would run it, while the event loop keeps the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import anyio.to_thread

KEEPALIVE = ": keep-alive\n\n"
_END = object()


def _next(chunks: Iterator[str]) -> object:
    return next(chunks, _END)


def _retrieve(future: asyncio.Future[object]) -> None:
    """The result of a next() nobody waits for any more (the client left): taken, so asyncio does not warn."""
    if not future.cancelled():
        future.exception()


async def with_keepalive(chunks: Iterator[str], interval_s: float) -> AsyncIterator[str]:
    """The chunks in order, with KEEPALIVE after every `interval_s` seconds in which no chunk came."""
    pending: asyncio.Future[object] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anyio.to_thread.run_sync(_next, chunks))
            done, _ = await asyncio.wait({pending}, timeout=interval_s)
            if not done:
                yield KEEPALIVE
                continue
            chunk, pending = pending.result(), None
            if chunk is _END:
                return
            yield str(chunk)
    finally:
        if pending is not None and not pending.done():
            pending.add_done_callback(_retrieve)  # a next() still running when the client left
