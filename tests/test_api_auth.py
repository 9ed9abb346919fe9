"""Authentication: missing, malformed, badly signed and expired tokens; roles; the token CLI."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from bot.cli.service import register
from bot.http.app import create_app
from bot.http.auth import AuthError, issue_token, jwt_secret, verify_token
from tests.fake_backend import SECRET, FakeBackend, bearer, make_settings


@pytest.fixture
def strict(tmp_path: Path, backend: FakeBackend) -> TestClient:
    """No anonymous visitors: a token is required."""
    return TestClient(create_app(make_settings(tmp_path, allow_anonymous=False), backend))


def error_code(response: object) -> str:
    return str(response.json()["error"]["code"])  # type: ignore[attr-defined]


def test_no_token_is_401_when_anonymous_is_off(strict: TestClient) -> None:
    response = strict.get("/api/v1/me/profile")
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt", "Token abc"],
)
def test_malformed_authorization_is_401(strict: TestClient, header: str) -> None:
    assert strict.get("/api/v1/me/profile", headers={"Authorization": header}).status_code == 401


def test_bad_signature_is_401(strict: TestClient) -> None:
    forged = issue_token("another-secret-of-enough-length-0123456789", "alice")
    response = strict.get("/api/v1/me/profile", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "invalid token"


def test_alg_none_is_refused(strict: TestClient) -> None:
    unsigned = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, key=None, algorithm="none")
    assert strict.get("/api/v1/me/profile", headers={"Authorization": f"Bearer {unsigned}"}).status_code == 401


def test_expired_token_is_401(strict: TestClient) -> None:
    response = strict.get("/api/v1/me/profile", headers=bearer("alice", ttl_s=-10))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "token expired"


def test_valid_token_names_the_user_and_role(strict: TestClient, backend: FakeBackend) -> None:
    session = strict.post("/api/v1/sessions", headers=bearer("42", role="marketer")).json()["session_id"]
    strict.post(f"/api/v1/sessions/{session}/messages", json={"text": "heat"}, headers=bearer("42", "marketer"))
    assert backend.calls[-1]["user_id"] == "42"
    assert backend.calls[-1]["role"] == "marketer"


def test_unknown_role_claim_is_refused() -> None:
    token = jwt.encode({"sub": "alice", "role": "superuser"}, SECRET, algorithm="HS256")
    with pytest.raises(AuthError, match="role"):
        verify_token(SECRET, token)


def test_jwt_mode_needs_a_secret(tmp_path: Path, backend: FakeBackend) -> None:
    settings = make_settings(tmp_path, jwt_secret=None, auth="jwt")
    with pytest.raises(AuthError, match="CONCIERGE_JWT_SECRET"):
        create_app(settings, backend)


def test_demo_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home", jwt_secret=None, auth="demo")
    first = jwt_secret(settings)
    assert first == jwt_secret(settings) and len(first) >= 32
    assert (settings.home / "dev-jwt-secret").stat().st_mode & 0o077 == 0


def run_cli(argv: list[str], settings: object) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.handler(args, settings))


def test_token_cli_prints_a_token_the_api_accepts(
    tmp_path: Path, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, allow_anonymous=False)
    assert run_cli(["token", "--user", "42", "--role", "marketer", "--json"], settings) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["user_id"] == "42" and printed["role"] == "marketer"
    client = TestClient(create_app(settings, backend))
    response = client.get("/api/v1/me/profile", headers={"Authorization": f"Bearer {printed['token']}"})
    assert response.status_code == 200
    assert verify_token(SECRET, printed["token"]).role == "marketer"


def test_token_cli_without_secret_in_jwt_mode_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path, jwt_secret=None, auth="jwt")
    assert run_cli(["token", "--user", "42"], settings) == 2
    assert "CONCIERGE_JWT_SECRET" in capsys.readouterr().err


def test_short_secret_is_refused(tmp_path: Path, backend: FakeBackend) -> None:
    with pytest.raises(AuthError, match="at least 32"):
        create_app(make_settings(tmp_path, jwt_secret="too-short"), backend)
