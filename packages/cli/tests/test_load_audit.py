"""The no-loss audit over a ledger written the way the locustfile writes it, against an in-memory
store standing in for the API (the end-to-end tests in tests/load run it against the local stack).
A store that drops, duplicates or keeps what it acknowledged must fail the audit."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from seawall.load.audit import audit, clean_up
from seawall.load.ledger import LedgerWriter, read_ledger
from seawall.load.stats import percentile, read_stats

PREFIX = "seawall-load t1 "


class FakeStore:
    """Items by id; `listing_lags` hides items from the listing but not from direct reads."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.listing_lags: set[str] = set()

    def put(self, item_id: str, name: str) -> None:
        self.rows.append({"id": item_id, "name": name, "data": {}, "version": 1})

    def items(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row["id"] not in self.listing_lags]

    def get(self, item_id: str) -> dict[str, Any] | None:
        return next((row for row in self.rows if row["id"] == item_id), None)

    def delete(self, item_id: str) -> bool:
        self.rows = [row for row in self.rows if row["id"] != item_id]
        return True


@pytest.fixture
def world(tmp_path: Path) -> tuple[LedgerWriter, FakeStore, Path]:
    """A ledger and a store that agree: 3 creates, 1 delete, 1 import job of 2 items."""
    writer, store = LedgerWriter(tmp_path), FakeStore()
    for n in range(3):
        writer.created(f"id-{n}", f"{PREFIX}key-{n}", {"n": n})
        store.put(f"id-{n}", f"{PREFIX}key-{n}")
    writer.deleted("id-2")
    store.delete("id-2")
    writer.job_finished("job-1", "succeeded", [f"{PREFIX}job-a", f"{PREFIX}job-b"])
    store.put("id-a", f"{PREFIX}job-a")
    store.put("id-b", f"{PREFIX}job-b")
    store.put("other", "not this run's item")
    writer.expected("PUT /items/{id}", 412)
    writer.close()
    return writer, store, tmp_path


def test_a_store_that_kept_everything_passes(world) -> None:
    _, store, ledger_dir = world
    ledger = read_ledger(ledger_dir)
    result = audit(ledger, store, PREFIX)
    assert result.summary()["acknowledged"] == 5  # 3 creates + 2 imported items
    assert (result.lost, result.duplicated, result.not_deleted) == (0, 0, 0)
    assert result.passed
    assert ledger.expected == Counter({("PUT /items/{id}", 412): 1})


def test_a_store_that_dropped_an_acknowledged_create_fails(world) -> None:
    _, store, ledger_dir = world
    store.delete("id-1")
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert (result.lost, result.passed) == (1, False)
    assert result.examples == [f"lost item id-1 ({PREFIX}key-1)"]


def test_a_lost_item_of_a_finished_import_job_fails(world) -> None:
    _, store, ledger_dir = world
    store.delete("id-b")
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert result.lost == 1
    assert "import job job-1" in result.examples[0]


def test_a_create_stored_twice_is_a_duplicate(world) -> None:
    _, store, ledger_dir = world
    store.put("id-0-again", f"{PREFIX}key-0")  # a replay that stored a second item
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert (result.duplicated, result.lost, result.passed) == (1, 0, False)


def test_an_acknowledged_delete_that_is_still_there_fails(world) -> None:
    _, store, ledger_dir = world
    store.put("id-2", f"{PREFIX}key-2")
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert (result.not_deleted, result.passed) == (1, False)


def test_an_item_missing_from_a_lagging_listing_is_confirmed_by_a_read(world) -> None:
    _, store, ledger_dir = world
    store.listing_lags.add("id-0")
    assert audit(read_ledger(ledger_dir), store, PREFIX).passed


def test_a_ledger_line_cut_short_by_a_killed_process_is_not_an_acknowledgement(world) -> None:
    _, store, ledger_dir = world
    with (ledger_dir / "ledger-999.jsonl").open("a") as file:
        file.write('{"event":"created","id":"id-9","na')
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert (result.acknowledged, result.passed) == (5, True)


def test_writes_stored_but_never_acknowledged_are_reported_not_lost(world) -> None:
    _, store, ledger_dir = world
    store.put("id-cut", f"{PREFIX}key-cut")  # the run stopped before the 201 arrived
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert (result.unacknowledged_stored, result.passed) == (1, True)


def test_the_cleanup_deletes_the_run_s_items_and_nothing_else(world) -> None:
    _, store, ledger_dir = world
    result = audit(read_ledger(ledger_dir), store, PREFIX)
    assert clean_up(store, result.run_item_ids) == 0
    assert [row["id"] for row in store.rows] == ["other"]


def test_percentiles_read_off_a_histogram() -> None:
    histogram = Counter({10: 50, 20: 45, 900: 5})
    assert [percentile(histogram, p) for p in (0.5, 0.95, 0.99)] == [10.0, 20.0, 900.0]
    assert percentile(Counter(), 0.99) is None


def test_route_stats_from_locust_s_json(tmp_path: Path) -> None:
    def entry(name: str, method: str, times: dict[str, int], failures: int) -> dict[str, Any]:
        return {
            "name": name,
            "method": method,
            "num_requests": sum(times.values()),
            "num_failures": failures,
            "response_times": times,
            "start_time": 100.0,
            "last_request_timestamp": 110.0,
        }

    (tmp_path / "locust.json").write_text(
        json.dumps(
            [entry("/items", "GET", {"5": 90, "50": 10}, 0), entry("/items", "POST", {"30": 20}, 2)]
        )
    )
    (tmp_path / "f.csv").write_text(
        "Method,Name,Error,Occurrences\nPOST,/items,500: boom,2\nGET,GET /items,0: reset,1\n"
    )
    stats = read_stats(tmp_path / "locust.json", tmp_path / "f.csv")
    assert (stats.total.requests, stats.total.failures, stats.total.rps) == (120, 2, 12.0)
    assert stats.total.percentiles_ms == {"p50": 5.0, "p95": 50.0, "p99": 50.0}
    assert [r.route for r in stats.routes] == ["GET /items", "POST /items"]
    assert stats.failures == [
        {"route": "POST /items", "error": "500: boom", "occurrences": 2},
        {"route": "GET /items", "error": "0: reset", "occurrences": 1},
    ]
