"""What the local gateway adds to a warm request, and how many requests per second it serves,
side by side in one run on one deployed local stack (`GET /items/{id}` with the API key).

Latency (sequential, warm, medians and p99 of --requests each):
  in-process   the handler function called in this process with the proxy event
  worker       the same event through a warm Lambda worker process (the runtime's pool)
  gateway      the same request over HTTP through the local gateway (keep-alive)
Throughput (--clients concurrent clients for --seconds each, in a separate process):
  keep-alive   each client reuses one connection
  new-conn     each request opens a new connection (as many load tools do)
  health       keep-alive on GET /health, which reads no table: the gateway and workers without
               the emulator's DynamoDB behind them
  preflight    keep-alive OPTIONS /items, the stack's MOCK integration with its origin-checking
               Velocity template: the gateway alone, no worker
The stack's throttling (100 requests/s per method by default) is lifted in the emulator for the
run (the gateway re-reads it within a second), or every mode would measure 429s, and the function
gets 32 reserved environments (the runtime's default of 10 throttles the 11th concurrent call).
Reported: the CPU each process spent per request (gateway, its Lambda workers, the emulator, the
load generator), the evidence of which one limits the rate on this machine.

Run: python3 -m nox -s bench -- gateway    (or: python bench/gateway/run.py [--seconds S])
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from seawall.local_stack import LocalStack
from seawall.project import Project
from seawall.runtime.events import HttpRequest, proxy_event
from seawall.runtime.functions import code_directory, load_function
from seawall.runtime.pool import FunctionPool

ROOT = Path(__file__).resolve().parents[2]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Context:
    """The parts of Lambda's context object the handler reads."""

    function_name = "bench"
    memory_limit_in_mb = 256
    aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def timed(call: Any, count: int) -> list[float]:
    for _ in range(20):  # warm: imports, connection pools, the worker's first invocation
        call()
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def latency(stack: LocalStack, item_id: str, count: int) -> dict[str, list[float]]:
    connection = stack.emulator.connection
    lambda_client = connection.client("lambda")
    integration_arn = _items_function_arn(stack)
    spec = load_function(lambda_client, integration_arn)
    path = f"/items/{item_id}"
    request = HttpRequest("GET", path, [("x-api-key", stack.api_key)], [], b"", "127.0.0.1")
    event = proxy_event(
        request,
        resource_path="/items/{id}",
        path_parameters={"id": item_id},
        stage=str(stack.outputs["api_stage"]),
        api_id=str(stack.outputs["api_id"]),
        request_id="bench",
        account_id="123456789012",
        api_key=stack.api_key,
        stage_variables={},
    )
    with tempfile.TemporaryDirectory(prefix="seawall-bench-gw-") as scratch:
        code_dir = code_directory(spec, stack.project.artifact_store, Path(scratch))
        pool = FunctionPool(
            spec, code_dir, aws_env=connection.client_env(), log_path=Path(scratch) / "fn.log"
        )
        try:
            worker = timed(lambda: _check(pool.invoke(event).payload["statusCode"]), count)
        finally:
            pool.close()
        os.environ.update({**spec.environment, **connection.client_env()})
        sys.path.insert(0, str(code_dir))
        from seawall_handler.api import handler  # the deployed code, as the worker loads it

        with contextlib.redirect_stdout(io.StringIO()):  # its log lines (the worker's go to a file)
            in_process = timed(lambda: _check(handler(event, _Context())["statusCode"]), count)
    url = urlsplit(stack.api_url)
    client = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def through_gateway() -> None:
        client.request("GET", f"{url.path}{path}", headers={"x-api-key": stack.api_key})
        response = client.getresponse()
        response.read()
        _check(response.status)

    gateway = timed(through_gateway, count)
    client.close()
    return {"in-process": in_process, "worker": worker, "gateway": gateway}


def _check(status: int) -> None:
    if status != 200:
        raise SystemExit(f"GET /items/{{id}} answered {status}")


def _items_function_arn(stack: LocalStack) -> str:
    """The function behind GET /items/{id}, as the API's integration names it."""
    from seawall.runtime.restapi import load_rest_api
    from seawall.runtime.router import match_route

    api = load_rest_api(
        stack.emulator.connection.client("apigateway"),
        str(stack.outputs["api_id"]),
        str(stack.outputs["api_stage"]),
    )
    match = match_route(api.resources, "GET", "/items/x")
    assert match is not None
    assert match.method.integration is not None
    arn = match.method.integration.function_arn
    assert arn is not None
    return arn


