"""SQS event-source mappings, polled the way Lambda polls them.

The emulator would try to run the function itself (in Docker) for an enabled mapping, so the
local stack creates its mappings disabled and this poller does Lambda's part: it reads each mapping
(queue, batch size, response types) from the emulator, receives batches, invokes the function with
an SQS event, and deletes what succeeded. With ReportBatchItemFailures only the reported items stay
on the queue; a failed invocation leaves the whole batch. Messages that stay come back after the
visibility timeout, and the queue's redrive policy moves them to the dead-letter queue, as on AWS.
With a time scale N (SEAWALL_LOCAL_TIME_SCALE) a message that stays comes back after the queue's
visibility timeout / N: the poller shortens it with ChangeMessageVisibility, so a poison message
reaches the dead-letter queue in seconds rather than maxReceiveCount x 6 minutes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from seawall.runtime.pool import FunctionPool

POLL_WAIT_SECONDS = 1  # long polling, short enough to stop promptly


@dataclass(frozen=True)
class SqsMapping:
    queue_arn: str
    function_arn: str
    batch_size: int
    report_item_failures: bool

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[1]

    @property
    def region(self) -> str:
        return self.queue_arn.split(":")[3]


def load_sqs_mappings(lambda_client: Any) -> list[SqsMapping]:
    mappings = []
    paginator = lambda_client.get_paginator("list_event_source_mappings")
    for page in paginator.paginate():
        for item in page.get("EventSourceMappings", []):
            source = item.get("EventSourceArn", "")
            if not source.startswith("arn:aws:sqs:"):
                continue
            mappings.append(
                SqsMapping(
                    queue_arn=source,
                    function_arn=item["FunctionArn"],
                    batch_size=int(item.get("BatchSize") or 10),
                    report_item_failures="ReportBatchItemFailures"
                    in (item.get("FunctionResponseTypes") or []),
                )
            )
    return mappings


def sqs_event(mapping: SqsMapping, messages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": message.get("MessageAttributes", {}),
                "md5OfBody": message.get("MD5OfBody")
                or hashlib.md5(message["Body"].encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": mapping.queue_arn,
                "awsRegion": mapping.region,
            }
            for message in messages
        ]
    }


def succeeded_messages(
    mapping: SqsMapping, messages: list[dict[str, Any]], ok: bool, payload: Any
) -> list[dict[str, Any]]:
    """The messages Lambda would delete after this invocation."""
    if not ok:
        return []
    if not mapping.report_item_failures:
        return messages
    failures = (payload or {}).get("batchItemFailures") if isinstance(payload, dict) else None
    if failures is None:
        return messages  # an empty or missing list means the whole batch succeeded
    try:
        failed = {item["itemIdentifier"] for item in failures}
    except (TypeError, KeyError):
        return []  # a malformed report fails the whole batch, as on AWS
    if not failed <= {message["MessageId"] for message in messages}:
        return []  # identifiers that are not in the batch: Lambda treats it as a total failure
    return [message for message in messages if message["MessageId"] not in failed]


class SqsPoller:
    """One mapping's polling loop, on its own thread."""

    def __init__(
        self, mapping: SqsMapping, sqs: Any, pool: FunctionPool, time_scale: float = 1.0
    ) -> None:
        self.mapping = mapping
        self._sqs = sqs
        self._pool = pool
        self._time_scale = time_scale
        self._stop = threading.Event()
        self._queue_url = sqs.get_queue_url(QueueName=mapping.queue_name)["QueueUrl"]
        self._thread = threading.Thread(
            target=self._run, name=f"sqs-{mapping.queue_name}", daemon=True
        )

    def start(self) -> SqsPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=POLL_WAIT_SECONDS + 5)

    def poll_once(self) -> int:
        """Receive one batch and hand it to the function; returns how many messages came."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=min(self.mapping.batch_size, 10),
            WaitTimeSeconds=POLL_WAIT_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        invocation = self._pool.invoke(sqs_event(self.mapping, messages))
        done = succeeded_messages(self.mapping, messages, invocation.ok, invocation.payload)
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done[start : start + 10])
                ],
            )
        deleted = {message["MessageId"] for message in done}
        self._redeliver_sooner([m for m in messages if m["MessageId"] not in deleted])
        return len(messages)

    def _redeliver_sooner(self, kept: list[dict[str, Any]]) -> None:
        """Make the messages that stay visible again after visibility timeout / time scale."""
        if not kept or self._time_scale == 1.0:
            return
        timeout = int(
            self._sqs.get_queue_attributes(
                QueueUrl=self._queue_url, AttributeNames=["VisibilityTimeout"]
            )["Attributes"]["VisibilityTimeout"]
        )
        scaled = round(timeout / self._time_scale)  # the API takes whole seconds
        for start in range(0, len(kept), 10):
            self._sqs.change_message_visibility_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {
                        "Id": str(index),
                        "ReceiptHandle": message["ReceiptHandle"],
                        "VisibilityTimeout": scaled,
                    }
                    for index, message in enumerate(kept[start : start + 10])
                ],
            )

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # the emulator going away must not kill the runtime
                self._stop.wait(1.0)
