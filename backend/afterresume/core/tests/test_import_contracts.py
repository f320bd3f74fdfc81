"""The layering as a test: the import contracts of pyproject.toml ([tool.importlinter]) hold, and
no module of either service imports itself through others (a cycle)."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[4]


def test_the_import_contracts_hold():
    # lint-imports reads both services' packages from their folders, the way the services run them.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "backend"), str(ROOT / "frontend")])}

    checked = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
    # every contract declared is checked and kept (the count read from the file, not copied here)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert f"Contracts: {len(declared)} kept, 0 broken." in checked.stdout


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every group of modules that import one another in a ring (Tarjan's strongly connected
    components of more than one module), imports inside functions included."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            ring = []
            while not ring or ring[-1] != module:
                ring.append(stack.pop())
            if len(ring) > 1:
                cycles.append(sorted(ring))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_backend_module_imports_itself_through_others():
    assert import_cycles(grimp.build_graph("afterresume")) == []


def test_no_frontend_module_imports_itself_through_others(monkeypatch):
    # grimp reads the files; it only needs to find the package the way the frontend runs it.
    monkeypatch.syspath_prepend(str(ROOT / "frontend"))

    assert import_cycles(grimp.build_graph("webapp")) == []
