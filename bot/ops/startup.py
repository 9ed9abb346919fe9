"""Start-up of a process: a clear error (not a crash loop) when CONCIERGE_HOME cannot be written; torch threads."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

MIN_FREE_BYTES = 50 * 1024 * 1024


class HomeNotWritable(RuntimeError):
    """CONCIERGE_HOME is missing, read-only or full."""


def check_home(home: Path, min_free_bytes: int = MIN_FREE_BYTES) -> None:
    """Raise HomeNotWritable with a reason a person can act on."""
    if home.exists() and not home.is_dir():
        raise HomeNotWritable(f"CONCIERGE_HOME {home} is a file, not a folder")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HomeNotWritable(f"cannot create CONCIERGE_HOME {home}: {exc.strerror}") from exc
    probe = home / f".write-probe-{os.getpid()}"
    try:
        with probe.open("wb") as handle:
            handle.write(b"x" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        reason = "disk full" if exc.errno == errno.ENOSPC else "read-only" if exc.errno == errno.EROFS else exc.strerror
        raise HomeNotWritable(f"CONCIERGE_HOME {home} is not writable ({reason})") from exc
    finally:
        with contextlib.suppress(OSError):  # a read-only folder refuses the unlink too (and holds no probe)
            probe.unlink(missing_ok=True)
    free = shutil.disk_usage(home).free
    if free < min_free_bytes:
        raise HomeNotWritable(
            f"CONCIERGE_HOME {home} has only {free // (1024 * 1024)} MiB free; at least "
            f"{min_free_bytes // (1024 * 1024)} MiB are needed"
        )


def apply_torch_threads(threads: int | None) -> None:
    """CONCIERGE_TORCH_THREADS for this process (each command, and each worker of `serve --workers`)."""
    if threads:
        import torch  # only when asked: most commands never load torch otherwise

        torch.set_num_threads(threads)
