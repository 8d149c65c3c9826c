"""What the runtime's recording and checking cost a warm invocation, side by side in one run.

  bare          a warm invocation through the pool, nothing recorded
  observed      the same with AWS/Lambda metrics, the log group shipper and the revision check
                (every 250 ms, as the local runtime runs it) all on
  check         one revision check alone (GetAlias + GetFunctionConcurrency on the emulator): what
                the invocation that runs it pays, at most four times a second per function

Run: python bench/observability/run.py [--invocations N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from seawall.emulator import Emulator
from seawall.runtime.cloudwatch_logs import LogShipper
from seawall.runtime.functions import FunctionSpec
from seawall.runtime.local_runtime import FunctionTarget
from seawall.runtime.metrics import MetricPublisher, Metrics, MetricStore
from seawall.runtime.pool import FunctionPool

HANDLER = "def handler(event, context):\n    print('handled')\n    return {'ok': True}\n"


def _deploy(emulator: Emulator) -> str:
    """A function with a published version behind a `live` alias; returns the alias ARN."""
    iam, lambda_client = emulator.client("iam"), emulator.client("lambda")
    role = iam.create_role(
        RoleName="bench-fn",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app.py", HANDLER)
    lambda_client.create_function(
        FunctionName="bench-fn",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
        Publish=True,
    )
    return lambda_client.create_alias(FunctionName="bench-fn", Name="live", FunctionVersion="1")[
        "AliasArn"
    ]


def _spec() -> FunctionSpec:
    return FunctionSpec(
        name="bench-fn",
        arn="arn:aws:lambda:us-west-2:123456789012:function:bench-fn:live",
        version="1",
        handler="app.handler",
        runtime=f"python{sys.version_info.major}.{sys.version_info.minor}",
        timeout_s=3,
        memory_mb=128,
        environment={},
        code_sha256="",
        reserved_concurrency=None,
    )


def _invocations(pool: FunctionPool, count: int) -> list[float]:
    pool.invoke({})  # the cold start is not what is measured
    times = []
    for _ in range(count):
        began = time.perf_counter()
        pool.invoke({})
        times.append((time.perf_counter() - began) * 1000)
    return times


def _summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<10} median {statistics.median(times):7.3f} ms   p99 {p99:7.3f} ms   n={len(times)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invocations", type=int, default=2000)
    args = parser.parse_args(argv)
    with Emulator() as emulator, tempfile.TemporaryDirectory() as scratch:
        alias_arn = _deploy(emulator)
        code = Path(scratch) / "code"
        code.mkdir()
        (code / "app.py").write_text(HANDLER)
        target = FunctionTarget(emulator.client("lambda"), alias_arn)
        checks = []
        for _ in range(200):
            began = time.perf_counter()
            target._revision_now()
            checks.append((time.perf_counter() - began) * 1000)

        bare = FunctionPool(_spec(), code, aws_env={}, log_path=Path(scratch) / "bare.log")
        publisher = MetricPublisher(emulator.client("cloudwatch")).start()
        metrics = Metrics(MetricStore(), publisher)
        shipper = LogShipper(emulator.client("logs"), metrics).start()
        observed = FunctionPool(
            _spec(),
            code,
            aws_env={},
            log_path=Path(scratch) / "observed.log",
            metrics=metrics,
            log_shipper=shipper,
            refresh=lambda: target.changed_variants(_never_loaded),
        )
        try:
            results = [
                ("bare", _invocations(bare, args.invocations)),
                ("observed", _invocations(observed, args.invocations)),
                ("check", checks),
            ]
        finally:
            bare.close()
            observed.close()
            shipper.stop()
            publisher.stop()
    for name, times in results:
        print(_summary(name, times))
    added = statistics.median(results[1][1]) - statistics.median(results[0][1])
    print(f"added by recording, median: {added:+.3f} ms per invocation")
    return 0


def _never_loaded(arn: str, weight: float) -> Any:
    raise AssertionError("the alias did not change during the run")


if __name__ == "__main__":
    sys.exit(main())
