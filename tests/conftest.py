"""Fixtures shared by several test modules. Test doubles themselves live in bot.testing (shipped for users too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.testing import FakeBackend


@pytest.fixture
def backend() -> FakeBackend:
    """A fresh fake ChatBackend (bot.testing.FakeBackend). Modules that test the real Concierge override it."""
    return FakeBackend()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by playwright, one per module (browser tests skip when chromium is missing)."""
    from playwright.sync_api import sync_playwright

    from tests.fake_backend import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
