"""Log redaction and start-up checks of CONCIERGE_HOME."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.ops.logs import RedactingFilter, redact
from bot.ops.startup import HomeNotWritable, check_home


def test_redact_emails_phones_tokens() -> None:
    text = "mail me at jane.doe@example.com or +44 20 7946 0958, Bearer abc.def-123 eyJhbGc.eyJzdWIi.sig_Xy"
    cleaned = redact(text)
    for secret in ("jane.doe@example.com", "7946 0958", "abc.def-123", "eyJhbGc"):
        assert secret not in cleaned
    assert "[email]" in cleaned and "[phone]" in cleaned and "[token]" in cleaned
    assert redact("Heat (1995) is rated 3.9 by 110 users") == "Heat (1995) is rated 3.9 by 110 users"


def test_filter_redacts_formatted_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("concierge.test")
    handler_filter = RedactingFilter()
    record = logger.makeRecord("x", logging.DEBUG, __file__, 1, "user said %s", ("call 555-123-4567 now",), None)
    assert handler_filter.filter(record)
    assert "555-123-4567" not in record.getMessage()


def test_check_home_ok(tmp_path: Path) -> None:
    check_home(tmp_path / "home")
    assert (tmp_path / "home").is_dir()
    assert list((tmp_path / "home").iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_check_home_read_only_non_root(tmp_path: Path) -> None:  # pragma: no cover - CI runs as root
    tmp_path.chmod(0o500)
    with pytest.raises(HomeNotWritable):
        check_home(tmp_path / "home")


def test_check_home_not_a_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HomeNotWritable, match="cannot create"):
        check_home(blocker / "home")


def test_check_home_full_disk(tmp_path: Path) -> None:
    with pytest.raises(HomeNotWritable, match="MiB free"):
        check_home(tmp_path, min_free_bytes=1 << 62)
