"""The failure-mode catalog against the repository: every scenario has checks, every file and
check it names exists, and docs/failure-modes.md's tables say the same."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from seawall.verify.catalog import CATALOG_PATH, DOCUMENT_PATH, load_catalog, problems
from seawall.verify.registry import BY_ID

ROOT = Path(__file__).resolve().parents[3]
# The design document's scenarios (its sections' numbered items, recovery and testing parts).
DESIGN_SCENARIOS = {
    "bucket-name", "iam-size", "quotas", "cold-start", "dynamodb-throttling", "integration-timeout",
    "kms", "cors", "cloudwatch-logs", "access-logs", "rollback", "disaster-recovery", "degradation",
    "pre-deploy-validation", "post-deploy-verification", "load",
}  # fmt: skip


def test_the_catalog_agrees_with_the_repository() -> None:
    catalog = load_catalog(ROOT)
    assert problems(catalog, ROOT, BY_ID) == []


def test_every_scenario_of_the_design_document_is_in_the_catalog() -> None:
    assert {s.id for s in load_catalog(ROOT).scenarios} == DESIGN_SCENARIOS


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the catalog, its document and the files it names, to break."""
    for path in [
        CATALOG_PATH,
        DOCUMENT_PATH,
        *(f for s in load_catalog(ROOT).scenarios for f in s.files),
    ]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    return tmp_path


def test_a_scenario_without_a_check_is_reported(checkout: Path) -> None:
    catalog = load_catalog(checkout)
    first = catalog.scenarios[0]
    emptied = dataclasses.replace(
        catalog, scenarios=(dataclasses.replace(first, checks=()), *catalog.scenarios[1:])
    )
    found = problems(emptied, checkout, BY_ID)
    assert f"scenario {first.id!r} has no check" in found


def test_a_missing_file_is_reported(checkout: Path) -> None:
    catalog = load_catalog(checkout)
    gone = catalog.scenarios[3].files[0]
    (checkout / gone).unlink()
    assert problems(catalog, checkout, BY_ID) == [
        f"scenario {s.id!r} names a missing file: {gone}"
        for s in catalog.scenarios
        if gone in s.files
    ]


def test_an_unknown_check_and_an_orphan_check_are_reported(checkout: Path) -> None:
    catalog = load_catalog(checkout)
    known = {**BY_ID, "orphan-check": None}
    found = problems(catalog, checkout, set(known) - {"pitr-enabled"})
    assert "scenario 'disaster-recovery' names an unknown check: pitr-enabled" in found
    assert "check 'orphan-check' belongs to no scenario" in found


def test_the_markdown_table_must_list_the_same_checks(checkout: Path) -> None:
    document = checkout / DOCUMENT_PATH
    document.write_text(document.read_text().replace("`pitr-enabled`, ", ""))
    found = problems(load_catalog(checkout), checkout, BY_ID)
    assert len(found) == 1
    assert "'Disaster recovery' lists checks" in found[0]


def test_a_row_the_catalog_lacks_is_reported(checkout: Path) -> None:
    document = checkout / DOCUMENT_PATH
    document.write_text(document.read_text() + "\n| 9. A new scenario | something | unit | `x` |\n")
    assert problems(load_catalog(checkout), checkout, BY_ID) == [
        "docs/failure-modes.md has a row the catalog lacks: '9. A new scenario'"
    ]
