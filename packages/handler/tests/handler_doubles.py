"""Test doubles: real-shaped API Gateway events, a fake clock and context, moto's table, a harness.

Tests call `Api.handle` / `Worker.handle` the way Lambda calls the entry points, with an event
shaped like API Gateway's REST proxy (v1) events and a context with the attributes Lambda gives.
Time is a fake clock: sleeping advances it and the context's remaining time shrinks with it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seawall_handler.adapter.api_gateway import Api
from seawall_handler.config import Settings
from seawall_handler.observability import Log

TABLE = "seawall-test-data"
ORIGIN = "http://localhost:3000"


@dataclass
class FakeClock:
    """Wall clock, monotonic clock and sleep in one: `sleep` only moves time forward."""

    now: float = 1_700_000_000.0
    slept: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def perf(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeContext:
    """The attributes of a Lambda context that the functions use; time left follows the clock."""

    def __init__(self, clock: FakeClock, timeout: float = 10.0, request_id: str = "req-1"):
        self.aws_request_id = request_id
        self.function_name = "seawall-test-api"
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = (
            "arn:aws:lambda:us-east-1:123456789012:function:seawall-test-api"
        )
        self.log_group_name = "/aws/lambda/seawall-test-api"
        self.log_stream_name = "2024/01/01/[$LATEST]abc"
        self._clock = clock
        self._deadline = clock.now + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock.now) * 1000))


def api_event(
    method: str,
    path: str,
    body: object = None,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (v1), as the integration sends it."""
    all_headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "Origin": ORIGIN}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if base64_body and text is not None:
        text = base64.b64encode(text.encode()).decode()
    segments = path.strip("/").split("/")
    resource = path if len(segments) < 2 else f"/{segments[0]}/{{id}}"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"id": segments[1]} if len(segments) == 2 else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/local{path}",
            "stage": "local",
            "requestId": "apigw-req-1",
            "accountId": "123456789012",
            "identity": {"sourceIp": "127.0.0.1", "apiKeyId": "key-1", "userAgent": "pytest"},
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }


def create_table(client: Any, name: str = TABLE) -> None:
    strings = ("pk", "sk", "gsi1pk", "gsi1sk")
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in strings],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )


@dataclass
class Env:
    values: dict[str, str]
    dynamodb: Any
    sqs: Any
    queue_url: str
    dlq_url: str

    def settings(self, **changes: str) -> Settings:
        return Settings.from_env({**self.values, **changes})


@dataclass
class Harness:
    """An Api wired to the fake clock, with its log lines captured."""

    api: Api
    clock: FakeClock
    lines: list[str]

    def __call__(self, event: dict[str, Any], *, timeout: float = 10.0) -> dict[str, Any]:
        return self.api.handle(event, FakeContext(self.clock, timeout))

    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def request_logs(self) -> list[dict[str, Any]]:
        return [line for line in self.logs() if line.get("message") == "request"]


def make_harness(env: Env, **settings: str) -> Harness:
    clock = FakeClock()
    lines: list[str] = []
    log = Log("INFO", write=lines.append, clock=clock.time)
    api = Api(
        env.settings(**settings), log=log, clock=clock.time, perf=clock.perf, sleep=clock.sleep
    )
    return Harness(api, clock, lines)


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"]) if response["body"] else None


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def throttling_response(url: str) -> Any:
    """What DynamoDB answers when it throttles a request (moto never throttles)."""
    from botocore.awsrequest import AWSResponse

    data = b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}'
    return AWSResponse(url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(data))
