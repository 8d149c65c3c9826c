"""POST /jobs and GET /jobs/{id}, and the worker fed from moto's SQS queue the way Lambda's event
source mapping feeds it: receive a batch, call the handler, delete what did not fail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from handler_doubles import (
    TABLE,
    Env,
    FakeClock,
    FakeContext,
    Harness,
    api_event,
    body,
    make_harness,
    throttling_response,
)

from seawall_handler.adapter.sqs_jobs import Worker
from seawall_handler.observability import Log


def job_items(count: int, size: int = 10) -> list[dict[str, Any]]:
    return [{"name": f"item {i}", "data": {"i": i, "pad": "x" * size}} for i in range(count)]


def submit(call: Harness, items: list[dict[str, Any]], **headers: str) -> dict:
    return call(api_event("POST", "/jobs", {"type": "import", "items": items}, headers=headers))


def make_worker(aws: Env, clock: FakeClock, lines: list[str] | None = None) -> Worker:
    log = Log("INFO", write=(lines if lines is not None else []).append, clock=clock.time)
    return Worker(aws.settings(), log=log, clock=clock.time, perf=clock.perf, sleep=clock.sleep)


def deliver(aws: Env, worker: Worker, clock: FakeClock, timeout: float = 60.0) -> dict:
    """One poll of the event source mapping: receive, invoke, delete the successes."""
    messages = aws.sqs.receive_message(
        QueueUrl=aws.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:seawall-test-jobs",
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }
    result = worker.handle(event, FakeContext(clock, timeout))
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for m in messages:
        if m["MessageId"] not in failed:
            aws.sqs.delete_message(QueueUrl=aws.queue_url, ReceiptHandle=m["ReceiptHandle"])
    return {"received": len(messages), **result}


def count_items(aws: Env) -> int:
    pages = aws.dynamodb.get_paginator("query").paginate(
        TableName=TABLE,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": {"S": "ITEMS"}},
    )
    return sum(page["Count"] for page in pages)


def job(call: Harness, job_id: str) -> dict:
    response = call(api_event("GET", f"/jobs/{job_id}"))
    assert response["statusCode"] == 200
    return body(response)


def test_submit_answers_202_queued_with_location(call: Harness, aws: Env) -> None:
    response = submit(call, job_items(3))
    assert response["statusCode"] == 202
    created = body(response)
    assert created == {"id": created["id"], "status": "queued"}
    assert response["headers"]["Location"] == f"/local/jobs/{created['id']}"
    status = job(call, created["id"])
    assert (status["status"], status["total"], status["processed"], status["failed"]) == (
        "queued",
        3,
        0,
        0,
    )


def test_the_worker_imports_the_items_and_the_job_succeeds(call: Harness, aws: Env) -> None:
    job_id = body(submit(call, job_items(60)))["id"]
    result = deliver(aws, make_worker(aws, call.clock), call.clock)
    assert result == {"received": 1, "batchItemFailures": []}
    status = job(call, job_id)
    assert (status["status"], status["processed"], status["failed"], status["errors"]) == (
        "succeeded",
        60,
        0,
        [],
    )
    assert count_items(aws) == 60
    listed = body(call(api_event("GET", "/items", query={"limit": "100"})))["items"]
    assert sorted(i["name"] for i in listed) == sorted(f"item {i}" for i in range(60))
    assert {i["data"]["i"] for i in listed} == set(range(60))


def test_large_jobs_go_through_the_claim_check(call: Harness, aws: Env) -> None:
    items = job_items(1000, size=700)  # ~750 KB: far above SQS's 256 KB message limit
    response = submit(call, items)
    assert response["statusCode"] == 202
    message = aws.sqs.receive_message(QueueUrl=aws.queue_url, VisibilityTimeout=0)["Messages"][0]
    assert len(message["Body"]) < 200
    claim = json.loads(message["Body"])
    assert claim["job_id"] == body(response)["id"]
    assert claim["chunks"] >= 3
    deliver(aws, make_worker(aws, call.clock), call.clock)
    assert job(call, claim["job_id"])["processed"] == 1000
    assert count_items(aws) == 1000


def test_a_redelivered_message_never_imports_twice(call: Harness, aws: Env) -> None:
    job_id = body(submit(call, job_items(30)))["id"]
    message = aws.sqs.receive_message(QueueUrl=aws.queue_url, AttributeNames=["All"])["Messages"][0]
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=message["Body"])  # a duplicate
    worker = make_worker(aws, call.clock)
    deliver(aws, worker, call.clock)
    deliver(aws, worker, call.clock)
    status = job(call, job_id)
    assert (status["status"], status["processed"]) == ("succeeded", 30)
    assert count_items(aws) == 30


def test_only_unprocessed_items_are_retried(call: Harness, aws: Env) -> None:
    """moto always processes a whole BatchWriteItem, so two hooks play DynamoDB under load for
    the first call: 10 of its 25 requests are held back and returned as UnprocessedItems."""
    job_id = body(submit(call, job_items(25)))["id"]
    worker = make_worker(aws, call.clock)
    sent: list[int] = []
    held: list[Any] = []

    def hold_back(params, **_):
        requests = params["RequestItems"][TABLE]
        sent.append(len(requests))
        if len(sent) == 1:
            held.extend(requests[15:])
            del requests[15:]

    def report_unprocessed(parsed, **_):
        if held:
            parsed["UnprocessedItems"] = {TABLE: list(held)}
            held.clear()

    events = worker.clients.client("dynamodb").meta.events
    events.register_first("before-parameter-build.dynamodb.BatchWriteItem", hold_back)
    events.register_first("after-call.dynamodb.BatchWriteItem", report_unprocessed)
    deliver(aws, worker, call.clock)
    assert sent == [25, 10]
    assert call.clock.slept
    assert call.clock.slept[0] > 0
    assert job(call, job_id)["status"] == "succeeded"
    assert count_items(aws) == 25


def test_partial_batch_failure_reports_only_the_failing_message(call: Harness, aws: Env) -> None:
    good = body(submit(call, job_items(2)))["id"]
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody="not json")
    aws.sqs.send_message(
        QueueUrl=aws.queue_url,
        MessageBody=json.dumps({"job_id": "00000000-0000-4000-8000-00000000dead", "chunks": 1}),
    )
    result = deliver(aws, make_worker(aws, call.clock), call.clock)
    assert result["received"] == 3
    assert len(result["batchItemFailures"]) == 2
    assert job(call, good)["status"] == "succeeded"
    left = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"][:3] for m in left) == ["not", '{"j']


def test_a_message_that_keeps_failing_ends_in_the_dlq_and_the_job_fails(
    call: Harness, aws: Env
) -> None:
    job_id = body(submit(call, job_items(5)))["id"]
    lines: list[str] = []
    worker = make_worker(aws, call.clock, lines)

    def always_throttled(request, **_):
        target = request.headers.get("X-Amz-Target", b"")
        if b"BatchWriteItem" in (target if isinstance(target, bytes) else target.encode()):
            return throttling_response(request.url)
        return None

    worker.clients.event_hooks.append(("before-send.dynamodb", always_throttled))
    for _ in range(3):  # the queue's maxReceiveCount
        assert len(deliver(aws, worker, call.clock)["batchItemFailures"]) == 1
    # The fourth receive finds it gone: SQS moved it to the dead-letter queue.
    assert deliver(aws, worker, call.clock)["received"] == 0
    dead = aws.sqs.receive_message(QueueUrl=aws.dlq_url)["Messages"]
    assert json.loads(dead[0]["Body"])["job_id"] == job_id
    status = job(call, job_id)
    assert (status["status"], status["processed"], status["failed"]) == ("failed", 0, 5)
    assert "gave up" in status["errors"][0]
    batches = [json.loads(line) for line in lines if '"message":"batch"' in line]
    assert [b["JobsFailed"] for b in batches] == [0, 0, 1, 0]
    assert sum(b["Throttles"] for b in batches) > 0


def test_a_job_whose_items_expired_fails_once_and_its_message_is_deleted(
    call: Harness, aws: Env
) -> None:
    job_id = body(submit(call, job_items(5)))["id"]
    # The claim check's chunk is gone (its TTL passed before the worker got to it).
    aws.dynamodb.delete_item(
        TableName=TABLE, Key={"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": "CHUNK#0000"}}
    )
    lines: list[str] = []
    first = deliver(aws, make_worker(aws, call.clock, lines), call.clock)
    # Final: not handed back to SQS, so there is no second delivery and nothing in the DLQ.
    assert (first["received"], first["batchItemFailures"]) == (1, [])
    assert deliver(aws, make_worker(aws, call.clock), call.clock)["received"] == 0
    assert "Messages" not in aws.sqs.receive_message(QueueUrl=aws.dlq_url)
    status = job(call, job_id)
    assert (status["status"], status["failed"]) == ("failed", 5)
    assert "missing or expired" in status["errors"][0]
    batches = [json.loads(line) for line in lines if '"message":"batch"' in line]
    assert [(b["JobsFailed"], b["MessagesRetried"]) for b in batches] == [(1, 0)]


def test_a_retried_message_resumes_after_the_last_finished_chunk(call: Harness, aws: Env) -> None:
    job_id = body(submit(call, job_items(900, size=700)))["id"]
    worker = make_worker(aws, call.clock)
    writes = {"n": 0}

    def fail_after_two_chunks(request, **_):
        target = request.headers.get("X-Amz-Target", b"")
        if b"BatchWriteItem" in (target if isinstance(target, bytes) else target.encode()):
            writes["n"] += 1
            if 18 < writes["n"] <= 30:
                return throttling_response(request.url)
        return None

    worker.clients.event_hooks.append(("before-send.dynamodb", fail_after_two_chunks))
    first = deliver(aws, worker, call.clock)
    assert len(first["batchItemFailures"]) == 1
    partial = job(call, job_id)
    assert partial["status"] == "running"
    assert 0 < partial["processed"] < 900
    second = deliver(aws, worker, call.clock)
    assert second["batchItemFailures"] == []
    assert job(call, job_id)["processed"] == 900
    assert count_items(aws) == 900


def test_job_validation(call: Harness) -> None:
    cases = [
        ({"type": "export", "items": job_items(1)}, "type"),
        ({"type": "import", "items": []}, "items"),
        ({"type": "import", "items": job_items(1001)}, "items"),
        ({"type": "import", "items": [{"name": "ok", "data": {}}, {"name": ""}]}, "items[1].name"),
        ({"type": "import", "items": job_items(1), "extra": True}, "extra"),
    ]
    for payload, field in cases:
        response = call(api_event("POST", "/jobs", payload))
        assert response["statusCode"] == 400, payload
        assert field in [e["field"] for e in body(response)["errors"]]


def test_unknown_jobs_are_404(call: Harness) -> None:
    for job_id in ("00000000-0000-4000-8000-000000000000", "nope"):
        assert call(api_event("GET", f"/jobs/{job_id}"))["statusCode"] == 404


def test_job_submission_is_idempotent(call: Harness, aws: Env) -> None:
    first = submit(call, job_items(2), **{"Idempotency-Key": "job-1"})
    second = submit(call, job_items(2), **{"Idempotency-Key": "job-1"})
    assert body(first) == body(second)
    assert second["headers"]["Idempotent-Replayed"] == "true"
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)
    assert len(messages["Messages"]) == 1


def test_a_queue_outage_answers_503_and_a_resubmission_queues_the_job(aws: Env) -> None:
    """moto's SQS never fails, so a hook makes it throttle for the first attempt at submitting."""
    call = make_harness(aws)
    outage = {"on": True}
    sqs = call.api.clients.client("sqs")
    sqs.meta.events.register_first(
        "before-send.sqs",
        lambda request, **_: throttling_response(request.url) if outage["on"] else None,
    )
    key = {"Idempotency-Key": "import-1"}
    response = submit(call, job_items(2), **key)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"]
    jobs = aws.dynamodb.scan(
        TableName=TABLE,
        FilterExpression="sk = :job",
        ExpressionAttributeValues={":job": {"S": "JOB"}},
    )["Items"]
    assert [j["status"]["S"] for j in jobs] == ["failed"]
    assert "could not be queued" in jobs[0]["errors"]["L"][0]["S"]
    outage["on"] = False
    retried = submit(call, job_items(2), **key)
    assert retried["statusCode"] == 202
    assert body(retried)["id"] == jobs[0]["pk"]["S"].removeprefix("JOB#")
    assert job(call, body(retried)["id"])["status"] == "queued"


