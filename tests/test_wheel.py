"""The real wheel: build it, check it ships the package data, install it (non-editable) into a fresh venv and run
`concierge --help`, `concierge ingest --catalog` and a one-turn `concierge chat --reply-mode template` from there.

The fresh venv gets the dev venv's third-party packages (torch, chromadb, ...) through a `.pth` file holding the dev
site-packages path: a plain path line is appended to sys.path, but the `.pth` files inside that folder are not
processed, so the dev venv's editable finder (`__editable__*`) stays off and only the wheel provides `bot`.
Everything runs offline and outside the repo; the wheel is built from a copy of the sources, so nothing (build/,
*.egg-info) is written into the working tree.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
TOP_LEVEL = sorted({pattern.rstrip("*").rstrip(".") for pattern in SETUPTOOLS["packages"]["find"]["include"]})
PACKAGE_DATA: dict[str, list[str]] = SETUPTOOLS["package-data"]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.egg-info")

pytestmark = pytest.mark.timeout(300)

# A tiny catalog of real films (docs/catalog.md format), seven of them crime films from the 1990s.
TINY_CATALOG = """id,title,description,categories,year
t1,Pulp Fiction,"Two hitmen, a boxer and a gangster's wife cross paths in Los Angeles.",Crime|Thriller,1994
t2,Heat,A master thief and an obsessed detective face off across Los Angeles.,Crime|Action|Thriller,1995
t3,Goodfellas,The rise and fall of a mob associate in the New York mafia.,Crime|Drama,1990
t4,The Usual Suspects,Five criminals meet in a police lineup and plan a heist.,Crime|Mystery|Thriller,1995
t5,Fargo,"A car salesman hires two crooks to kidnap his wife; a police chief investigates.",Crime|Drama|Thriller,1996
t6,L.A. Confidential,Three detectives untangle corruption in 1950s Los Angeles.,Crime|Mystery|Thriller,1997
t7,Reservoir Dogs,A diamond heist goes wrong and the surviving robbers suspect an informant.,Crime|Thriller,1992
t8,Toy Story,A cowboy doll feels threatened by a new space ranger toy.,Animation|Children|Comedy,1995
t9,Titanic,A young aristocrat falls in love with a poor artist aboard the doomed ship.,Drama|Romance,1997
t10,The Matrix,A hacker learns that reality is a simulation run by machines.,Action|Sci-Fi,1999
t11,Finding Nemo,A clownfish crosses the ocean to find his son.,Animation|Children|Adventure,2003
t12,The Notebook,An old man reads a love story to a woman with dementia.,Drama|Romance,2004
t13,Mad Max: Fury Road,A drifter and a rebel warrior flee a tyrant across the desert.,Action|Adventure,2015
t14,Amélie,A shy waitress in Paris decides to change the lives of those around her.,Comedy|Romance,2001
t15,Inception,A thief enters people's dreams to plant an idea.,Action|Sci-Fi|Thriller,2010
"""
ROWS = list(csv.DictReader(io.StringIO(TINY_CATALOG)))
TITLES = {row["title"] for row in ROWS}
CRIME_90S = {r["title"] for r in ROWS if "Crime" in r["categories"].split("|") and 1990 <= int(r["year"]) <= 1999}
ITEM_LINE = re.compile(r"^\s+\d+\. (?P<title>.+?)(?: \((?P<year>\d{4})\))? — ", re.MULTILINE)


@dataclass(frozen=True)
class Install:
    src: Path  # the snapshot of the sources the wheel was built from
    wheel: Path
    venv: Path
    work: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def concierge(self) -> Path:
        return self.venv / "bin" / "concierge"

    def run(
        self, *argv: str | Path, stdin: str | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in argv],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=self.work,
            env=self.env,
            timeout=timeout,
            check=False,
        )


def _clean_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONCIERGE_", "PYTHON", "VIRTUAL_ENV", "PIP_"))}
    (work / "data").mkdir()
    env.update(
        CONCIERGE_HOME=str(work / "home"),
        CONCIERGE_DATA_DIR=str(work / "data"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        TOKENIZERS_PARALLELISM="false",
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def _build_wheel(root: Path) -> tuple[Path, Path]:
    """Wheel from a copy of the sources (top-level files + the packages), with the dev venv's setuptools, offline."""
    src = root / "src"
    src.mkdir()
    for path in REPO.iterdir():
        if path.is_file():
            shutil.copy2(path, src / path.name)
    for name in TOP_LEVEL:
        shutil.copytree(REPO / name, src / name, ignore=SKIP)
    dist = root / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("concierge-*.whl")
    return src, wheel


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    root = tmp_path_factory.mktemp("wheel")
    work = root / "work"
    work.mkdir()
    env = _clean_env(work)
    src, wheel = _build_wheel(root)
    venv = root / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    box = Install(src, wheel, venv, work, env)
    purelib = box.run(box.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    (Path(purelib) / "concierge-dev-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    deps = "import importlib.util as u; assert all(u.find_spec(m) for m in ('torch', 'chromadb', 'pip')); import bot"
    before = box.run(box.python, "-c", deps)
    assert "No module named 'bot'" in before.stderr, before.stderr[-2000:]  # the dev venv's editable finder is off
    # --ignore-installed: pip sees the dev venv's editable concierge on sys.path and must neither skip nor uninstall it.
    done = box.run(box.python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return box


def _wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
        return {line.split(",")[0] for line in archive.read(record).decode().splitlines() if line}


def _source_files(src: Path, *, python: bool) -> set[str]:
    found = set()
    for name in TOP_LEVEL:
        for path in (src / name).rglob("*"):
            wanted = path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
            if wanted and (path.suffix == ".py") == python:
                found.add(path.relative_to(src).as_posix())
    return found


def test_wheel_ships_modules_and_package_data(install: Install) -> None:
    files = _wheel_files(install.wheel)
    declared = set()
    for package, patterns in PACKAGE_DATA.items():
        folder = install.src / package.replace(".", "/")
        for pattern in patterns:
            matched = {p.relative_to(install.src).as_posix() for p in folder.glob(pattern) if p.is_file()}
            assert matched, f"package-data {package}: {pattern} matches no file in the source tree"
            declared |= matched
    data = _source_files(install.src, python=False)
    assert data - declared == set(), "data files in the packages that no package-data pattern declares"
    assert data - files == set(), "package data missing from the wheel"
    assert {"prompts/system.j2", "prompts/templates/search.j2", "bot/http/static/widget.js"} <= files
    modules = _source_files(install.src, python=True)
    assert modules - files == set(), "modules missing from the wheel"
    stale = {f for f in files if f.endswith(".py")} - modules
    assert stale == set(), "modules in the wheel that are not in the source tree"
    assert any(f.endswith(".dist-info/entry_points.txt") for f in files)


def test_installed_help_runs_from_the_wheel(install: Install) -> None:
    code = "import bot, prompts, store, tools; print(bot.__file__, prompts.__file__, store.__file__, tools.__file__)"
    where = install.run(install.python, "-c", code)
    assert where.returncode == 0, where.stderr[-2000:]
    for path in where.stdout.split():
        assert Path(path).is_relative_to(install.venv), path
        assert not Path(path).is_relative_to(REPO), path
    done = install.run(install.concierge, "--help")
    assert done.returncode == 0, done.stderr[-3000:]
    for command in ("build-demo", "chat", "ingest", "search", "serve"):
        assert command in done.stdout


def test_installed_ingest_and_template_chat(install: Install) -> None:
    catalog = install.work / "tiny.csv"
    catalog.write_text(TINY_CATALOG, encoding="utf-8")
    ingest = install.run(install.concierge, "ingest", "--catalog", catalog, "--json")
    assert ingest.returncode == 0, ingest.stdout[-2000:] + ingest.stderr[-3000:]
    summary = json.loads(ingest.stdout.strip().splitlines()[-1])
    assert summary["items"] == len(ROWS) and summary["skipped"] is False, summary

    # A search-style turn: "a crime film from the 90s" may be routed to recommend; with no history to train on here
    # that is the content + popularity ranker, under the same genre and decade filters.
    message = "find crime films from the 90s about detectives\n"
    chat = install.run(install.concierge, "chat", "--reply-mode", "template", stdin=message)
    assert chat.returncode == 0, chat.stdout[-2000:] + chat.stderr[-3000:]
    assert "Traceback" not in chat.stderr, chat.stderr[-3000:]
    assert "concierge> " in chat.stdout, chat.stdout
    shown = [m["title"] for m in ITEM_LINE.finditer(chat.stdout)]
    assert shown, chat.stdout
    assert set(shown) <= TITLES, chat.stdout
    assert set(shown) <= CRIME_90S, chat.stdout  # the genre and decade slots filtered the search
    assert "L.A. Confidential" in shown, chat.stdout  # the MiniLM vectors rank the detective story
