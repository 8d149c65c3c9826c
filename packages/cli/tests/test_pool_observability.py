"""What the pool enforces and records: throttling at once, reserved concurrency 0, alias weights,
configuration updates, the runtime's interpreter, AWS/Lambda metrics and the log group."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from seawall.runtime import pool as pool_module
from seawall.runtime.cloudwatch_logs import LogShipper
from seawall.runtime.functions import FunctionSpec
from seawall.runtime.metrics import MetricKey, Metrics, MetricStore, dimensions
from seawall.runtime.pool import FunctionPool, RuntimeMismatch, Variant, runtime_interpreter


def spec(handler: str, *, name: str) -> FunctionSpec:
    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:us-west-2:123456789012:function:{name}:live",
        version="1",
        handler=f"app.{handler}",
        runtime="python3.12",
        timeout_s=3,
        memory_mb=128,
        environment={"SEAWALL_TABLE_NAME": "items-table"},
        code_sha256="",
        reserved_concurrency=None,
    )


def _pool(
    code_dir: Path, tmp_path: Path, handler: str, name: str = "", **options: object
) -> FunctionPool:
    return FunctionPool(
        spec(handler, name=name or handler),
        code_dir,
        aws_env={"AWS_REGION": "us-west-2"},
        log_path=tmp_path / f"{handler}.log",
        **options,  # type: ignore[arg-type]
    )


def _values(store: MetricStore, name: str, function: str) -> list[float]:
    key = MetricKey("AWS/Lambda", name, dimensions(FunctionName=function))
    return store.values(key, 0, time.time() + 1)


def test_a_full_pool_throttles_at_once_and_counts_throttles(code_dir: Path, tmp_path: Path) -> None:
    store = MetricStore()
    pool = _pool(code_dir, tmp_path, "slow", metrics=Metrics(store))
    pool.set_variants([Variant(dataclasses.replace(pool.spec, reserved_concurrency=1), code_dir)])
    try:
        busy = threading.Thread(
            target=pool.invoke, args=({"queryStringParameters": {"seconds": "2"}},)
        )
        busy.start()
        deadline = time.monotonic() + 10
        while pool.concurrency.running == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        began = time.monotonic()
        throttled = pool.invoke({"queryStringParameters": {"seconds": "0"}})
        waited = time.monotonic() - began
        busy.join()
        assert not throttled.ok
        assert throttled.payload["errorType"] == "TooManyRequestsException"
        assert waited < 1.0  # answered while the other invocation still ran: not queued
        assert _values(store, "Throttles", "slow") == [1.0]
        assert _values(store, "Invocations", "slow") == [1.0]
        assert max(_values(store, "ConcurrentExecutions", "slow")) == 1.0
    finally:
        pool.close()


def test_without_reserved_concurrency_the_local_cap_waits_instead_of_throttling(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS would not throttle an unreserved function at this machine's worker cap."""
    monkeypatch.setattr(pool_module, "DEFAULT_CONCURRENCY", 1)
    store = MetricStore()
    pool = _pool(code_dir, tmp_path, "slow", metrics=Metrics(store))
    try:
        busy = threading.Thread(
            target=pool.invoke, args=({"queryStringParameters": {"seconds": "1"}},)
        )
        busy.start()
        deadline = time.monotonic() + 10
        while pool.concurrency.running == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        waited = pool.invoke({"queryStringParameters": {"seconds": "0"}})
        busy.join()
        assert waited.ok, waited.payload
        assert _values(store, "Throttles", "slow") == []
    finally:
        pool.close()


def test_reserved_concurrency_zero_throttles_everything(code_dir: Path, tmp_path: Path) -> None:
    pool = _pool(code_dir, tmp_path, "echo")
    pool.set_variants([Variant(dataclasses.replace(pool.spec, reserved_concurrency=0), code_dir)])
    try:
        assert pool.invoke({}).payload["errorType"] == "TooManyRequestsException"
    finally:
        pool.close()


def test_errors_metric_is_zero_or_one_per_invocation(code_dir: Path, tmp_path: Path) -> None:
    store = MetricStore()
    ok, failing = (
        _pool(code_dir, tmp_path, "echo", metrics=Metrics(store)),
        _pool(code_dir, tmp_path, "boom", metrics=Metrics(store)),
    )
    try:
        ok.invoke({})
        failing.invoke({})
        assert _values(store, "Errors", "echo") == [0.0]
        assert _values(store, "Errors", "boom") == [1.0]
        assert len(_values(store, "Duration", "echo")) == 1
    finally:
        ok.close()
        failing.close()


