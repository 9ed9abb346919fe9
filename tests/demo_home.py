"""The built demo (catalog in Chroma, history, EASE weights) that integration tests read.

`make test` builds it into $CONCIERGE_HOME (./var) before pytest; when it is missing, the fixture builds it
(idempotent, a few minutes on 2 cores). Tests only read it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import REPO_ROOT, Settings

CONCIERGE = Path(sys.executable).parent / "concierge"


def demo_settings() -> Settings:
    home = Path(os.environ.get("CONCIERGE_HOME", REPO_ROOT / "var")).resolve()
    settings = Settings(home=home, data_dir=REPO_ROOT / "data")
    if not (settings.models_dir / "ease_meta.json").is_file():
        env = {**os.environ, "CONCIERGE_HOME": str(home)}
        subprocess.run([str(CONCIERGE), "build-demo", "--skip-llm"], check=True, env=env, cwd=REPO_ROOT)
    return settings