@pytest.mark.parametrize("size", [64 * 1024])
def test_a_job_item_larger_than_an_item_body_is_refused(call: Harness, size: int) -> None:
    response = submit(call, [{"name": "big", "data": {"blob": "x" * size}}])
    assert response["statusCode"] == 400
    assert body(response)["errors"][0]["field"] == "items[0]"


def test_a_job_body_over_1_mib_is_413(call: Harness) -> None:
    items = job_items(1000, size=1100)  # ~1.2 MB of JSON
    response = submit(call, items)
    assert response["statusCode"] == 413
    assert body(response)["limit_bytes"] == 1024 * 1024


def test_injected_throttling_in_the_worker_retries_the_message(call: Harness, aws: Env) -> None:
    job_id = body(submit(call, job_items(3)))["id"]
    faulty = Worker(
        aws.settings(SEAWALL_FAULT_INJECTION='{"mode": "throttle", "functions": ["worker"]}'),
        log=Log("INFO", write=lambda _: None),
        clock=call.clock.time,
        perf=call.clock.perf,
        sleep=call.clock.sleep,
    )
    assert len(deliver(aws, faulty, call.clock)["batchItemFailures"]) == 1
    assert job(call, job_id)["status"] in ("queued", "running")
    assert deliver(aws, make_worker(aws, call.clock), call.clock)["batchItemFailures"] == []
    assert job(call, job_id)["status"] == "succeeded"


def test_an_injected_exception_fails_the_whole_batch(call: Harness, aws: Env) -> None:
    from seawall_handler.faults.plan import InjectedFault

    submit(call, job_items(1))
    faulty = Worker(
        aws.settings(SEAWALL_FAULT_INJECTION='{"mode": "exception"}'),
        log=Log("INFO", write=lambda _: None),
    )
    with pytest.raises(InjectedFault):
        deliver(aws, faulty, call.clock)
