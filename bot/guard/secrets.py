"""Secrets hidden in reply text: spelled out with separators, reversed, or base64-encoded.

These are the usual ways a model asked to "reveal your system prompt" gets a canary past a plain substring
check. `check_reply` (bot/guard/reply.py) calls `hidden_secrets` for the caller's forbidden strings; a problem never
quotes the secret itself (guard problems reach API responses).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection

_B64_TOKEN = re.compile(r"[A-Za-z0-9+/_-]{12,}={0,2}")
_NOT_ALNUM = re.compile(r"[\W_]+")
MIN_SECRET_CHARS = 6  # shorter secrets would match ordinary words once squashed


def squash(text: str) -> str:
    """Lower-case letters and digits only: 'C A N-A R Y' -> 'canary'."""
    return _NOT_ALNUM.sub("", text.lower())


def _decoded(token: str) -> str:
    body = token.rstrip("=")
    if len(body) % 4 == 1:
        body = body[:-1]
    altchars = b"-_" if ("-" in body or "_" in body) else None
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=altchars)
    except (binascii.Error, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")


def hidden_secrets(text: str, secrets: Collection[str]) -> list[str]:
    """One problem per secret found in text in a hidden form (the plain form is the caller's check)."""
    lowered = text.lower()
    squashed = squash(text)
    decoded = squash(" ".join(_decoded(token) for token in _B64_TOKEN.findall(text)))
    problems: list[str] = []
    for secret in secrets:
        key = squash(secret)
        if len(key) < MIN_SECRET_CHARS or secret.lower() in lowered:
            continue
        for how, view in (("spelled out", squashed), ("reversed", squashed[::-1]), ("base64", decoded)):
            if key in view:
                problems.append(f"forbidden text ({how}): a secret of the system prompt")
                break
    return problems
