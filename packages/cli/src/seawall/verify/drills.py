"""The fault drills: switch a fault on through the function's configuration, observe the
mitigation, switch it off again (`FaultSwitch.applied`, Ctrl-C included).

Drills write items named under a per-run prefix and delete every one they made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from seawall.runtime.alarms import TIME_SCALE_ENV
from seawall.verify.checks_api import allowed_origin
from seawall.verify.checks_functions import live_configuration
from seawall.verify.checks_observability import poll
from seawall.verify.faults import FaultSwitch
from seawall.verify.http import Reply, request
from seawall.verify.model import Check, CheckSkipped, Outcome, expect

THROTTLE_WRITES = 20
THROTTLE_RATE = 0.2
CLIENT_RETRIES = 4  # a client retries a 503 with the same Idempotency-Key, after Retry-After
IMPORT_ITEMS = 200
IMPORT_BUDGET_S = 90.0
METRIC_WAIT_S = 60.0
ALARM_WAIT_S = 60.0
POISON_BUDGET_S = 120.0
#: What the poison job's one chunk holds: not the JSON array of items the worker expects, so every
#: receive of its message fails the same way (as a payload corrupted in the table would).
POISON_PAYLOAD = "seawall verify: not a JSON array of items"


def prefix() -> str:
    return f"seawall-verify-{uuid.uuid4().hex[:8]}"


def switch(target: Any, function: str = "api") -> FaultSwitch:
    name = target.output("api_function_name" if function == "api" else "worker_function_name")
    return FaultSwitch(target.client("lambda"), name, environment=target.environment)


def _keyed(target: Any, **extra: str) -> dict[str, str]:
    return {"x-api-key": target.api_key, **extra}


@contextlib.contextmanager
def _items_deleted(target: Any, run: str | None = None) -> Iterator[set[str]]:
    """A set to add item ids to; every one is deleted afterwards, and so is every item named
    under the run's prefix (a write can succeed while its client was told 503)."""
    made: set[str] = set()
    try:
        yield made
    finally:
        if run is not None:
            with contextlib.suppress(OSError):
                made.update(_items_named(target, run))
        for item_id in made:
            with contextlib.suppress(OSError):
                _delete_item(target, item_id)


def _delete_item(target: Any, item_id: str) -> None:
    """DELETE, retried as a client would when the usage plan throttles it (429) or the API asks
    for a retry (503): a drill's cleanup of hundreds of items runs into the plan's rate."""
    for _ in range(CLIENT_RETRIES * 2):
        reply = request("DELETE", f"{target.api_url}/items/{item_id}", headers=_keyed(target))
        if reply.status not in (429, 503):
            return
        time.sleep(min(1.0, float(reply.header("retry-after") or 0.5)))


def _metric_sum(
    target: Any, namespace: str, metric: str, dimensions: dict[str, str], since: datetime
) -> float:
    cloudwatch = target.client("cloudwatch")
    wanted = set(dimensions.items())
    listed = cloudwatch.list_metrics(Namespace=namespace, MetricName=metric)["Metrics"]
    matching = [
        m for m in listed if wanted <= {(d["Name"], d["Value"]) for d in m.get("Dimensions", [])}
    ]
    total = 0.0
    for index, found in enumerate(matching[:10]):
        data = cloudwatch.get_metric_data(
            MetricDataQueries=[
                {"Id": f"m{index}", "MetricStat": {"Metric": found, "Period": 60, "Stat": "Sum"}}
            ],
            StartTime=since - timedelta(minutes=1),
            EndTime=datetime.now(UTC) + timedelta(minutes=1),
        )
        total += sum(v for r in data["MetricDataResults"] for v in r.get("Values", []))
    return total


def _post_with_retries(target: Any, body: dict[str, Any], key: str) -> list[Reply]:
    replies = []
    for _ in range(CLIENT_RETRIES):
        reply = request(
            "POST",
            f"{target.api_url}/items",
            body=body,
            headers=_keyed(target, **{"Idempotency-Key": key}),
        )
        replies.append(reply)
        if reply.status != 503:
            break
        time.sleep(min(2.0, float(reply.header("retry-after") or 1)))
    return replies


