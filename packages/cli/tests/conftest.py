from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from seawall.runtime.functions import FunctionSpec
from seawall.runtime.pool import FunctionPool

# A function's code, as the local runtime would unpack it from an artifact.
HANDLERS = """
import json, os, sys, time

COLD = True

def echo(event, context):
    global COLD
    was_cold, COLD = COLD, False
    print("handling", event.get("path"))
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "path": event.get("path"),
            "pathParameters": event.get("pathParameters"),
            "remaining_ms": context.get_remaining_time_in_millis(),
            "request_id": context.aws_request_id,
            "table": os.environ.get("SEAWALL_TABLE_NAME"),
            "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
            "cold": was_cold,
            "pid": os.getpid(),
        }),
    }

def mirror(event, context):
    return {"statusCode": 201, "body": json.dumps({"body": event.get("body")})}

def slow(event, context):
    time.sleep(float((event.get("queryStringParameters") or {}).get("seconds", "5")))
    return {"statusCode": 200, "body": "late"}

def boom(event, context):
    raise RuntimeError("kaboom")

def malformed(event, context):
    return {"statusCode": 200, "body": {"not": "a string"}}

def unserialisable(event, context):
    return {"statusCode": 200, "body": object()}

def leave(event, context):
    sys.exit(3)

def batch(event, context):
    failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
    if any(r["body"] == "crash" for r in event["Records"]):
        raise RuntimeError("the whole batch fails")
    return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}
"""


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "code"
    directory.mkdir()
    (directory / "app.py").write_text(textwrap.dedent(HANDLERS))
    return directory


def spec(handler: str, *, timeout_s: int = 3, name: str = "fn") -> FunctionSpec:
    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:us-west-2:123456789012:function:{name}:live",
        version="1",
        handler=f"app.{handler}",
        runtime="python3.12",
        timeout_s=timeout_s,
        memory_mb=128,
        environment={"SEAWALL_TABLE_NAME": "items-table"},
        code_sha256="",
        reserved_concurrency=None,
    )


@pytest.fixture
def make_pool(code_dir: Path, tmp_path: Path) -> Iterator:
    pools: list[FunctionPool] = []

    def make(handler: str, **options: object) -> FunctionPool:
        options.setdefault("name", handler)
        pool = FunctionPool(
            spec(handler, **options),  # type: ignore[arg-type]
            code_dir,
            aws_env={"AWS_REGION": "us-west-2"},
            log_path=tmp_path / "logs" / f"{handler}.log",
        )
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.close()
