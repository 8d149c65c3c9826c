"""The handler's layers as its folders show them: adapter -> domain <- store, and the route table.

adapter/ turns events into calls of the domain and results into responses; domain/ holds the
rules (items, jobs, idempotency, cursors) and the small protocols its stores implement; store/
is the only layer that talks to AWS (botocore). These tests read the imports of every module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from seawall_handler.adapter import endpoints, routes

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "seawall_handler"


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at module level or in a function (absolute imports only)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def layer_imports(layer: str) -> dict[str, set[str]]:
    return {
        path.relative_to(PACKAGE).as_posix(): imports_of(path)
        for path in sorted((PACKAGE / layer).glob("*.py"))
    }


def test_the_domain_imports_neither_the_adapter_nor_the_store_nor_aws() -> None:
    for module, imported in layer_imports("domain").items():
        wrong = {
            name
            for name in imported
            if name.startswith(("seawall_handler.adapter", "seawall_handler.store", "botocore"))
        }
        assert wrong == set(), module


def test_the_store_never_imports_the_adapter() -> None:
    for module, imported in layer_imports("store").items():
        assert {n for n in imported if n.startswith("seawall_handler.adapter")} == set(), module


def test_only_the_store_imports_botocore() -> None:
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(name.split(".")[0] == "botocore" for name in imports_of(path))
    }
    assert users == {"store/aws_calls.py"}


def test_the_route_table_answers_every_route_and_method_and_nothing_else() -> None:
    declared = {(method, route.name) for route in routes.ROUTES for method in route.methods}
    assert set(endpoints.ENDPOINTS) == declared
    assert all(callable(endpoint) for endpoint in endpoints.ENDPOINTS.values())
