"""`seawall loadtest` against the shared local stack: a short gated run, the distributed mode,
the audit failing on a write the stack dropped, an unreachable target, and Ctrl-C.

Every run is a few users for a few seconds against 127.0.0.1; each deletes what it created
(the one that keeps its data cleans up in a `finally`).
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seawall.cli import main
from seawall.load.api import ApiClient
from seawall.load.audit import audit, clean_up
from seawall.load.ledger import read_ledger
from seawall.load.runner import free_port
from seawall.load.slo import DEFAULTS, judge
from seawall.load.table import TableSnapshot
from seawall.project import STATE_DIR_ENV

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(autouse=True, scope="module")
def table_as_it_was(local_stack: Any) -> Iterator[None]:
    """The shared stack's table back as before (the runs leave idempotency records, and the
    emulator's queries slow down with every record in the table)."""
    snapshot = TableSnapshot(
        local_stack.emulator.connection.client("dynamodb"), local_stack.outputs["table_name"]
    )
    yield
    snapshot.restore()


def loadtest(stack: Any, report: Path, *args: str) -> int:
    return main(
        [
            "loadtest",
            *("--api-url", stack.api_url, "--api-key", stack.api_key),
            *("--report", str(report)),
            *args,
        ]
    )


def summary_of(report: Path) -> dict[str, Any]:
    return json.loads((report / "summary.json").read_text())


def items_named(stack: Any, prefix: str) -> list[dict[str, Any]]:
    client = ApiClient(stack.api_url, stack.api_key)
    return [item for item in client.items() if item["name"].startswith(prefix)]


