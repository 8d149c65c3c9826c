"""Execution environments behave like Lambda's: warm reuse, errors, timeouts, logs."""

from __future__ import annotations

import json
from pathlib import Path

import botocore

from seawall.runtime.pool import runtime_packages


def test_invocation_runs_the_handler_with_its_environment_and_context(make_pool) -> None:
    pool = make_pool("echo")
    first = pool.invoke({"path": "/x"})
    assert first.ok, first.payload
    body = json.loads(first.payload["body"])
    assert body["table"] == "items-table"
    assert body["function"] == "echo"
    assert body["request_id"] == first.request_id
    assert 0 < body["remaining_ms"] <= 3000
    assert body["cold"] is True
    assert first.init_ms is not None


def test_second_invocation_reuses_the_warm_environment(make_pool) -> None:
    pool = make_pool("echo")
    first = json.loads(pool.invoke({"path": "/a"}).payload["body"])
    second_invocation = pool.invoke({"path": "/b"})
    second = json.loads(second_invocation.payload["body"])
    assert second["pid"] == first["pid"]
    assert second["cold"] is False
    assert second_invocation.init_ms is None


def test_handler_exception_is_reported_as_lambda_error(make_pool) -> None:
    result = make_pool("boom").invoke({})
    assert not result.ok
    assert result.payload["errorType"] == "RuntimeError"
    assert result.payload["errorMessage"] == "kaboom"


def test_unserialisable_result_is_a_marshal_error(make_pool) -> None:
    result = make_pool("unserialisable").invoke({})
    assert not result.ok
    assert result.payload["errorType"] == "Runtime.MarshalError"


def test_missing_handler_fails_the_init_phase(make_pool) -> None:
    result = make_pool("does_not_exist").invoke({})
    assert not result.ok
    assert result.payload["errorType"] == "Runtime.ImportModuleError"


def test_timeout_kills_the_environment_and_the_next_call_gets_a_fresh_one(make_pool) -> None:
    pool = make_pool("slow", timeout_s=1)
    result = pool.invoke({"queryStringParameters": {"seconds": "30"}})
    assert result.timed_out
    assert result.payload["errorMessage"] == "Task timed out after 1.00 seconds"
    quick = pool.invoke({"queryStringParameters": {"seconds": "0"}})
    assert quick.ok
    assert quick.init_ms is not None  # a cold start: the timed-out environment is gone


def test_exit_in_handler_ends_the_environment(make_pool) -> None:
    pool = make_pool("leave")
    result = pool.invoke({})
    assert not result.ok
    assert result.payload["errorType"] == "Runtime.ExitError"


def test_log_has_function_output_between_start_end_and_report(make_pool, tmp_path: Path) -> None:
    pool = make_pool("echo")
    result = pool.invoke({"path": "/logged"})
    pool.close()
    lines = (tmp_path / "logs" / "echo.log").read_text().splitlines()
    start = lines.index(f"START RequestId: {result.request_id} Version: 1")
    end = lines.index(f"END RequestId: {result.request_id}")
    assert "handling /logged" in lines[start + 1 : end]
    report = lines[end + 1]
    assert report.startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
    assert "Init Duration:" in report


def test_runtime_packages_replace_links_left_by_another_interpreter(tmp_path: Path) -> None:
    # The directory lives in the state directory and outlives the virtual environment that made
    # it: a link into a deleted one must not stay (the function could not import botocore).
    provided = tmp_path / ".runtime-packages"
    provided.mkdir()
    (provided / "botocore").symlink_to(tmp_path / "deleted-venv" / "botocore")
    runtime_packages(provided)
    assert (provided / "botocore").resolve() == Path(botocore.__file__).parent.resolve()
    assert [path.name for path in provided.iterdir() if path.name.startswith(".")] == []
