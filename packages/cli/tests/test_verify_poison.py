"""drill-poison-message against an emulated stack (tests/verify_stack.py: real moto queues): the
sides that need no worker. That a poison message ends its job `failed` through the dead-letter
queue is shown on the local stack, whose runtime runs the real worker (tests/verify)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from verify_stack import EmulatedStack

from seawall.verify.drills import drill_poison_message
from seawall.verify.model import CheckFailed, CheckSkipped

pytestmark = pytest.mark.emulator


@pytest.fixture
def stack(aws_emulator) -> Iterator[EmulatedStack]:
    emulated = EmulatedStack(aws_emulator.connection).create().serve()
    yield emulated
    emulated.stop()


def _redrive(stack: EmulatedStack, max_receives: int) -> None:
    sqs = stack.client("sqs")
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=stack.outputs["dead_letter_queue_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
    sqs.set_queue_attributes(
        QueueUrl=stack.outputs["jobs_queue_url"], Attributes={"RedrivePolicy": json.dumps(policy)}
    )


def test_a_jobs_queue_without_a_redrive_policy_fails_and_sends_nothing(
    stack: EmulatedStack,
) -> None:
    with pytest.raises(CheckFailed, match="no redrive policy: retried forever"):
        drill_poison_message(stack.target())
    sqs = stack.client("sqs")
    sent = sqs.get_queue_attributes(
        QueueUrl=stack.outputs["jobs_queue_url"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert sent == "0"
    assert stack.client("dynamodb").scan(TableName=stack.outputs["table_name"])["Items"] == []


def test_on_aws_a_drill_longer_than_its_budget_is_skipped_with_the_reason(
    stack: EmulatedStack,
) -> None:
    _redrive(stack, 5)  # 5 receives x the queue's 360 s visibility timeout: half an hour
    stack.outputs["environment"] = "dev"
    with pytest.raises(CheckSkipped, match="5 x 360 s"):
        drill_poison_message(stack.target())