def drive(
    url: str, key: str, clients: int, seconds: float, keep_alive: bool, *, method: str = "GET"
) -> dict[str, Any]:
    """`clients` threads requesting `url` for `seconds`; runs in its own process."""
    parts = urlsplit(url)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    stop_at = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                headers = {"x-api-key": key, "Origin": "http://localhost:3000"}
                if method == "OPTIONS":
                    headers["Access-Control-Request-Method"] = "GET"
                connection.request(method, parts.path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except OSError:
                status = 0  # no answer
            latencies[index].append((time.perf_counter() - began) * 1000)
            statuses[index][status] = statuses[index].get(status, 0) + 1
            ok = status == 200
            if not keep_alive or not ok:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    samples = [s for per_client in latencies for s in per_client]
    return {
        "rps": len(samples) / elapsed,
        "p50": percentile(samples, 0.5),
        "p99": percentile(samples, 0.99),
        "errors": sum(n for counts in statuses for code, n in counts.items() if code != 200),
        "requests": len(samples),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500, help="sequential requests per path")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0, help="per throughput mode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seawall-bench-gateway-") as state:
        project = Project(ROOT, state_override=Path(state))
        with LocalStack(project, tf_mirror=os.environ.get("SEAWALL_TF_MIRROR")) as stack:
            _lift_throttling(stack)
            _reserve_environments(stack)
            item_id = _create_item(stack)
            rows = latency(stack, item_id, args.requests)
            url = f"{stack.api_url}/items/{item_id}"
            context = multiprocessing.get_context("spawn")
            assert stack.gateway is not None
            assert stack.gateway.pid
            assert stack.emulator.pid
            gateway = psutil.Process(stack.gateway.pid)
            emulator = psutil.Process(stack.emulator.pid)
            load = {}
            with context.Pool(1) as pool:
                driver = psutil.Process(pool._pool[0].pid)  # type: ignore[attr-defined]
                # Warm-up, not measured: 16 execution environments start (cold starts) first.
                pool.apply(drive, (url, stack.api_key, args.clients, 3.0, True))
                for mode, target, keep_alive, method in (
                    ("keep-alive", url, True, "GET"),
                    ("new-conn", url, False, "GET"),
                    ("health", f"{stack.api_url}/health", True, "GET"),
                    ("preflight", f"{stack.api_url}/items", True, "OPTIONS"),
                ):
                    before = _cpu(gateway, emulator, driver)
                    result = pool.apply(
                        drive,
                        (target, stack.api_key, args.clients, args.seconds, keep_alive),
                        {"method": method},
                    )
                    after = _cpu(gateway, emulator, driver)
                    result["cpu_ms_per_request"] = {
                        name: (after[name] - before[name]) * 1000 / max(result["requests"], 1)
                        for name in after
                    }
                    load[mode] = result
    base = statistics.median(rows["in-process"])
    print(f"warm GET /items/{{id}}, {args.requests} sequential requests each (ms)")
    print(f"{'path':<12}{'p50':>8}{'p99':>8}{'added p50':>11}{'x in-proc':>11}")
    for name, samples in rows.items():
        p50 = statistics.median(samples)
        print(
            f"{name:<12}{p50:>8.2f}{percentile(samples, 0.99):>8.2f}"
            f"{p50 - base:>11.2f}{p50 / base:>10.2f}x"
        )
    added = statistics.median(rows["gateway"]) - statistics.median(rows["worker"])
    print(f"gateway over worker (HTTP, routing, event): {added:.2f} ms at p50")
    print(f"\n{args.clients} concurrent clients, {args.seconds:.0f} s each")
    print(
        f"{'mode':<12}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}"
        "   CPU ms/request: gateway workers emulator load-gen"
    )
    for mode, result in load.items():
        cpu = result["cpu_ms_per_request"]
        print(
            f"{mode:<12}{result['rps']:>8.0f}{result['p50']:>8.1f}"
            f"{result['p99']:>8.1f}{result['errors']:>8}"
            f"{cpu['gateway']:>26.2f}{cpu['workers']:>8.2f}{cpu['emulator']:>9.2f}"
            f"{cpu['load-gen']:>9.2f}"
        )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    medians = {name: statistics.median(samples) for name, samples in rows.items()}
    print(json.dumps({"latency_ms_p50": medians, **load}))


def _cpu(
    gateway: psutil.Process, emulator: psutil.Process, driver: psutil.Process
) -> dict[str, float]:
    """CPU seconds so far: the gateway process alone, its workers (children), the emulator (and
    its children), the load generator."""

    def total(process: psutil.Process) -> float:
        times = process.cpu_times()
        return times.user + times.system

    def children(process: psutil.Process) -> float:
        alive = []
        for child in process.children(recursive=True):
            try:
                alive.append(total(child))
            except psutil.NoSuchProcess:
                continue
        return sum(alive)

    return {
        "gateway": total(gateway),
        "workers": children(gateway),
        "emulator": total(emulator) + children(emulator),
        "load-gen": total(driver),
    }


def _lift_throttling(stack: LocalStack) -> None:
    """Raise the stage's and the usage plan's limits far above what this machine can serve."""
    apigateway = stack.emulator.connection.client("apigateway")
    api_id, stage = str(stack.outputs["api_id"]), str(stack.outputs["api_stage"])
    apigateway.update_stage(
        restApiId=api_id,
        stageName=stage,
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100000"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "100000"},
        ],
    )
    for plan in apigateway.get_usage_plans()["items"]:
        if any(s.get("apiId") == api_id for s in plan.get("apiStages", [])):
            apigateway.update_usage_plan(
                usagePlanId=plan["id"],
                patchOperations=[
                    {"op": "replace", "path": "/throttle/rateLimit", "value": "100000"},
                    {"op": "replace", "path": "/throttle/burstLimit", "value": "100000"},
                    {"op": "replace", "path": "/quota/limit", "value": "1000000000"},
                ],
            )
    time.sleep(2.5)  # the gateway re-reads its limits every second


# The local runtime gives a function without reserved concurrency 10 execution environments and
# throttles the 11th concurrent invocation at once (a 500 through API Gateway). AWS gives such a
# function the account's pool (1000); 16 clients need 16, so the run reserves 32.
CONCURRENCY = 32


def _reserve_environments(stack: LocalStack) -> None:
    stack.emulator.connection.client("lambda").put_function_concurrency(
        FunctionName=str(stack.outputs["api_function_name"]),
        ReservedConcurrentExecutions=CONCURRENCY,
    )
    stack.restart_gateway("gateway-bench.log")  # it reads the function's concurrency afresh


def _create_item(stack: LocalStack) -> str:
    from seawall.smoke import http_json

    status, _, created = http_json(
        "POST",
        f"{stack.api_url}/items",
        body={"name": "bench", "data": {"n": 1}},
        headers={"x-api-key": stack.api_key},
    )
    if status != 201:
        raise SystemExit(f"POST /items answered {status}: {created!r}")
    return str(created["id"])


if __name__ == "__main__":
    main()
