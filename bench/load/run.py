"""Sustained load on the local stack, and the same with DynamoDB throttled at 20 %.

1. Brings up a local stack of its own (a temporary state directory) and lifts its API throttling
   far above what this machine serves (100 requests/s per method by default: every level above
   would measure 429s, which the gate counts apart but which are not the stack's capacity), and
   reserves CONCURRENCY execution environments for the API function (see there why).
2. Steps `seawall loadtest --rps R` (R users, one task a second each) through LEVELS for
   --seconds each; a level is sustained when the SLO gate passes (p99 <= 800 ms, 0 errors, 0 lost)
   and the stack answered at least 90 % of the offered rate. It stops at the first level that is
   not sustained and keeps the highest one that was.
3. Switches the `throttle` fault on for the API function (20 % of its DynamoDB calls answer
   ProvisionedThroughputExceededException, injected in botocore, so the real retries run;
   `seawall fault set` does the same), restarts the gateway so new execution environments pick it
   up, runs the sustained level again, and reports goodput (answers that did what was asked: no
   error, no 429/412/503) against the unthrottled run at the same level. Then clears the fault.

Every run is the real `seawall loadtest` command against 127.0.0.1, bounded in time; its
summary.json is read back. Results print as a markdown table for docs/benchmarks.md.

Run: python3 -m nox -s bench -- load    (or: python bench/load/run.py [--seconds 30])
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from seawall.load.table import TableSnapshot
from seawall.local_stack import LocalStack
from seawall.project import STATE_DIR_ENV, Project
from seawall.verify.faults import FaultSwitch

ROOT = Path(__file__).resolve().parents[2]
LEVELS = (10, 20, 30, 40, 60, 80, 100, 130, 160, 200)
# The local runtime gives a function without reserved concurrency 10 execution environments and
# throttles the 11th concurrent invocation at once (API Gateway turns that into a 500, an error
# to the gate). AWS gives such a function the account's pool (1000); the benchmark reserves 32,
# what this machine's memory holds comfortably as worker processes.
CONCURRENCY = 32
THROTTLE = {"mode": "throttle", "throttle_rate": 0.2}
WORKER_USERS = 150


def loadtest(stack: LocalStack, rps: int, seconds: int, report: Path) -> dict[str, Any]:
    # The local stack's own session (no --api-url): the summary then has the CPU of the gateway,
    # its workers and the emulator, the gateway's access log and the emulator probe.
    command = [
        *(sys.executable, "-m", "seawall", "--project-dir", str(ROOT), "loadtest"),
        *("--rps", str(rps), "--duration", f"{seconds}s", "--report", str(report)),
    ]
    if rps > WORKER_USERS:  # more Locust processes than one core's worth of users
        command += ["--workers", str(-(-rps // WORKER_USERS))]
    env = {**os.environ, STATE_DIR_ENV: str(stack.project.state_dir)}
    subprocess.run(command, check=False, timeout=seconds + 300, stdout=subprocess.DEVNULL, env=env)
    return json.loads((report / "summary.json").read_text())


def sustained(summary: dict[str, Any], offered: int) -> bool:
    return bool(summary["slo"]["passed"]) and summary["rps"] >= 0.9 * offered


def lift_throttling(stack: LocalStack) -> None:
    apigateway = stack.emulator.connection.client("apigateway")
    api_id, stage = str(stack.outputs["api_id"]), str(stack.outputs["api_stage"])
    high = [{"op": "replace", "path": p, "value": "100000"} for p in ("rateLimit", "burstLimit")]
    apigateway.update_stage(
        restApiId=api_id,
        stageName=stage,
        patchOperations=[{**op, "path": f"/*/*/throttling/{op['path']}"} for op in high],
    )
    for plan in apigateway.get_usage_plans()["items"]:
        if any(s.get("apiId") == api_id for s in plan.get("apiStages", [])):
            apigateway.update_usage_plan(
                usagePlanId=plan["id"],
                patchOperations=[
                    *({**op, "path": f"/throttle/{op['path']}"} for op in high),
                    {"op": "replace", "path": "/quota/limit", "value": "1000000000"},
                ],
            )
    time.sleep(2.5)  # the gateway re-reads its limits every second


def restart_gateway(stack: LocalStack) -> None:
    """New execution environments for the function's new configuration (concurrency, fault)."""
    stack.restart_gateway(f"gateway-{time.monotonic_ns()}.log")
    stack._write_session()  # `seawall loadtest` finds the new gateway in the session file


def row(label: str, s: dict[str, Any]) -> str:
    audit = s["audit"]
    return (
        f"| {label} | {s['rps']} | {s['goodput_rps']} | {s['p50']} | {s['p95']} | {s['p99']} | "
        f"{s['failures']['unexpected']} | {s['failures']['expected']} | "
        f"{audit.get('acknowledged')} | {audit.get('lost')} | {audit.get('duplicated')} | "
        f"{'pass' if s['slo']['passed'] else 'FAIL'} | {s['saturation']['verdict']} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)))
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    work = Path(tempfile.mkdtemp(prefix="seawall-bench-load-"))
    mirror = os.environ.get("SEAWALL_TF_MIRROR")
    lines = [
        "| run | rps | goodput rps | p50 ms | p95 ms | p99 ms | errors | expected | "
        "acknowledged | lost | duplicated | SLO | saturated |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with LocalStack(Project(ROOT, state_override=work / "state"), tf_mirror=mirror) as stack:
        lift_throttling(stack)
        stack.emulator.connection.client("lambda").put_function_concurrency(
            FunctionName=str(stack.outputs["api_function_name"]),
            ReservedConcurrentExecutions=CONCURRENCY,
        )
        restart_gateway(stack)  # read the function's concurrency afresh
        # Each level starts from the same table: moto's queries slow down with its size.
        table = TableSnapshot(
            stack.emulator.connection.client("dynamodb"), str(stack.outputs["table_name"])
        )
        best: tuple[int, dict[str, Any]] | None = None
        for level in levels:
            summary = loadtest(stack, level, args.seconds, work / f"rps-{level}")
            table.restore()
            lines.append(row(f"offered {level}/s", summary))
            print(lines[-1], flush=True)
            if not sustained(summary, level):
                break
            best = (level, summary)
        if best is None:
            print("\n".join(lines))
            raise SystemExit("no level was sustained")
        level, unthrottled = best
        fault = FaultSwitch(
            stack.emulator.connection.client("lambda"),
            str(stack.outputs["api_function_name"]),
            environment="local",
        )
        fault.set(THROTTLE)
        try:
            restart_gateway(stack)
            throttled = loadtest(stack, level, args.seconds, work / f"throttled-{level}")
        finally:
            fault.clear()
        lines.append(row(f"offered {level}/s, DynamoDB throttled 20 %", throttled))
        ratio = throttled["goodput_rps"] / max(unthrottled["goodput_rps"], 1e-9)
    print("\n".join(lines))
    print(
        f"\nsustained: {unthrottled['rps']} rps ({unthrottled['goodput_rps']} goodput) at "
        f"offered {level}/s; throttled goodput {throttled['goodput_rps']} = {ratio:.2f}x "
        f"(goal >= 0.9x), lost {throttled['audit'].get('lost')}; reports in {work}"
    )


if __name__ == "__main__":
    main()
