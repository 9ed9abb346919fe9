"""Settings: one object, CONCIERGE_ env prefix, every setting documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_env_prefix_and_origin_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCIERGE_PORT", "9123")
    monkeypatch.setenv("CONCIERGE_ALLOWED_ORIGINS", "http://a.example, http://b.example")
    settings = Settings()
    assert settings.port == 9123
    assert settings.allowed_origins == ["http://a.example", "http://b.example"]


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCIERGE_REPLY_MODE", "poetry")
    with pytest.raises(ValidationError, match="reply_mode"):
        Settings()


def test_secrets_do_not_leak_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONCIERGE_JWT_SECRET", "s3cr3t-value")
    monkeypatch.setenv("CONCIERGE_LLM_API_KEY", "sk-very-secret")
    text = repr(Settings()) + str(Settings().model_dump())
    assert "s3cr3t-value" not in text and "sk-very-secret" not in text


def test_readme_documents_every_setting() -> None:
    # rows of the table itself (a variable named elsewhere in the README, e.g. in the API section, does not count)
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(CONCIERGE_[A-Z_]+)` \|", section, re.MULTILINE))
    expected = {f"CONCIERGE_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "settings missing from the README's configuration table"
    assert documented - expected == set(), "rows of the README's configuration table that are no setting"
