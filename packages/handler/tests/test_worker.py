"""The jobs worker, called with real-shaped SQS batches."""

from __future__ import annotations

import json

from handler_doubles import Env

from seawall_handler.adapter.sqs_jobs import Worker


def sqs_record(message_id: str, body: str, receive_count: int = 1) -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1700000000001",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:seawall-test-jobs",
        "awsRegion": "us-east-1",
    }


def test_unreadable_messages_are_reported_as_batch_item_failures(aws: Env) -> None:
    worker = Worker(aws.settings(), log=None)
    event = {"Records": [sqs_record("m1", "not json"), sqs_record("m2", json.dumps({"x": 1}))]}
    result = worker.handle(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