def test_a_short_gated_run_passes_its_slo_loses_nothing_and_cleans_up(
    local_stack: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The gate is on, with the local objectives for errors and losses; latency is given room
    # (tests judge behaviour, the benchmarks judge speed: bench/load on a quiet machine).
    # As a user runs it: against the running stack found by its session (no --api-url).
    monkeypatch.setenv(STATE_DIR_ENV, str(local_stack.project.state_dir))
    code = main(
        [
            *("--project-dir", str(local_stack.project.root), "loadtest"),
            *("--users", "4", "--duration", "20s", "--slo", "p99=10s,errors=0.5%,lost=0"),
            *("--report", str(tmp_path)),
        ]
    )
    summary = summary_of(tmp_path)
    assert code == 0, capsys.readouterr().out
    assert summary["slo"] == {
        "objective": "p99=10000ms,errors=0.5%,lost=0",
        "passed": True,
        "reasons": [],
    }
    assert summary["requests"] > 50
    assert summary["failures"]["unexpected"] == 0
    audit_numbers = summary["audit"]
    assert audit_numbers["acknowledged"] > 0
    assert (audit_numbers["lost"], audit_numbers["duplicated"]) == (0, 0)
    # The whole mix ran, the deliberate conflicts were answered 412 and counted apart.
    assert {"GET /items", "GET /items/{id}", "POST /items", "PUT /items/{id}"} <= set(
        summary["routes"]
    )
    stale = summary["failures"]["expected_by_route"].get("PUT /items/{id} (stale If-Match)", {})
    assert set(stale) <= {"412"}
    # Locust's own reports and the one-screen summary.
    assert (tmp_path / "locust.html").stat().st_size > 0
    assert (tmp_path / "locust_stats.csv").exists()
    assert "SLO       PASS" in capsys.readouterr().out
    # Which side saturated: the evidence was gathered from every side of the local stack.
    saturation = summary["saturation"]
    assert {"gateway", "emulator", "locust", "machine"} <= set(saturation["cpu_percent"])
    assert saturation["gateway_ms"]["count"] >= summary["requests"] * 0.9  # the access log
    assert saturation["emulator_probe_ms"]["count"] > 0
    assert saturation["function_pool"]["throttles"] == 0  # 4 users never fill 10 environments
    assert saturation["function_pool"]["max_concurrency"] >= 1
    assert items_named(local_stack, summary["run_prefix"]) == []


def test_a_run_that_misses_its_objective_exits_1_and_says_why(
    local_stack: Any, tmp_path: Path
) -> None:
    # No answer through the gateway and a function comes back within a microsecond.
    code = loadtest(local_stack, tmp_path, "--users", "1", "--duration", "3s", "--slo", "p99=0.001")
    summary = summary_of(tmp_path)
    assert code == 1
    assert summary["slo"]["passed"] is False
    assert [r.split(" ")[0] for r in summary["slo"]["reasons"]] == ["p99"]


def test_a_step_shape_walks_through_its_levels_then_stops(local_stack: Any, tmp_path: Path) -> None:
    shape = ("--rps", "2", "--shape", "step:2,4:4s", "--slo", "p99=10s")
    assert loadtest(local_stack, tmp_path, *shape) == 0
    with (tmp_path / "locust_stats_history.csv").open(newline="") as file:
        users = [int(row["User Count"]) for row in csv.DictReader(file)]
    assert users[0] <= 2
    assert max(users) == 4  # the second step
    # The shape's two 4 s steps ended the run, not the default --duration of 60 s.
    assert summary_of(tmp_path)["duration_s"] < 60


def test_distributed_mode_spreads_users_over_two_local_workers(
    local_stack: Any, tmp_path: Path
) -> None:
    code = loadtest(
        local_stack,
        tmp_path,
        *("--workers", "2", "--users", "4", "--duration", "8s", "--slo", "p99=10s"),
    )
    summary = summary_of(tmp_path)
    assert code == 0, summary["slo"]
    assert summary["workers"] == 2
    assert summary["requests"] > 0
    # Each worker process wrote its own ledger: both ran users.
    assert len(list((tmp_path / "ledger").glob("ledger-*.jsonl"))) == 2
    assert summary["audit"]["lost"] == 0


def test_the_audit_fails_when_the_stack_lost_an_acknowledged_write(
    local_stack: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = ("--users", "2", "--duration", "5s", "--keep-data", "--slo", "p99=10s")
    assert loadtest(local_stack, tmp_path, *run) == 0
    capsys.readouterr()
    prefix = summary_of(tmp_path)["run_prefix"]
    ledger = read_ledger(tmp_path / "ledger")
    client = ApiClient(local_stack.api_url, local_stack.api_key)
    try:
        survivor = next(i for i in ledger.created if i not in ledger.deleted)
        # Behind the API's back, as a lost write would look (the handler's item key layout).
        local_stack.emulator.connection.client("dynamodb").delete_item(
            TableName=local_stack.outputs["table_name"],
            Key={"pk": {"S": f"ITEM#{survivor}"}, "sk": {"S": "ITEM"}},
        )
        result = audit(ledger, client, prefix)
        assert result.lost == 1
        assert survivor in result.examples[0]
        gate = judge(DEFAULTS["local"], requests=100, unexpected=0, p99_ms=10, lost=1, duplicated=0)
        assert not gate.passed
        # The same through the command line (how ledgers from other machines are audited).
        audit_only = [
            *("loadtest", "--api-url", local_stack.api_url, "--api-key", local_stack.api_key),
            *("--audit-only", str(tmp_path / "ledger"), "--run-prefix", prefix),
        ]
        assert main(audit_only) == 1
        assert json.loads(capsys.readouterr().out)["audit"]["lost"] == 1
    finally:
        clean_up(client, [item["id"] for item in items_named(local_stack, prefix)])


def test_an_unreachable_target_is_refused_before_any_user_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"
    code = main(["loadtest", "--api-url", closed, "--api-key", "k", "--report", str(tmp_path)])
    assert code == 1
    assert f"cannot reach {closed}" in capsys.readouterr().err
    assert not (tmp_path / "locust.log").exists()


def test_ctrl_c_stops_the_run_and_still_audits_what_was_acknowledged(
    local_stack: Any, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "seawall", "loadtest", "--users", "3", "--duration", "60s"]
    command += ["--api-url", local_stack.api_url, "--api-key", local_stack.api_key]
    process = subprocess.Popen([*command, "--report", str(tmp_path)], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 30
    ledger_dir = tmp_path / "ledger"
    while time.monotonic() < deadline and not any(
        path.stat().st_size for path in ledger_dir.glob("ledger-*.jsonl")
    ):
        time.sleep(0.5)  # until the first write was acknowledged
    process.send_signal(signal.SIGINT)
    try:
        process.communicate(timeout=60)
    finally:
        process.kill()
    summary = summary_of(tmp_path)
    assert process.returncode == 130
    assert summary["interrupted"] is True
    assert summary["duration_s"] < 60  # stopped before its --duration
    assert summary["audit"]["acknowledged"] > 0
    assert (summary["audit"]["lost"], summary["audit"]["duplicated"]) == (0, 0)
    assert items_named(local_stack, summary["run_prefix"]) == []
