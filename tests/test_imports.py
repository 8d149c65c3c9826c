"""No import cycles in retrylib, seawall_handler and seawall, and every module imports on its own.

The graph counts every import of a module of the same package, at module level or inside a
function (a lazy import closes a cycle as surely, only later); imports under `if TYPE_CHECKING:`
never run and are left out (retrylib's had one: its leaf modules are checked by name below).
Each module is then imported alone in a fresh interpreter: a module that works only when
something else imported its dependency first fails.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "retrylib": ROOT / "packages/retrylib/src/retrylib",
    "seawall_handler": ROOT / "packages/handler/src/seawall_handler",
    "seawall": ROOT / "packages/cli/src/seawall",
}


def modules(package: str) -> dict[str, Path]:
    """Dotted module name -> source file, for every module of `package`."""
    base = PACKAGES[package].parent
    found = {}
    for path in sorted(PACKAGES[package].rglob("*.py")):
        parts = path.relative_to(base).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of the same package that `name` imports (when they run)."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                # `from pkg import sub` imports the module pkg.sub when there is one.
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {t for t in targets if t in known and t != name}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def import_graph(package: str) -> dict[str, set[str]]:
    known = modules(package)
    return {name: imported(name, path, known) for name, path in known.items()}


def test_the_cycle_finder_finds_a_lazy_import_cycle(tmp_path: Path) -> None:
    # The shape issue 13 found in the handler: config imports faults in a function, faults
    # imports config at the top.
    known = {"p": tmp_path / "__init__.py", "p.config": tmp_path / "c.py", "p.f": tmp_path / "f.py"}
    known["p"].write_text("")
    known["p.config"].write_text("def load():\n    from p.f import Faults\n")
    known["p.f"].write_text(
        "from typing import TYPE_CHECKING\nfrom p.config import Settings\n"
        "if TYPE_CHECKING:\n    from p import nothing\n"
    )
    graph = {name: imported(name, path, known) for name, path in known.items()}
    assert graph == {"p": set(), "p.config": {"p.f"}, "p.f": {"p.config"}}
    assert find_cycle(graph) == ["p.config", "p.f", "p.config"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_the_import_graph_has_no_cycle(package: str) -> None:
    graph = import_graph(package)
    assert len(graph) > 5
    assert find_cycle(graph) is None


def test_retrylib_classification_and_async_sleep_are_leaves() -> None:
    # As tenacity's wait and stop: the rate limiter and the ready AWS policies both use them.
    graph = import_graph("retrylib")
    assert graph["retrylib.classification"] == set()
    assert graph["retrylib._sleep"] == set()
    assert graph["retrylib.ratelimit"] <= {"retrylib.classification", "retrylib._sleep"}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_module_imports_alone_in_a_fresh_interpreter(package: str) -> None:
    names = [n for n in modules(package) if not n.endswith("__main__")]

    def import_alone(name: str) -> tuple[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        return name, done.stderr.strip().splitlines()[-1] if done.returncode else ""

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = {name: error for name, error in pool.map(import_alone, names) if error}
    # An optional extra that is not installed here (locust for `seawall loadtest`) is not a failure;
    # a module of ours that is missing, or any other error, is.
    optional = re.compile(r"ModuleNotFoundError: No module named '(?!retrylib|seawall)[\w.]+'")
    assert {name: e for name, e in failures.items() if not optional.fullmatch(e)} == {}
