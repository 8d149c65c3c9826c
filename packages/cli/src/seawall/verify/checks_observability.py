"""Checks that the stack can be watched: log retention, alarms wired to a subscribed topic, a
request's id reaching CloudWatch Logs and the access logs in S3, the cold start's Init Duration.

They read the AWS APIs only (filter_log_events, describe_alarms, S3 objects), the same on AWS
and on the local stack.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from seawall.verify.checks_storage import log_groups, stack_prefix
from seawall.verify.http import request
from seawall.verify.model import WARN, Check, CheckFailed, Outcome, expect

LOG_WAIT_S = 60.0  # CloudWatch Logs usually shows a line within seconds; 60 s is the promise
POLL_S = 2.0
# Init Duration of the API function's cold start, from its REPORT line. A 92 KiB artifact without
# Powertools initialises in about 200-400 ms on Lambda; over a second means something grew.
INIT_BUDGET_MS = 1000.0
_INIT = re.compile(r"Init Duration: ([0-9.]+) ms")

# Failure mode -> the metrics, any one of which an alarm must watch (namespace, metric name).
ALARMED_FAILURE_MODES: dict[str, tuple[tuple[str, str], ...]] = {
    "cold-start": (("AWS/Lambda", "Duration"),),
    "quotas": (("AWS/Lambda", "Throttles"), ("AWS/Lambda", "ConcurrentExecutions")),
    "dynamodb-throttling": (
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
    ),
    "integration-timeout": (
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "IntegrationLatency"),
    ),
    "cors": (("AWS/ApiGateway", "4XXError"),),
    "cloudwatch-logs": (("AWS/Lambda", "Errors"),),
    "access-logs": (("AWS/Firehose", "DeliveryToS3.Success"),),
    "async-jobs": (
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
    ),
}


def poll(find: Callable[[], Any], wait_s: float, every_s: float = POLL_S) -> tuple[Any, float]:
    """Call `find` until it returns something truthy or `wait_s` passed: (found, seconds taken)."""
    started = time.monotonic()
    while True:
        found = find()
        elapsed = time.monotonic() - started
        if found or elapsed >= wait_s:
            return found, elapsed
        time.sleep(min(every_s, max(0.0, wait_s - elapsed)))


def function_log_group(target: Any, function: str = "api") -> str:
    name = target.output("api_function_name" if function == "api" else "worker_function_name")
    config = target.client("lambda").get_function_configuration(FunctionName=name)
    return (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}"


def log_events(
    target: Any, group: str, since_ms: int, pattern: str | None = None
) -> Iterator[dict[str, Any]]:
    """Events of `group` since `since_ms` (epoch ms); `pattern` is a CloudWatch term to match."""
    options: dict[str, Any] = {"logGroupName": group, "startTime": since_ms}
    if pattern:
        options["filterPattern"] = f'"{pattern}"'
    client = target.client("logs")
    try:
        for page in client.get_paginator("filter_log_events").paginate(**options):
            # The pattern is applied here too: some emulators ignore filterPattern.
            yield from (e for e in page.get("events", []) if not pattern or pattern in e["message"])
    except client.exceptions.ResourceNotFoundException:
        return


def check_log_retention(target: Any) -> Outcome:
    groups = log_groups(target)
    evidence = {g["logGroupName"]: g.get("retentionInDays", "never expires") for g in groups}
    expect(bool(groups), f"no log group of the stack ({stack_prefix(target)}) exists", evidence)
    forever = [g["logGroupName"] for g in groups if not g.get("retentionInDays")]
    expect(not forever, f"log groups without retention: {', '.join(forever)}", evidence)
    return Outcome(f"{len(groups)} log groups expire", evidence)


def check_alarms_wired(target: Any) -> Outcome:
    cloudwatch, sns = target.client("cloudwatch"), target.client("sns")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{stack_prefix(target)}-"
    )
    alarms = [a for page in pages for a in page["MetricAlarms"]]
    watched = {(a.get("Namespace"), a.get("MetricName")) for a in alarms}
    for alarm in alarms:
        for query in alarm.get("Metrics") or []:
            metric = (query.get("MetricStat") or {}).get("Metric") or {}
            watched.add((metric.get("Namespace"), metric.get("MetricName")))
    unwatched = [
        mode for mode, metrics in ALARMED_FAILURE_MODES.items() if not watched & set(metrics)
    ]
    silent = [a["AlarmName"] for a in alarms if not a.get("AlarmActions")]
    topics = sorted({arn for a in alarms for arn in a.get("AlarmActions", []) if ":sns:" in arn})
    subscribers = {
        topic: [
            s.get("Protocol", "?")
            for s in sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
        ]
        for topic in topics
    }
    evidence = {
        "alarms": len(alarms),
        "failure modes without an alarm": unwatched,
        "alarms without an action": silent,
        "topics and their subscribers": subscribers,
    }
    expect(bool(alarms), "the stack has no alarms", evidence)
    expect(not unwatched, f"no alarm for: {', '.join(unwatched)}", evidence)
    expect(not silent, f"alarms that notify no one: {', '.join(silent)}", evidence)
    unheard = [t for t, subs in subscribers.items() if not subs]
    if unheard:
        return Outcome(
            f"{len(alarms)} alarms cover every failure mode; "
            f"no one subscribes to {', '.join(unheard)}",
            evidence,
            status="warn",
        )
    return Outcome(f"{len(alarms)} alarms, every failure mode, topics with subscribers", evidence)


def _probe(target: Any) -> tuple[int, Any]:
    started_ms = (
        int(time.time() * 1000) - 5000
    )  # clocks of this machine and the service differ a little
    reply = request("GET", f"{target.api_url}/items?limit=1", headers={"x-api-key": target.api_key})
    expect(reply.status == 200, f"the probe request answered {reply.status}", reply.evidence())
    return started_ms, reply


def check_request_id_in_logs(target: Any) -> Outcome:
    since_ms, reply = _probe(target)
    request_id = reply.header("x-request-id")
    expect(bool(request_id), "the API answered without X-Request-Id", reply.evidence())
    group = function_log_group(target)
    found, seconds = poll(
        lambda: next(log_events(target, group, since_ms, request_id), None), LOG_WAIT_S
    )
    evidence = {"request id": request_id, "log group": group, "waited s": round(seconds, 1)}
    expect(
        found is not None, f"request {request_id} not in {group} after {seconds:.0f} s", evidence
    )
    evidence["log line"] = found["message"].strip()[:500]
    evidence["log stream"] = found.get("logStreamName")
    return Outcome(f"request {request_id} logged in {group} after {seconds:.1f} s", evidence)


def _buffer_seconds(target: Any) -> float:
    stream = target.output("access_log_stream_name")
    description = target.client("firehose").describe_delivery_stream(DeliveryStreamName=stream)[
        "DeliveryStreamDescription"
    ]
    for destination in description.get("Destinations", []):
        for kind in ("ExtendedS3DestinationDescription", "S3DestinationDescription"):
            hints = (destination.get(kind) or {}).get("BufferingHints") or {}
            if hints.get("IntervalInSeconds"):
                return float(hints["IntervalInSeconds"])
    return 300.0  # Firehose's default


def _objects_mentioning(
    target: Any, bucket: str, since: float, text: str, *, seen: set[str], unreadable: list[str]
) -> str | None:
    """The key of a new object holding `text`; new objects S3 refuses to read go to `unreadable`."""
    s3 = target.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            if item["Key"] in seen or item["LastModified"].timestamp() < since:
                continue
            seen.add(item["Key"])
            try:
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            except ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 403:
                    raise
                unreadable.append(item["Key"])
                continue
            if body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            if text.encode() in body:
                return item["Key"]
    return None


def check_access_log_in_s3(target: Any) -> Outcome:
    since_ms, reply = _probe(target)
    request_id = reply.header("x-amzn-requestid")
    expect(
        bool(request_id),
        "the API answered without x-amzn-RequestId (the gateway's request id)",
        reply.evidence(),
    )
    bucket = target.output("log_bucket_name")
    buffer_s = _buffer_seconds(target)
    seen: set[str] = set()
    unreadable: list[str] = []
    key, seconds = poll(
        # Stops early on an object that cannot be read: waiting longer would not read it.
        lambda: (
            _objects_mentioning(
                target, bucket, since_ms / 1000, request_id, seen=seen, unreadable=unreadable
            )
            or unreadable
        ),
        buffer_s + 30,
        every_s=1,
    )
    evidence: dict[str, Any] = {
        "request id": request_id,
        "bucket": bucket,
        "Firehose buffer s": buffer_s,
        "objects read": len(seen) - len(unreadable),
        "waited s": round(seconds, 1),
    }
    if isinstance(key, str):
        evidence["S3 key"] = key
        return Outcome(
            f"request {request_id} in s3://{bucket}/{key} after {seconds:.1f} s", evidence
        )
    if unreadable:
        # The emulator applies the bucket's TLS-only Deny to its plain-HTTP endpoint (AWS is
        # reached over TLS): an object arrived in time, but what it says cannot be read here.
        evidence["S3 key"] = unreadable[0]
        evidence["unreadable objects"] = unreadable[:5]
        return Outcome(
            f"an access-log object arrived after {seconds:.1f} s (s3://{bucket}/{unreadable[0]}) "
            "but S3 refused to read it (403): the request id is unconfirmed",
            evidence,
            status=WARN,
        )
    raise CheckFailed(
        f"request {request_id} in no access-log object of {bucket} after {seconds:.0f} s",
        evidence,
    )


def check_cold_start_init_duration(target: Any) -> Outcome:
    # A request of its own, so that at least one cold start exists whatever ran before; a warm
    # function's cold start is further back in the log group.
    _probe(target)
    group = function_log_group(target)
    since_ms = int((time.time() - 24 * 3600) * 1000)

    def reports() -> list[str]:
        return [e["message"] for e in log_events(target, group, since_ms, "Init Duration")]

    found, seconds = poll(reports, LOG_WAIT_S)
    durations = [float(m.group(1)) for line in found if (m := _INIT.search(line))]
    evidence: dict[str, Any] = {
        "log group": group,
        "cold starts seen (24 h)": len(durations),
        "budget ms": INIT_BUDGET_MS,
        "waited s": round(seconds, 1),
    }
    expect(bool(durations), f"no REPORT line with an Init Duration in {group}", evidence)
    latest = durations[-1]
    evidence.update(
        {
            "latest Init Duration ms": latest,
            "max Init Duration ms": max(durations),
            "REPORT line": found[-1].strip()[:300],
        }
    )
    expect(
        latest <= INIT_BUDGET_MS,
        f"the latest cold start took {latest:.0f} ms to initialise "
        f"(budget {INIT_BUDGET_MS:.0f} ms)",
        evidence,
    )
    return Outcome(f"Init Duration {latest:.0f} ms (budget {INIT_BUDGET_MS:.0f} ms)", evidence)


CHECKS = (
    Check("log-retention", "every log group expires", check_log_retention),
    Check(
        "alarms-wired", "an alarm per failure mode, wired to a subscribed topic", check_alarms_wired
    ),
    Check(
        "request-id-in-logs",
        "a request's id in the API function's log group within 60 s",
        check_request_id_in_logs,
        timeout_s=LOG_WAIT_S + 20,
    ),
    Check(
        "access-log-in-s3",
        "a request's id in an access-log object in S3 within the buffer time",
        check_access_log_in_s3,
        timeout_s=400,
    ),
    Check(
        "cold-start-init-duration",
        "the cold start's Init Duration under budget",
        check_cold_start_init_duration,
    ),
)