def drill_throttle(target: Any) -> Outcome:
    run = prefix()
    since = datetime.now(UTC)
    spec = {"mode": "throttle", "throttle_rate": THROTTLE_RATE, "functions": ["api"]}
    statuses: dict[int, int] = {}
    acknowledged: dict[str, str] = {}
    wrong: list[str] = []
    with _items_deleted(target, run) as made:
        with switch(target).applied(spec):
            for n in range(THROTTLE_WRITES):
                key = f"{run}-{n}"
                replies = _post_with_retries(target, {"name": key, "data": {"n": n}}, key)
                for reply in replies:
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
                    if reply.status >= 500 and not (
                        reply.status == 503 and reply.header("retry-after")
                    ):
                        wrong.append(f"{key}: {reply.status} (request {reply.request_id})")
                ids = {
                    r.body["id"]
                    for r in replies
                    if r.status in (200, 201) and isinstance(r.body, dict)
                }
                made.update(ids)
                if len(ids) > 1:
                    wrong.append(f"{key}: one key, {len(ids)} items")
                if ids:
                    acknowledged[key] = ids.pop()
        readable = {}
        for key, item_id in acknowledged.items():
            reply = request("GET", f"{target.api_url}/items/{item_id}", headers=_keyed(target))
            readable[key] = (
                reply.status == 200
                and isinstance(reply.body, dict)
                and reply.body.get("name") == key
            )
        copies = _copies_by_name(target, run)
        retries, seconds = poll(
            lambda: _metric_sum(target, "seawall", "Retries", {"Function": "api"}, since),
            METRIC_WAIT_S,
            every_s=5,
        )
    evidence = {
        "fault": spec,
        "writes": THROTTLE_WRITES,
        "answers by status": statuses,
        "acknowledged": len(acknowledged),
        "unreadable": [k for k, ok in readable.items() if not ok],
        "written more than once": {k: n for k, n in copies.items() if n > 1},
        # A 503 says "outcome unknown, retry with the same key": a write may be stored anyway.
        "stored without an acknowledgement": sorted(set(copies) - set(acknowledged)),
        "Retries metric (sum, EMF)": retries,
        "waited for the metric s": round(seconds, 1),
    }
    expect(not wrong, f"beyond the deadline's 503s: {'; '.join(wrong[:5])}", evidence)
    expect(bool(acknowledged), "no write was acknowledged under 20 % throttling", evidence)
    expect(all(readable.values()), "acknowledged writes that cannot be read back", evidence)
    expect(
        all(copies.get(key) == 1 for key in acknowledged),
        "acknowledged writes not stored exactly once",
        evidence,
    )
    expect(retries > 0, "no Retries in the EMF metrics (namespace seawall, Function=api)", evidence)
    return Outcome(
        f"{len(acknowledged)}/{THROTTLE_WRITES} writes acknowledged and read back once; "
        f"{retries:g} retries in the metrics",
        evidence,
    )


