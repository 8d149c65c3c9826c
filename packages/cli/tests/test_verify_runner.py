"""The runner: a failing, crashing or hanging check never stops the others, each has its own
timeout; and the selection of checks by scenario (--only), check (--skip) and --drills."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from seawall.errors import UsageError
from seawall.verify.catalog import load_catalog
from seawall.verify.model import Check, CheckFailed, CheckSkipped, Outcome
from seawall.verify.registry import BY_ID
from seawall.verify.runner import run_checks
from seawall.verify.session import select

ROOT = Path(__file__).resolve().parents[3]
CATALOG = load_catalog(ROOT)


def passes(_: object) -> Outcome:
    return Outcome("fine", {"seen": 1})


def fails(_: object) -> Outcome:
    raise CheckFailed("not fine", {"seen": 0})


def crashes(_: object) -> Outcome:
    raise RuntimeError("bug")


def skips(_: object) -> Outcome:
    raise CheckSkipped("not here")


def test_every_check_gets_its_own_result_whatever_the_others_do() -> None:
    release = threading.Event()

    def hangs(_: object) -> Outcome:
        release.wait(10)
        return Outcome("late")

    checks = [
        Check("hangs", "hangs", hangs, timeout_s=0.2),
        Check("fails", "fails", fails),
        Check("crashes", "crashes", crashes),
        Check("skips", "skips", skips),
        Check("passes", "passes", passes),
    ]
    try:
        results = run_checks(checks, target=None)
    finally:
        release.set()
    assert [(r.check_id, r.status) for r in results] == [
        ("hangs", "error"),
        ("fails", "fail"),
        ("crashes", "error"),
        ("skips", "skip"),
        ("passes", "pass"),
    ]
    assert results[0].summary == "timed out after 0.2 s"
    assert results[1].evidence == {"seen": 0}
    assert "RuntimeError: bug" in results[2].summary
    assert "Traceback" in results[2].evidence["traceback"]


def test_drills_run_one_at_a_time_after_the_other_checks() -> None:
    order: list[str] = []
    running = []

    def drill(name: str):
        def run(_: object) -> Outcome:
            running.append(name)
            assert len(running) == 1, "two drills at once"
            order.append(name)
            running.remove(name)
            return Outcome(name)

        return run

    def read(_: object) -> Outcome:
        order.append("read")
        return Outcome("read")

    checks = [
        Check("drill-a", "a", drill("drill-a"), drill=True),
        Check("read", "read", read),
        Check("drill-b", "b", drill("drill-b"), drill=True),
    ]
    results = run_checks(checks, target=None)
    assert order == ["read", "drill-a", "drill-b"]
    assert [r.check_id for r in results] == ["drill-a", "read", "drill-b"]


def test_without_drills_no_drill_is_selected() -> None:
    selected = select(CATALOG)
    assert selected
    assert not any(c.drill for c in selected)
    assert {c.id for c in select(CATALOG, drills=True)} == set(CATALOG.check_ids)


def test_only_and_skip_focus_the_run() -> None:
    assert [c.id for c in select(CATALOG, only=["kms"])] == list(CATALOG.scenario("kms").checks)
    kept = select(CATALOG, only=["kms", "cors"], skip=["encryption-topic", "cors-preflight"])
    assert "encryption-topic" not in {c.id for c in kept}
    assert "cors-preflight" not in {c.id for c in kept}
    assert "cors-allowed-origin" in {c.id for c in kept}


def test_unknown_scenarios_and_checks_are_usage_errors() -> None:
    with pytest.raises(KeyError, match="no scenario 'nope'"):
        select(CATALOG, only=["nope"])
    with pytest.raises(UsageError, match="--skip nope: no such check"):
        select(CATALOG, skip=["nope"])


def test_every_check_has_a_title_and_a_timeout() -> None:
    for check in BY_ID.values():
        assert check.title
        assert 0 < check.timeout_s <= 400
