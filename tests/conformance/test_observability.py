"""What the local cloud records and enforces, end to end on the shared stack: logs in the function's
log group, AWS/Lambda and AWS/ApiGateway metrics in the emulator's CloudWatch, the Errors alarm
going to ALARM under a forced exception (state in the emulator, notification on the alarm topic),
access-log objects in the log bucket through Firehose, and reserved concurrency throttling.

The requests go through a runtime of this module's own, started on the shared stack's emulator
with SEAWALL_LOCAL_TIME_SCALE=60 (a one-minute alarm period or Firehose buffer lasts a second), so
that nothing here waits for minutes; the shared stack's own runtime is left alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from seawall.local_stack import LocalStack
from seawall.runtime.local_runtime import LocalRuntime
from seawall.smoke import http_json
from seawall.verify.faults import FaultSwitch

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]

T = TypeVar("T")
TIME_SCALE = 60.0


def eventually(probe: Callable[[], T | None], *, within_s: float = 20.0) -> T:
    """`probe()`'s first truthy answer, polled; fails with the last answer after `within_s`."""
    deadline = time.monotonic() + within_s
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"not seen within {within_s} s (last answer: {answer!r})")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def runtime(
    local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalRuntime]:
    connection = local_stack.emulator.connection
    with LocalRuntime(
        endpoint=connection.url,
        region=connection.region,
        api_id=str(local_stack.outputs["api_id"]),
        stage=str(local_stack.outputs["api_stage"]),
        artifact_store=local_stack.project.artifact_store,
        work_dir=tmp_path_factory.mktemp("observability-runtime"),
        time_scale=TIME_SCALE,
    ) as served:
        yield served


def _get(runtime: LocalRuntime, stack: LocalStack, path: str) -> tuple[int, Any, dict[str, str]]:
    """(status, JSON body, headers with lower-case names) of one GET through `runtime`."""
    status, headers, body = http_json(
        "GET", runtime.url + path, headers={"x-api-key": stack.api_key}
    )
    return status, body, {name.lower(): value for name, value in headers.items()}


def _client(stack: LocalStack, service: str) -> Any:
    return stack.emulator.client(service)