def test_alias_weights_pick_the_version_and_its_configuration(
    code_dir: Path, tmp_path: Path
) -> None:
    picks = iter([1, 0, 1])
    pool = _pool(code_dir, tmp_path, "echo", choose=lambda weights: next(picks))
    stable = pool.spec
    canary = dataclasses.replace(stable, version="2", environment={"SEAWALL_TABLE_NAME": "canary"})
    pool.set_variants([Variant(stable, code_dir, 0.9), Variant(canary, code_dir, 0.1)])
    try:
        tables = [json.loads(pool.invoke({}).payload["body"])["table"] for _ in range(3)]
        assert tables == ["canary", "items-table", "canary"]
    finally:
        pool.close()


def test_weighted_choice_follows_the_weights() -> None:
    draws = [pool_module._weighted_choice([0.8, 0.2]) for _ in range(4000)]
    assert 0.15 < draws.count(1) / len(draws) < 0.25
    assert pool_module._weighted_choice([1.0, 0.0]) == 0


def test_a_configuration_update_applies_from_the_next_invocation(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "REFRESH_S", 0.0)
    updated: list[list[Variant]] = []
    pool = _pool(code_dir, tmp_path, "echo", refresh=lambda: updated.pop() if updated else None)
    try:
        first = json.loads(pool.invoke({}).payload["body"])
        new = dataclasses.replace(pool.spec, environment={"SEAWALL_TABLE_NAME": "faulty"})
        updated.append([Variant(new, code_dir)])
        second = json.loads(pool.invoke({}).payload["body"])
        assert first["table"] == "items-table"
        assert second["table"] == "faulty"
        assert second["pid"] != first["pid"]  # a new environment: the old configuration retired
    finally:
        pool.close()


def test_a_missing_runtime_is_named_in_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert runtime_interpreter("python3.99") == sys.executable
    assert any(
        issubclass(w.category, RuntimeMismatch) and "python3.99" in str(w.message) for w in caught
    )
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert runtime_interpreter(here) == sys.executable


@pytest.mark.emulator
def test_function_output_reaches_its_log_group_a_stream_per_environment(
    aws_emulator, code_dir: Path, tmp_path: Path
) -> None:
    logs = aws_emulator.client("logs")
    shipper = LogShipper(logs, interval_s=3600)  # flushed by hand below
    pool = _pool(code_dir, tmp_path, "echo", name="logged-fn", log_shipper=shipper)
    try:
        pool.invoke({"path": "/one"})
        pool.invoke({"path": "/two"})
        shipper.flush()
        streams = logs.describe_log_streams(logGroupName="/aws/lambda/logged-fn")["logStreams"]
        assert len(streams) == 1  # one warm environment, one stream
        assert streams[0]["logStreamName"].split("/")[-1].startswith("[1]")
        events = logs.get_log_events(
            logGroupName="/aws/lambda/logged-fn", logStreamName=streams[0]["logStreamName"]
        )["events"]
        messages = [e["message"] for e in events]
        assert messages[0].startswith("START RequestId: ")
        assert "handling /one" in messages
        report = [m for m in messages if m.startswith("REPORT")]
        assert len(report) == 2
        for field in ("Duration", "Billed Duration", "Memory Size", "Max Memory Used"):
            assert f"\t{field}: " in report[0]
        assert "Init Duration" in report[0]
        assert "Init Duration" not in report[1]
        assert int(report[0].split("Max Memory Used: ")[1].split(" ")[0]) > 0
    finally:
        pool.close()


def test_the_worker_runs_the_functions_runtime_with_the_runtime_provided_boto3(
    tmp_path: Path,
) -> None:
    """python3.12 when installed (else this interpreter and a warning); boto3 importable either
    way, as the Lambda runtime provides it and the artifact leaves it out."""
    code = tmp_path / "functions" / "code"
    code.mkdir(parents=True)
    (code / "app.py").write_text(
        "import sys, boto3\n"
        "def version(event, context):\n"
        "    return {'python': '%d.%d' % sys.version_info[:2], 'boto3': boto3.__version__}\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeMismatch)
        pool = _pool(code, tmp_path, "version")
    expected = runtime_interpreter("python3.12")
    try:
        result = pool.invoke({})
        assert result.ok, result.payload
        if expected != sys.executable:
            assert result.payload["python"] == "3.12"
        assert result.payload["boto3"]
    finally:
        pool.close()
