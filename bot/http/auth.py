"""Identity: who is calling. A bearer JWT (HS256, user id in `sub`, optional `role`), or a fresh anonymous user.

The user id is only ever taken from here, never from a URL, a body field or the model.

Secret: CONCIERGE_JWT_SECRET. In demo mode (CONCIERGE_AUTH=demo) without it, a development secret is
generated once and kept in CONCIERGE_HOME/dev-jwt-secret (mode 0600), so `concierge token` and
`concierge serve` agree on it. In jwt mode the secret is required.
"""

from __future__ import annotations

import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jwt

from bot.config import Settings

ALGORITHM = "HS256"
DEFAULT_TTL_S = 7 * 24 * 3600
ANON_PREFIX = "anon-"
DEV_SECRET_FILE = "dev-jwt-secret"
ROLES = ("user", "marketer", "admin")  # admin: the shop's own systems (catalog updates, events)
MAX_SUBJECT_CHARS = 128
MIN_SECRET_CHARS = 32


class AuthError(Exception):
    """The request cannot be tied to a user (401)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller. `new_token` is set only for a freshly created anonymous visitor (to send back);
    `demo_header` when a demo user was named by the X-Demo-User header (demo mode) rather than a token."""

    user_id: str
    role: Literal["user", "marketer", "admin"] = "user"
    anonymous: bool = False
    new_token: str | None = None
    demo_header: bool = False


def jwt_secret(settings: Settings) -> str:
    """CONCIERGE_JWT_SECRET, or in demo mode a development secret generated once under CONCIERGE_HOME (0600)."""
    if settings.jwt_secret is not None:
        value = settings.jwt_secret.get_secret_value()
        if len(value) < MIN_SECRET_CHARS:
            raise AuthError(f"CONCIERGE_JWT_SECRET must be at least {MIN_SECRET_CHARS} characters")
        return value
    if settings.auth != "demo":
        raise AuthError("CONCIERGE_JWT_SECRET is not set (required when CONCIERGE_AUTH=jwt)")
    path: Path = settings.home / DEV_SECRET_FILE
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise AuthError(f"{path} is empty; delete it to generate a new development secret")
    return value


def issue_token(secret: str, user_id: str, role: str = "user", ttl_s: int = DEFAULT_TTL_S) -> str:
    """A signed HS256 token for user_id (role claim only when not 'user')."""
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    if not user_id or len(user_id) > MAX_SUBJECT_CHARS:
        raise AuthError(f"a user id has 1 to {MAX_SUBJECT_CHARS} characters")
    now = int(time.time())
    claims: dict[str, object] = {"sub": str(user_id), "iat": now, "exp": now + ttl_s}
    if role != "user":
        claims["role"] = role
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Identity:
    """The identity a token names; AuthError when the signature, expiry or claims are wrong."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError("invalid token") from exc
    role = claims.get("role", "user")
    if role not in ROLES:
        raise AuthError("invalid role claim")
    sub = str(claims["sub"])
    if not sub or len(sub) > MAX_SUBJECT_CHARS:
        raise AuthError("invalid subject")
    return Identity(sub, role, anonymous=sub.startswith(ANON_PREFIX))


def new_anonymous(secret: str) -> Identity:
    """A fresh visitor with no history, and the token that lets them come back to their sessions."""
    user_id = f"{ANON_PREFIX}{uuid.uuid4().hex}"
    return Identity(user_id, "user", anonymous=True, new_token=issue_token(secret, user_id))


def identify(secret: str, authorization: str | None, *, allow_anonymous: bool) -> Identity:
    """The caller's identity from the Authorization header; a new anonymous user when allowed."""
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization must be 'Bearer <token>'")
        return verify_token(secret, token.strip())
    if allow_anonymous:
        return new_anonymous(secret)
    raise AuthError("a bearer token is required")
