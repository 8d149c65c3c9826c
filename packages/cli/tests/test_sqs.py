"""Queue polling does Lambda's part: partial and whole-batch failures, redrive to the DLQ."""

from __future__ import annotations

import json

import pytest

from seawall.runtime.sqs import SqsMapping, SqsPoller, succeeded_messages

MAPPING = SqsMapping("arn:aws:sqs:us-west-2:123456789012:jobs", "arn:fn", 10, True)
MESSAGES = [{"MessageId": "a"}, {"MessageId": "b"}, {"MessageId": "c"}]


def ids(messages: list[dict]) -> list[str]:
    return [m["MessageId"] for m in messages]


def test_reported_failures_stay_and_the_rest_is_deleted() -> None:
    payload = {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert ids(succeeded_messages(MAPPING, MESSAGES, True, payload)) == ["a", "c"]


@pytest.mark.parametrize("payload", [None, {}, {"batchItemFailures": []}])
def test_no_reported_failures_means_the_whole_batch_succeeded(payload) -> None:
    assert ids(succeeded_messages(MAPPING, MESSAGES, True, payload)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "payload",
    [{"batchItemFailures": [{"wrong": "b"}]}, {"batchItemFailures": [{"itemIdentifier": "zzz"}]}],
)
def test_a_malformed_report_fails_the_whole_batch(payload) -> None:
    assert succeeded_messages(MAPPING, MESSAGES, True, payload) == []


def test_a_failed_invocation_keeps_every_message() -> None:
    assert succeeded_messages(MAPPING, MESSAGES, False, None) == []


def test_without_report_batch_item_failures_a_success_deletes_everything() -> None:
    plain = SqsMapping(MAPPING.queue_arn, "arn:fn", 10, False)
    assert ids(
        succeeded_messages(plain, MESSAGES, True, {"batchItemFailures": [{"itemIdentifier": "a"}]})
    ) == [
        "a",
        "b",
        "c",
    ]


@pytest.mark.emulator
def test_poller_against_the_emulator_redrives_a_failing_message(aws_emulator, make_pool) -> None:
    sqs = aws_emulator.client("sqs")
    dlq = sqs.create_queue(QueueName="poller-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName="poller-jobs",
        Attributes={
            "VisibilityTimeout": "0",  # failed messages come straight back: no waiting in the test
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"}),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for body in ("ok-1", "fail", "ok-2"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    mapping = SqsMapping(queue_arn, "arn:fn", 10, True)
    poller = SqsPoller(mapping, sqs, make_pool("batch"))

    assert poller.poll_once() == 3
    assert poller.poll_once() == 0  # the failed message went past maxReceiveCount: redriven
    moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in moved] == ["fail"]


@pytest.mark.emulator
def test_a_crashing_batch_is_left_on_the_queue(aws_emulator, make_pool) -> None:
    sqs = aws_emulator.client("sqs")
    queue = sqs.create_queue(QueueName="poller-crash", Attributes={"VisibilityTimeout": "0"})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sqs.send_message(QueueUrl=queue, MessageBody="crash")
    poller = SqsPoller(SqsMapping(arn, "arn:fn", 10, True), sqs, make_pool("batch"))
    assert poller.poll_once() == 1
    assert poller.poll_once() == 1  # still there: a failed invocation deletes nothing


@pytest.mark.emulator
@pytest.mark.parametrize(("scale", "back"), [(120.0, True), (1.0, False)])
def test_a_failed_message_comes_back_after_the_scaled_visibility_timeout(
    aws_emulator, make_pool, scale: float, back: bool
) -> None:
    sqs = aws_emulator.client("sqs")
    queue = sqs.create_queue(
        QueueName=f"poller-scaled-{int(scale)}", Attributes={"VisibilityTimeout": "120"}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sqs.send_message(QueueUrl=queue, MessageBody="fail")
    sqs.send_message(QueueUrl=queue, MessageBody="ok")
    mapping = SqsMapping(arn, "arn:fn", 10, True)
    poller = SqsPoller(mapping, sqs, make_pool("batch"), time_scale=scale)

    assert poller.poll_once() == 2
    # 120 s / 120 = 1 s: the failed message is visible again within the 3 s wait; unscaled it
    # would stay hidden for two minutes. The succeeded one was deleted either way.
    again = sqs.receive_message(
        QueueUrl=queue, WaitTimeSeconds=3, AttributeNames=["ApproximateReceiveCount"]
    ).get("Messages", [])
    if back:
        assert [m["Body"] for m in again] == ["fail"]
        assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    else:
        assert again == []