def _items_named(target: Any, run: str, max_pages: int = 50) -> dict[str, str]:
    """id -> name of the stored items named under `run` (the API's listing, page by page)."""
    found: dict[str, str] = {}
    cursor = None
    for _ in range(max_pages):
        query = "limit=100" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        page = request("GET", f"{target.api_url}/items?{query}", headers=_keyed(target)).body
        if not isinstance(page, dict):
            break
        for item in page.get("items", []):
            if str(item.get("name", "")).startswith(run):
                found[item["id"]] = item["name"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found


def _copies_by_name(target: Any, run: str) -> dict[str, int]:
    """How many stored items carry each name of this run."""
    copies: dict[str, int] = {}
    for name in _items_named(target, run).values():
        copies[name] = copies.get(name, 0) + 1
    return copies


def drill_latency(target: Any) -> Outcome:
    run = prefix()
    timeout_s = live_configuration(target, "api")["Timeout"]
    # Past the handler's deadline (it keeps 2 s for one attempt) yet inside the function's timeout.
    spec = {"mode": "latency", "latency_ms": max(0, timeout_s * 1000 - 1000), "functions": ["api"]}
    with _items_deleted(target, run) as made, switch(target).applied(spec):
        reply = request(
            "POST",
            f"{target.api_url}/items",
            body={"name": run, "data": {}},
            headers=_keyed(target),
            timeout=60,
        )
        if reply.status == 201 and isinstance(reply.body, dict):
            made.add(reply.body["id"])  # the write went through after all: not left behind
    evidence = {
        "fault": spec,
        "function timeout s": timeout_s,
        "seconds": round(reply.seconds, 2),
        **reply.evidence(),
    }
    expect(reply.status != 504, "the gateway timed out (504)", evidence)
    expect(reply.status == 503, f"answered {reply.status}, not 503", evidence)
    expect(bool(reply.header("retry-after")), "a 503 without Retry-After", evidence)
    return Outcome(
        f"503 with Retry-After {reply.header('retry-after')} after {reply.seconds:.1f} s "
        f"(timeout {timeout_s} s)",
        evidence,
    )


def drill_exception(target: Any) -> Outcome:
    origin = allowed_origin(target)
    since = datetime.now(UTC)
    function = target.output("api_function_name")
    spec = {"mode": "exception", "functions": ["api"], "exception_message": "seawall verify drill"}

    def fail_once() -> Reply:
        return request(
            "GET", f"{target.api_url}/items?limit=1", headers=_keyed(target, Origin=origin)
        )

    with switch(target).applied(spec):
        reply = fail_once()
        evidence: dict[str, Any] = {"fault": spec, **reply.evidence()}
        # A crashed invocation becomes the gateway's 5XX response (502); an error the handler
        # catches becomes its problem+json 500. Both must reach a browser: CORS headers.
        expect(reply.status in (500, 502), f"answered {reply.status}, not a 500/502", evidence)
        expect(
            reply.header("access-control-allow-origin") in (origin, "*"),
            "the error has no CORS headers",
            evidence,
        )
        if reply.status == 500:
            expect(
                "problem+json" in (reply.header("content-type") or ""),
                "a 500 that is not problem+json",
                evidence,
            )
        alarms = _alarms_on(target, "Errors", function)
        evidence["alarms on Errors"] = {a["AlarmName"]: _alarm_rule(a) for a in alarms}
        expect(bool(alarms), f"no alarm watches Errors of {function}", evidence)
        names = [a["AlarmName"] for a in alarms]
        if target.is_local:
            # The local stack evaluates its alarms: keep failing (an alarm wants M of N periods
            # in breach) until one goes to ALARM. On AWS that takes minutes: the metric is enough.
            state, seconds = poll(
                lambda: fail_once() and _alarm_in_alarm(target, names), ALARM_WAIT_S, every_s=1
            )
            evidence["alarm state"] = state or f"not ALARM after {seconds:.0f} s"
            expect(
                bool(state),
                f"no Errors alarm went to ALARM in {seconds:.0f} s (locally, "
                f"{TIME_SCALE_ENV}=60 for `seawall up` makes a one-minute period a second)",
                evidence,
            )
    errors, seconds = poll(
        lambda: _metric_sum(target, "AWS/Lambda", "Errors", {"FunctionName": function}, since),
        METRIC_WAIT_S,
        every_s=5,
    )
    evidence["Errors metric (sum)"] = errors
    expect(errors > 0, f"no Errors in AWS/Lambda for {function} after {seconds:.0f} s", evidence)
    return Outcome(
        f"{reply.status} with CORS; Errors={errors:g}; "
        + (
            f"{evidence['alarm state']}"
            if "alarm state" in evidence
            else f"alarms {', '.join(names)}"
        ),
        evidence,
    )


def _alarm_rule(alarm: dict[str, Any]) -> str:
    return (
        f"{alarm['StateValue']}: {alarm.get('DatapointsToAlarm', alarm['EvaluationPeriods'])} of "
        f"{alarm['EvaluationPeriods']} periods of {alarm['Period']} s"
    )


def _alarms_on(target: Any, metric: str, function: str) -> list[dict[str, Any]]:
    pages = target.client("cloudwatch").get_paginator("describe_alarms").paginate()
    dimension = {"Name": "FunctionName", "Value": function}
    return [
        a
        for page in pages
        for a in page["MetricAlarms"]
        if a.get("MetricName") == metric and dimension in a.get("Dimensions", [])
    ]


def _alarm_in_alarm(target: Any, names: list[str]) -> str | None:
    found = target.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]
    return next((a["AlarmName"] + ": ALARM" for a in found if a["StateValue"] == "ALARM"), None)


