"""Access-log records in the stage's format, buffered as Firehose buffers, into S3."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.config import Config
from fake_clock import FakeClock

from seawall.runtime.access_logs import AccessLogSettings, FirehoseBuffer, render
from seawall.runtime.alarms import ALARM, AlarmEvaluator
from seawall.runtime.metrics import MetricKey, Metrics, MetricStore, dimensions
from seawall.runtime.records import RequestRecord

# The stack's format (terraform/modules/rest-api/main.tf), as API Gateway stores it.
STACK_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTimeEpoch",
        "ip": "$context.identity.sourceIp",
        "apiKeyId": "$context.identity.apiKeyId",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "path": "$context.path",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationStatus": "$context.integration.status",
        "errorType": "$context.error.responseType",
        "unknown": "$context.notAVariable",
    }
)


def _record(**changes: Any) -> RequestRecord:
    values: dict[str, Any] = {
        "request_id": "req-1",
        "extended_request_id": "ext-1",
        "api_id": "abc123",
        "stage": "v1",
        "http_method": "GET",
        "path": "/items/42",
        "resource_path": "/items/{id}",
        "protocol": "HTTP/1.1",
        "status": 200,
        "request_time_epoch_ms": 1_700_000_000_123,
        "latency_ms": 12.4,
        "integration_latency_ms": 10.6,
        "integration_status": 200,
        "api_key": "secret",
        "api_key_id": "key-1",
        "usage_plan_id": "plan-1",
        "source_ip": "127.0.0.1",
        "user_agent": "curl/8",
        "request_bytes": 0,
        "response_bytes": 99,
        "error_message": None,
        "error_response_type": None,
    }
    values.update(changes)
    return RequestRecord(**values)


def test_the_stack_format_is_filled_with_the_requests_context() -> None:
    line = json.loads(render(STACK_FORMAT, _record()))
    assert line == {
        "requestId": "req-1",
        "requestTime": "1700000000123",
        "ip": "127.0.0.1",
        "apiKeyId": "key-1",
        "httpMethod": "GET",
        "resourcePath": "/items/{id}",
        "path": "/v1/items/42",
        "status": "200",
        "responseLength": "99",
        "integrationLatency": "11",
        "integrationStatus": "200",
        "errorType": "-",
        "unknown": "-",
    }


def test_a_gateway_error_has_its_type_and_no_integration() -> None:
    record = _record(
        status=403,
        resource_path=None,
        integration_latency_ms=None,
        integration_status=None,
        api_key_id=None,
        error_message="Missing Authentication Token",
        error_response_type="MISSING_AUTHENTICATION_TOKEN",
    )
    line = json.loads(render(STACK_FORMAT, record))
    assert line["errorType"] == "MISSING_AUTHENTICATION_TOKEN"
    assert line["integrationLatency"] == line["resourcePath"] == line["apiKeyId"] == "-"


def test_the_destination_names_a_firehose_stream() -> None:
    arn = "arn:aws:firehose:us-west-2:123456789012:deliverystream/amazon-apigateway-x"
    assert AccessLogSettings("$context.requestId", arn).firehose_stream == "amazon-apigateway-x"
    group = "arn:aws:logs:us-west-2:123456789012:log-group:access"
    assert AccessLogSettings("$context.requestId", group).firehose_stream is None


@pytest.fixture
def stream(aws_emulator: Any) -> tuple[str, str]:
    """A Firehose stream writing to a fresh bucket, buffering 60 s / 1 MB as envs/local.tfvars."""
    name = f"amazon-apigateway-test-{uuid.uuid4().hex[:8]}"
    bucket = f"access-logs-{uuid.uuid4().hex[:8]}"
    aws_emulator.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    aws_emulator.client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "access-logs/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        },
    )
    return name, bucket


def _objects(aws_emulator: Any, bucket: str) -> list[str]:
    s3 = aws_emulator.client("s3")
    return [
        s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    ]


@pytest.mark.emulator
def test_one_object_per_buffer_when_the_interval_has_passed(
    aws_emulator: Any, stream: tuple[str, str]
) -> None:
    name, bucket = stream
    clock = FakeClock()
    buffer = FirehoseBuffer(aws_emulator.client("firehose"), name, clock=clock)
    assert buffer.interval_s == 60
    buffer.add('{"requestId": "a"}')
    clock.now = 30
    buffer.add('{"requestId": "b"}')
    assert not buffer.due()
    clock.now = 60
    assert buffer.due()
    buffer.flush()
    assert _objects(aws_emulator, bucket) == ['{"requestId": "a"}\n{"requestId": "b"}\n']


@pytest.mark.emulator
def test_a_full_buffer_is_written_at_once_and_the_time_scale_shortens_the_interval(
    aws_emulator: Any, stream: tuple[str, str]
) -> None:
    name, bucket = stream
    buffer = FirehoseBuffer(aws_emulator.client("firehose"), name, time_scale=60)
    assert buffer.interval_s == 1
    line = "x" * 1023
    for _ in range(1024):  # 1 MB with the newlines: the size hint
        buffer.add(line)
    objects = _objects(aws_emulator, bucket)
    assert len(objects) == 1
    assert len(objects[0]) == 1024 * 1024


@pytest.mark.emulator
def test_what_is_buffered_is_delivered_when_the_runtime_stops(
    aws_emulator: Any, stream: tuple[str, str]
) -> None:
    name, bucket = stream
    buffer = FirehoseBuffer(aws_emulator.client("firehose"), name).start()
    buffer.add("last words")
    buffer.stop()
    assert _objects(aws_emulator, bucket) == ["last words\n"]


# The stack's delivery alarm (terraform/modules/monitoring/alarms.tf, "access-log-delivery").
DELIVERY_ALARM = {
    "Namespace": "AWS/Firehose",
    "MetricName": "DeliveryToS3.Success",
    "Statistic": "Minimum",
    "Period": 60,
    "EvaluationPeriods": 5,
    "DatapointsToAlarm": 3,
    "Threshold": 1.0,
    "ComparisonOperator": "LessThanThreshold",
    "TreatMissingData": "notBreaching",
}


@pytest.mark.emulator
def test_deliveries_publish_firehose_metrics_and_refused_ones_put_the_alarm_in_alarm(
    aws_emulator: Any, stream: tuple[str, str]
) -> None:
    """A delivery that wrote its object: Success 1, its records and bytes. Then the bucket is
    gone (as a wrong bucket policy or key would make it on AWS): every delivery fails, Success
    0, and the stack's delivery alarm is ALARM in the emulator after three of five minutes."""
    name, bucket = stream
    wall = FakeClock()
    wall.now = 2_000_000_000.0
    store = MetricStore(wall)
    # No SDK retries: a refused delivery fails at once (the runtime's own client retries).
    firehose = aws_emulator.client("firehose", config=Config(retries={"max_attempts": 1}))
    buffer = FirehoseBuffer(firehose, name, metrics=Metrics(store, clock=wall))

    def values(metric: str) -> list[float]:
        key = MetricKey("AWS/Firehose", metric, dimensions(DeliveryStreamName=name))
        return store.values(key, 0, float("inf"))

    buffer.add("first")
    buffer.add("second")
    buffer.flush()
    assert values("DeliveryToS3.Success") == [1.0]
    assert values("DeliveryToS3.Records") == [2.0]
    assert values("DeliveryToS3.Bytes") == [len("first\nsecond\n")]

    cloudwatch = aws_emulator.client("cloudwatch")
    alarm_name = f"{name}-delivery"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm_name,
        Dimensions=[{"Name": "DeliveryStreamName", "Value": name}],
        **DELIVERY_ALARM,
    )
    s3 = aws_emulator.client("s3")
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    s3.delete_bucket(Bucket=bucket)
    try:
        evaluator = AlarmEvaluator(
            store, cloudwatch, aws_emulator.client("sns"), region="us-west-2", clock=wall
        )
        states = []
        for minute in range(3):
            wall.now += 60
            buffer.add(f"minute {minute}")
            buffer.flush()
            states.append(evaluator.evaluate_once().get(alarm_name))
        assert values("DeliveryToS3.Success") == [1.0, 0.0, 0.0, 0.0]
        assert values("DeliveryToS3.Records") == [2.0]  # nothing more was written
        assert states == [None, None, ALARM]
        alarm = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
        assert alarm["StateValue"] == ALARM
    finally:
        cloudwatch.delete_alarms(AlarmNames=[alarm_name])