def test_function_output_and_report_lines_reach_the_log_group(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    status, _, headers = _get(runtime, local_stack, "/health")
    assert status == 200
    request_id = headers["x-amzn-requestid"]
    logs = _client(local_stack, "logs")
    group = f"/aws/lambda/{local_stack.outputs['api_function_name']}"

    def handler_line_for_request() -> list[str]:
        events = logs.filter_log_events(logGroupName=group)["events"]
        return [e["message"] for e in events if request_id in e["message"]]

    # The handler logs the API Gateway request id it served (apigw_request_id).
    assert eventually(handler_line_for_request)
    reports = [
        e["message"]
        for e in logs.filter_log_events(logGroupName=group, filterPattern="REPORT")["events"]
    ]
    assert reports
    assert all("Max Memory Used" in line and "Billed Duration" in line for line in reports)


def test_lambda_and_api_gateway_metrics_are_in_the_emulator(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    for _ in range(3):
        _get(runtime, local_stack, "/health")
    cloudwatch = _client(local_stack, "cloudwatch")
    now = time.time()

    def total(namespace: str, name: str, dimensions: dict[str, str]) -> float:
        stats = cloudwatch.get_metric_statistics(
            Namespace=namespace,
            MetricName=name,
            Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
            StartTime=now - 600,
            EndTime=now + 600,
            Period=60,
            Statistics=["Sum", "SampleCount"],
        )["Datapoints"]
        return sum(point["Sum"] for point in stats)

    function = {"FunctionName": str(local_stack.outputs["api_function_name"])}
    api = {"ApiName": runtime.gateway.api.name, "Stage": str(local_stack.outputs["api_stage"])}
    assert eventually(lambda: total("AWS/Lambda", "Invocations", function) >= 3)
    assert eventually(lambda: total("AWS/ApiGateway", "Count", api) >= 3)
    # The handler's EMF line: its own namespace, published from the log group.
    assert eventually(
        lambda: cloudwatch.list_metrics(Namespace="seawall", MetricName="Latency")["Metrics"]
    )


def test_a_forced_exception_puts_the_errors_alarm_in_alarm_and_notifies_the_topic(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    """The verify drill's path: a fault published behind the live alias, errors through the
    gateway, AWS/Lambda Errors, the stack's '<prefix>-api-errors' alarm (3 of 5 one-minute
    periods, here one-second periods) evaluated to ALARM, the state in the emulator, the
    notification on the alarm topic."""
    sns, sqs = _client(local_stack, "sns"), _client(local_stack, "sqs")
    cloudwatch, lambda_client = _client(local_stack, "cloudwatch"), _client(local_stack, "lambda")
    alarm_name = next(n for n in local_stack.outputs["alarm_names"] if n.endswith("-api-errors"))
    inbox = sqs.create_queue(QueueName="observability-alarm-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    subscription = sns.subscribe(
        TopicArn=str(local_stack.outputs["alarm_topic_arn"]), Protocol="sqs", Endpoint=inbox_arn
    )["SubscriptionArn"]
    switch = FaultSwitch(
        lambda_client, str(local_stack.outputs["api_function_name"]), environment="local"
    )
    try:
        with switch.applied({"mode": "exception", "functions": ["api"]}):
            deadline = time.monotonic() + 30
            statuses = set()
            while time.monotonic() < deadline:
                status, _, _ = _get(runtime, local_stack, "/health")
                statuses.add(status)
                state = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
                if state["StateValue"] == "ALARM":
                    break
                time.sleep(0.1)
            assert 502 in statuses  # the function raised: API Gateway's answer to a crash
            assert state["StateValue"] == "ALARM", state.get("StateReason")

        def alarm_notification() -> dict[str, Any] | None:
            for message in sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get(
                "Messages", []
            ):
                body = json.loads(json.loads(message["Body"])["Message"])
                if body["AlarmName"] == alarm_name and body["NewStateValue"] == "ALARM":
                    return body
            return None

        notification = eventually(alarm_notification)
        assert notification["Trigger"]["MetricName"] == "Errors"
        assert notification["Trigger"]["Namespace"] == "AWS/Lambda"
    finally:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=inbox)
    # With the fault cleared, five error-free periods bring it back to OK.
    assert eventually(
        lambda: (
            cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]["StateValue"]
            == "OK"
        )
    )


def test_access_logs_reach_the_log_bucket_through_firehose(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    status, _, headers = _get(runtime, local_stack, "/no-such-route")
    assert status == 403
    request_id = headers["x-amzn-requestid"]
    s3 = _client(local_stack, "s3")
    bucket = str(local_stack.outputs["log_bucket_name"])

    def record_for_request() -> tuple[str, dict[str, Any]] | None:
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
            for line in body.splitlines():
                if request_id in line:
                    return item["Key"], json.loads(line)
        return None

    # The bucket's policy denies reads over plain HTTP, all the emulator serves: lifted for the
    # reads, put back after.
    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    s3.delete_bucket_policy(Bucket=bucket)
    try:
        key, record = eventually(record_for_request)
    finally:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert key.startswith("api-access-logs/")  # the stream's prefix (rest-api module)
    # The stage's format (rest-api/main.tf), its $context variables filled in.
    assert record["requestId"] == request_id
    assert record["status"] == "403"
    assert record["httpMethod"] == "GET"
    assert record["errorType"] == "MISSING_AUTHENTICATION_TOKEN"
    assert record["integrationLatency"] == "-"


def test_reserved_concurrency_zero_throttles_through_the_gateway_at_once(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    lambda_client = _client(local_stack, "lambda")
    name = str(local_stack.outputs["api_function_name"])
    before = lambda_client.get_function_concurrency(FunctionName=name).get(
        "ReservedConcurrentExecutions"
    )
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    try:
        time.sleep(0.3)  # the runtime's revision check runs at most every 250 ms
        status, body, _ = _get(runtime, local_stack, "/health")
        assert status == 500
        assert body["message"] == "Internal server error"  # what API Gateway answers
    finally:
        if before is None:
            lambda_client.delete_function_concurrency(FunctionName=name)
        else:
            lambda_client.put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=before
            )
    time.sleep(0.3)
    assert _get(runtime, local_stack, "/health")[0] == 200


def test_a_message_in_the_dead_letter_queue_puts_the_dlq_alarm_in_alarm(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    """AWS/SQS's ApproximateNumberOfMessagesVisible of the stack's DLQ, sampled from the
    emulator once a (scaled) minute: one message in it is the stack's '<prefix>-dlq-not-empty'
    alarm in ALARM after three of five periods; taken out, the alarm goes back to OK."""
    sqs, cloudwatch = _client(local_stack, "sqs"), _client(local_stack, "cloudwatch")
    dlq = str(local_stack.outputs["dead_letter_queue_url"])
    alarm_name = next(n for n in local_stack.outputs["alarm_names"] if n.endswith("-dlq-not-empty"))

    def alarm_state() -> str:
        return cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]["StateValue"]

    body = json.dumps({"observability-test": time.time()})
    sqs.send_message(QueueUrl=dlq, MessageBody=body)
    try:
        assert eventually(lambda: alarm_state() == "ALARM")
        [alarm] = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
        assert "seawall's local runtime" in alarm["StateReason"]
    finally:
        # Only this test's message: the queue may hold others' (a drill's, kept for a look).
        for _ in range(20):
            got = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=5)
            mine = [m for m in got.get("Messages", []) if m["Body"] == body]
            for message in mine:
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            if mine:
                break
    assert eventually(lambda: alarm_state() == "OK")


def test_access_log_deliveries_publish_the_firehose_metric_the_stack_alarms_on(
    runtime: LocalRuntime, local_stack: LocalStack
) -> None:
    status, _, _ = _get(runtime, local_stack, "/health")
    assert status == 200
    cloudwatch = _client(local_stack, "cloudwatch")
    stream = str(local_stack.outputs["access_log_stream_name"])
    assert eventually(
        lambda: cloudwatch.list_metrics(
            Namespace="AWS/Firehose",
            MetricName="DeliveryToS3.Success",
            Dimensions=[{"Name": "DeliveryStreamName", "Value": stream}],
        )["Metrics"]
    )