def imported_item_id(job_id: str, chunk: int, position: int) -> str:
    """The id the worker gives an imported item (seawall_handler.jobs.imported_item_id)."""
    digest = hashlib.sha256(f"{job_id}:{chunk}:{position}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def drill_import(target: Any) -> Outcome:
    run = prefix()
    items = [{"name": f"{run}-{n}", "data": {"n": n}} for n in range(IMPORT_ITEMS)]
    started = time.monotonic()
    reply = request(
        "POST",
        f"{target.api_url}/jobs",
        body={"type": "import", "items": items},
        headers=_keyed(target),
    )
    expect(
        reply.status == 202 and isinstance(reply.body, dict),
        f"POST /jobs answered {reply.status}",
        reply.evidence(),
    )
    job_id = reply.body["id"]
    names: dict[str, str] = {}
    with _items_deleted(target, run) as made:

        def finished() -> dict[str, Any] | None:
            job = request("GET", f"{target.api_url}/jobs/{job_id}", headers=_keyed(target)).body
            return (
                job
                if isinstance(job, dict) and job.get("status") in ("succeeded", "failed")
                else None
            )

        job, _ = poll(finished, IMPORT_BUDGET_S)
        seconds = time.monotonic() - started
        # One chunk holds them all (CHUNK_BYTES is far above 200 small items).
        ids = [imported_item_id(job_id, 0, n) for n in range(IMPORT_ITEMS)]
        made.update(ids)
        for item_id in ids:
            got = request("GET", f"{target.api_url}/items/{item_id}", headers=_keyed(target))
            names[item_id] = (
                got.body.get("name") if got.status == 200 and isinstance(got.body, dict) else None
            )
    missing = [i for n, i in enumerate(ids) if names[i] != f"{run}-{n}"]
    evidence = {
        "job": job_id,
        "items": IMPORT_ITEMS,
        "seconds": round(seconds, 1),
        "budget s": IMPORT_BUDGET_S,
        "final job": job,
        "missing": missing[:10],
    }
    expect(job is not None, f"the job did not finish within {IMPORT_BUDGET_S:g} s", evidence)
    expect(job["status"] == "succeeded", f"the job ended {job['status']}", evidence)
    expect(not missing, f"{len(missing)} imported items missing", evidence)
    return Outcome(f"{IMPORT_ITEMS} items imported through the queue in {seconds:.1f} s", evidence)


def _poison_job(target: Any, job_id: str, run: str) -> None:
    """A queued job (the record POST /jobs writes) whose one chunk the worker rejects."""
    now = datetime.now(UTC)
    created = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    expires = str(int(now.timestamp()) + 3600)  # the table's TTL removes it if cleanup cannot
    table = target.output("table_name")
    dynamodb = target.client("dynamodb")
    dynamodb.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"JOB#{job_id}"},
            "sk": {"S": "CHUNK#0000"},
            "payload": {"S": f"{POISON_PAYLOAD} ({run})"},
            "expires_at": {"N": expires},
        },
    )
    dynamodb.put_item(
        TableName=table,
        Item={
            "pk": {"S": f"JOB#{job_id}"},
            "sk": {"S": "JOB"},
            "type": {"S": "import"},
            "status": {"S": "queued"},
            "total": {"N": "1"},
            "processed": {"N": "0"},
            "failed": {"N": "0"},
            "chunks": {"N": "1"},
            "chunks_done": {"N": "0"},
            "errors": {"L": []},
            "created_at": {"S": created},
            "updated_at": {"S": created},
            "expires_at": {"N": expires},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )


def _take_from_dlq(target: Any, job_id: str) -> dict[str, Any] | None:
    """The job's message if it is in the dead-letter queue (deleted from it: the drill's own);
    any other message received on the way is made visible again at once."""
    sqs = target.client("sqs")
    dlq = target.output("dead_letter_queue_url")
    messages = sqs.receive_message(
        QueueUrl=dlq,
        MaxNumberOfMessages=10,
        WaitTimeSeconds=1,
        VisibilityTimeout=5,
        AttributeNames=["ApproximateReceiveCount"],
    ).get("Messages", [])
    found = None
    for message in messages:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            if json.loads(message["Body"]).get("job_id") == job_id:
                found = message
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                continue
        sqs.change_message_visibility(
            QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return found


def drill_poison_message(target: Any) -> Outcome:
    sqs = target.client("sqs")
    queue = target.output("jobs_queue_url")
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
    )["Attributes"]
    visibility_s = int(attributes["VisibilityTimeout"])
    max_receives = int(
        json.loads(attributes.get("RedrivePolicy") or "{}").get("maxReceiveCount", 0)
    )
    evidence: dict[str, Any] = {
        "visibility timeout s": visibility_s,
        "maxReceiveCount": max_receives,
    }
    expect(max_receives > 0, "the jobs queue has no redrive policy: retried forever", evidence)
    if not target.is_local and max_receives * visibility_s > POISON_BUDGET_S:
        raise CheckSkipped(
            f"each redelivery waits the visibility timeout: {max_receives} x {visibility_s} s, "
            f"more than the drill's {POISON_BUDGET_S:g} s (the worker's unit tests cover it)"
        )
    run = prefix()
    job_id = str(uuid.uuid4())
    evidence.update({"job": job_id, "chunk payload": POISON_PAYLOAD})
    started = time.monotonic()
    table = target.output("table_name")
    try:
        _poison_job(target, job_id, run)
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"job_id": job_id, "chunks": 1}))

        def failed() -> dict[str, Any] | None:
            job = request("GET", f"{target.api_url}/jobs/{job_id}", headers=_keyed(target)).body
            return job if isinstance(job, dict) and job.get("status") == "failed" else None

        job, _ = poll(failed, POISON_BUDGET_S, every_s=2)
        evidence["job after the drill"] = job
        left = max(5.0, POISON_BUDGET_S - (time.monotonic() - started))
        moved, _ = poll(lambda: _take_from_dlq(target, job_id), left, every_s=1)
        seconds = time.monotonic() - started
    finally:
        dynamodb = target.client("dynamodb")
        for sort_key in ("JOB", "CHUNK#0000"):
            with contextlib.suppress(Exception):
                dynamodb.delete_item(
                    TableName=table,
                    Key={"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": sort_key}},
                )
    evidence["seconds"] = round(seconds, 1)
    hint = (
        f" (locally, {TIME_SCALE_ENV}=60 for `seawall up` makes each visibility timeout "
        f"{visibility_s / 60:g} s)"
    )
    expect(job is not None, f"the job was not `failed` after {seconds:.0f} s{hint}", evidence)
    expect(
        "gave up after repeated failures" in " ".join(job.get("errors") or []),
        "the job failed, but not for its message's repeated failures",
        evidence,
    )
    expect(moved is not None, f"the message was not in the dead-letter queue{hint}", evidence)
    # The drill's own receive from the dead-letter queue counted once more.
    receives = int(moved["Attributes"]["ApproximateReceiveCount"]) - 1
    evidence["receives before the dead-letter queue"] = receives
    expect(
        receives == max_receives,
        f"received {receives} times before the dead-letter queue, not maxReceiveCount "
        f"{max_receives}",
        evidence,
    )
    return Outcome(
        f"job `failed` and its message in the dead-letter queue after {receives} receives "
        f"in {seconds:.1f} s",
        evidence,
    )


