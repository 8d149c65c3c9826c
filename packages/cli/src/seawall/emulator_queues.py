"""What the emulator's SQS holds per queue, as AWS/SQS's metrics describe it, read inside the
emulator's process (`GET /_seawall/sqs-queues`, see `emulator_server`).

On AWS, SQS publishes each queue's gauges to CloudWatch every minute. Two of them are not in any
API the emulator serves: `ApproximateAgeOfOldestMessage` exists only as a metric, and
GetQueueAttributes cannot tell it (a ReceiveMessage would, but it changes the message: its receive
count, and with it the redrive to the dead-letter queue). So the emulator's process reads its own
SQS models here, under each queue's lock, and the local runtime turns the answer into metrics.

The answer holds only what the SQS API already shows to anyone who can reach the emulator
(names and counts) plus the ages, so it needs no token.
"""

from __future__ import annotations

import time
from typing import Any


def queue_stats(now_ms: float | None = None) -> list[dict[str, Any]]:
    """One entry per queue of every account and region: name, account, region, visible,
    not_visible, delayed (counts) and oldest_age_s (None for an empty queue)."""
    from moto.sqs.models import sqs_backends  # noqa: PLC0415 - moto imports slowly

    now_ms = time.time() * 1000 if now_ms is None else now_ms
    stats = []
    for account, regions in list(sqs_backends.items()):
        for region, backend in list(regions.items()):
            for queue in list(backend.queues.values()):
                with queue._messages_lock:  # moto's own lock on its message list
                    messages = list(queue._messages)
                sent = [m.sent_timestamp for m in messages if m.sent_timestamp is not None]
                delayed = sum(1 for m in messages if m.delayed)
                not_visible = sum(1 for m in messages if not m.visible)
                stats.append(
                    {
                        "name": queue.name,
                        "account": account,
                        "region": region,
                        # moto's ApproximateNumberOfMessages: visible and not delayed.
                        "visible": queue.approximate_number_of_messages,
                        "not_visible": not_visible,
                        "delayed": delayed,
                        "oldest_age_s": max(0.0, (now_ms - min(sent)) / 1000) if sent else None,
                    }
                )
    return stats
