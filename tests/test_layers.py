"""The layer rule and the absence of import cycles (docs/architecture.md).

The contracts live in pyproject.toml ([tool.importlinter]): bot -> tools -> store, and the layers inside bot and
tools. `lint-imports` checks them; these tests run it, show that a planted wrong-way import breaks it, and look for
import cycles among all the product's modules (TYPE_CHECKING imports included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "tools", "store", "prompts")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports over the packages in `tree` (found first on sys.path), with the repo's contracts."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_tree(target: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_layer_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, wrong_way",
    [
        ("store/items.py", "import bot.config"),  # store may not know the bot
        ("tools/search.py", "import bot.agent.events"),  # nor may tools
        ("bot/agent/loop.py", "import bot.http.app"),  # the agent may not reach up to a surface
        ("tools/results.py", "import tools.registry"),  # shared types sit below every tool
    ],
)
def test_a_wrong_way_import_breaks_the_contract(tmp_path: Path, module: str, wrong_way: str) -> None:
    tree = copy_of_tree(tmp_path)
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{wrong_way}  # planted by the test\n", encoding="utf-8")
    done = lint_imports(tree)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout and wrong_way.split()[-1] in done.stdout


def strongly_connected(graph: grimp.ImportGraph, modules: set[str]) -> list[set[str]]:
    """Tarjan's algorithm over the direct imports among `modules`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.find_modules_directly_imported_by(node) & modules:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(modules):
        if module not in index:
            visit(module)
    return components


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False)
    modules = set(graph.modules)
    assert len(modules) > 80, "the graph should hold every module of the product"
    cycles = [sorted(c) for c in strongly_connected(graph, modules) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES)
    graph.add_import(importer="store.items", imported="store.catalog", line_number=1, line_contents="planted")
    cycles = [c for c in strongly_connected(graph, set(graph.modules)) if len(c) > 1]
    assert any({"store.items", "store.catalog"} <= c for c in cycles)