def drill_pitr_restore(target: Any) -> Outcome:
    dynamodb = target.client("dynamodb")
    source = target.output("table_name")
    restored = f"{source}-verify-{uuid.uuid4().hex[:6]}"
    dynamodb.restore_table_to_point_in_time(
        SourceTableName=source, TargetTableName=restored, UseLatestRestorableTime=True
    )
    try:
        dynamodb.get_waiter("table_exists").wait(
            TableName=restored, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
        )
        counts = {name: _count(dynamodb, name) for name in (source, restored)}
    finally:
        with contextlib.suppress(Exception):
            dynamodb.delete_table(TableName=restored)
    evidence = {"restored into": restored, "item counts": counts, "deleted": restored}
    # Writes after the restore point may differ; a restore that lost the table's data would be 0.
    expect(counts[restored] > 0 or counts[source] == 0, "the restored table is empty", evidence)
    return Outcome(
        f"restored {counts[restored]} items (source {counts[source]}), then deleted {restored}",
        evidence,
    )


def _count(dynamodb: Any, table: str) -> int:
    pages = dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT")
    return sum(page["Count"] for page in pages)


def drill_rollback(target: Any) -> Outcome:
    raise CheckSkipped(
        "not drilled by verify yet: `seawall rollback --env E` re-applies the previous release "
        "(a full terraform apply); deploy's own tests and bench/deploy drill it"
    )


DRILLS = (
    Check(
        "drill-throttle",
        "DynamoDB throttled 20 %: writes acknowledged once, retries in metrics",
        drill_throttle,
        timeout_s=180,
        drill=True,
    ),
    Check(
        "drill-latency",
        "latency past the deadline: 503 with Retry-After, never 504",
        drill_latency,
        timeout_s=90,
        drill=True,
    ),
    Check(
        "drill-exception",
        "a forced exception: 5xx with CORS, Errors metric, alarm",
        drill_exception,
        timeout_s=150,
        drill=True,
    ),
    Check(
        "drill-import",
        "a large import through the queue within budget",
        drill_import,
        timeout_s=IMPORT_BUDGET_S + 90,
        drill=True,
    ),
    Check(
        "drill-poison-message",
        "a poison message: the job ends `failed` through the dead-letter queue",
        drill_poison_message,
        timeout_s=POISON_BUDGET_S + 30,
        drill=True,
    ),
    Check(
        "drill-pitr-restore",
        "PITR restore into a new table, counts compared, deleted",
        drill_pitr_restore,
        timeout_s=150,
        drill=True,
    ),
    Check(
        "drill-rollback",
        "roll back to the previous release",
        drill_rollback,
        timeout_s=300,
        drill=True,
    ),
)
