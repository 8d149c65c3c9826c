"""The failure-mode catalog (docs/failure-modes.toml): scenario -> mitigations -> checks.

It is written by hand and read by the code; `problems()` lists where it and the repository
disagree (a scenario without a check, a file or a check that does not exist, a markdown table
in docs/failure-modes.md that says something else).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CATALOG_PATH = Path("docs/failure-modes.toml")
DOCUMENT_PATH = Path("docs/failure-modes.md")
# The table rows of docs/failure-modes.md that belong to the catalog: | title | mitigation | ... |
_ROW = re.compile(r"^\|\s*(?P<title>[^|]+?)\s*\|\s*(?P<mitigation>[^|]+?)\s*\|(?P<rest>.*)\|\s*$")
_CHECK_ID = re.compile(r"`([a-z0-9-]+)`")


@dataclass(frozen=True)
class Scenario:
    id: str
    section: str
    title: str
    mitigation: str
    files: tuple[str, ...]
    checks: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    scenarios: tuple[Scenario, ...]

    def scenario(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        known = ", ".join(s.id for s in self.scenarios)
        raise KeyError(f"no scenario {scenario_id!r} (known: {known})")

    def scenario_of(self, check_id: str) -> Scenario | None:
        """The first scenario whose checks include `check_id`."""
        return next((s for s in self.scenarios if check_id in s.checks), None)

    @property
    def check_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for scenario in self.scenarios:
            seen.update(dict.fromkeys(scenario.checks))
        return tuple(seen)


def load_catalog(root: Path) -> Catalog:
    """The catalog of the checkout at `root`; ValueError naming the entry that is malformed."""
    data = tomllib.loads((root / CATALOG_PATH).read_text())
    scenarios = []
    for index, raw in enumerate(data.get("scenario", [])):
        try:
            scenarios.append(
                Scenario(
                    id=str(raw["id"]),
                    section=str(raw["section"]),
                    title=str(raw["title"]),
                    mitigation=str(raw["mitigation"]),
                    files=tuple(raw["files"]),
                    checks=tuple(raw["checks"]),
                )
            )
        except KeyError as missing:
            raise ValueError(f"{CATALOG_PATH}: scenario #{index + 1} has no {missing}") from None
    return Catalog(tuple(scenarios))


def problems(catalog: Catalog, root: Path, known_checks: Iterable[str]) -> list[str]:
    """Every way the catalog disagrees with the repository at `root`; empty when it agrees."""
    known = set(known_checks)
    found = []
    ids = [s.id for s in catalog.scenarios]
    found += [
        f"scenario id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    for scenario in catalog.scenarios:
        if not scenario.checks:
            found.append(f"scenario {scenario.id!r} has no check")
        if not scenario.files:
            found.append(f"scenario {scenario.id!r} names no file that mitigates it")
        found += [
            f"scenario {scenario.id!r} names a missing file: {path}"
            for path in scenario.files
            if not (root / path).is_file()
        ]
        found += [
            f"scenario {scenario.id!r} names an unknown check: {check}"
            for check in scenario.checks
            if check not in known
        ]
    found += [
        f"check {check!r} belongs to no scenario"
        for check in sorted(known - set(catalog.check_ids))
    ]
    found += _table_problems(catalog, (root / DOCUMENT_PATH).read_text())
    return found


def document_rows(markdown: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """title -> (mitigation, check ids of the last column) for each table row of the document."""
    rows = {}
    for line in markdown.splitlines():
        match = _ROW.match(line)
        if not match or set(match["title"]) <= {"-", " "} or match["title"] == "scenario":
            continue
        last_column = match["rest"].rsplit("|", 1)[-1]
        rows[match["title"]] = (match["mitigation"], tuple(_CHECK_ID.findall(last_column)))
    return rows


def _table_problems(catalog: Catalog, markdown: str) -> list[str]:
    rows = document_rows(markdown)
    found = []
    for scenario in catalog.scenarios:
        row = rows.pop(scenario.title, None)
        if row is None:
            found.append(f"{DOCUMENT_PATH} has no table row for {scenario.title!r}")
            continue
        mitigation, checks = row
        if mitigation != scenario.mitigation:
            found.append(f"{DOCUMENT_PATH}: the mitigation of {scenario.title!r} differs")
        if checks != scenario.checks:
            found.append(
                f"{DOCUMENT_PATH}: {scenario.title!r} lists checks {list(checks)}, "
                f"the catalog {list(scenario.checks)}"
            )
    found += [f"{DOCUMENT_PATH} has a row the catalog lacks: {title!r}" for title in rows]
    return found
