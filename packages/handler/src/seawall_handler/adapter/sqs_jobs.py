"""The jobs worker's adapter between SQS and the jobs domain; the Lambda entry point
`seawall_handler.worker.handler` calls `Worker.handle`.

Each message is `{"job_id": ..., "chunks": n}` (the items wait in the table: claim check). The
answer lists the messages to retry as `batchItemFailures` (the event source mapping reports batch
item failures), so one bad message never makes SQS redeliver the good ones. A message that fails
on its last receive (the queue's `maxReceiveCount`, read from its redrive policy) marks its job
`failed` before SQS moves it to the dead-letter queue. A job the domain itself marks `failed` (its
items are missing or expired) is final: its message is deleted, not redelivered.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

from seawall_handler.adapter.function import Function
from seawall_handler.config import Settings
from seawall_handler.deadline import seconds_left
from seawall_handler.domain.jobs import JobMissing, Jobs
from seawall_handler.errors import Unavailable
from seawall_handler.store.aws_calls import WORKER_TIMEOUTS, Calls
from seawall_handler.wiring import Services

#: Seconds kept back from the import work to mark a job failed on its message's last receive.
BOOKKEEPING_RESERVE = 3.0

# The batch line's metrics (name, unit) and other fields, in the order `handle` writes them.
_METRICS = (
    ("JobsSucceeded", "Count"),
    ("JobsFailed", "Count"),
    ("MessagesRetried", "Count"),
    ("Retries", "Count"),
    ("Throttles", "Count"),
    ("DeadlineHits", "Count"),
    ("Latency", "Milliseconds"),
)
_FIELDS = ("request_id", "messages", "skipped", "cold_start", "fault")


class Worker(Function):
    NAME = "worker"
    TIMEOUTS = WORKER_TIMEOUTS
    LINE = ("batch", _METRICS, _FIELDS)

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self._max_receive: int | None = None

    def handle(self, event: object, context: object) -> dict[str, Any]:
        started = self.perf()
        cold, self._cold = self._cold, False
        left = seconds_left(context, started, self.perf)
        work = Calls(self.clients, lambda: left() - BOOKKEEPING_RESERVE)
        bookkeeping = Calls(self.clients, left)
        records = event.get("Records") if isinstance(event, dict) else None
        records = records if isinstance(records, list) else []
        outcomes = {"succeeded": 0, "failed": 0, "skipped": 0, "retry": 0, "dead_letter": 0}
        fault = self.faults.pick()
        failures: list[dict[str, str]] = []
        try:
            if fault and fault.spec.mode != "status_code":
                fault.before(work.seconds_left, self.sleep)
            for record in records:
                outcome = self._process(record, work, bookkeeping)
                outcomes[outcome] += 1
                # A final `failed` is done with; only these two need SQS to keep the message.
                if outcome in ("retry", "dead_letter"):
                    message_id = record.get("messageId") if isinstance(record, dict) else None
                    if isinstance(message_id, str):
                        failures.append({"itemIdentifier": message_id})
        finally:
            if fault:
                fault.after()
            stats = [work.stats, bookkeeping.stats]
            self._line.write(
                "ERROR" if outcomes["failed"] or outcomes["dead_letter"] else "INFO",
                outcomes["succeeded"],
                outcomes["failed"] + outcomes["dead_letter"],
                outcomes["retry"],
                sum(s.retries for s in stats),
                sum(s.throttles for s in stats),
                sum(s.deadline_hits for s in stats),
                round((self.perf() - started) * 1000, 3),
                str(getattr(context, "aws_request_id", "")),
                len(records),
                outcomes["skipped"],
                cold,
                fault.mode if fault else None,
            )
        return {"batchItemFailures": failures}

    def _process(self, record: object, work: Calls, bookkeeping: Calls) -> str:
        job_id = _job_id(record)
        if job_id is None:
            self.log.line("WARNING", "unreadable message: left for the dead-letter queue")
            return "retry"
        jobs = self._jobs(work)
        try:
            return jobs.run(job_id)
        except (Unavailable, JobMissing) as exc:
            reason = str(exc)
        except Exception as exc:
            reason = f"unexpected error: {type(exc).__name__}"
            self.log.line(
                "ERROR", "job failed unexpectedly", job_id=job_id, traceback=traceback.format_exc()
            )
        if _receive_count(record) < self._max_receives(bookkeeping):
            self.log.line("INFO", "job will be retried", job_id=job_id, reason=reason[:300])
            return "retry"
        try:
            self._jobs(bookkeeping).fail(job_id, f"gave up after repeated failures: {reason}")
        except Exception:
            self.log.line(
                "ERROR",
                "could not mark the job failed",
                job_id=job_id,
                traceback=traceback.format_exc(),
            )
        return "dead_letter"  # reported as a failure once more: SQS moves it to the DLQ

    def _jobs(self, calls: Calls) -> Jobs:
        return Services(self.settings, calls, self.clock).jobs()

    def _max_receives(self, calls: Calls) -> int:
        """The queue's maxReceiveCount (once per process); without a redrive policy, never."""
        if self._max_receive is None:
            try:
                attributes = calls.call(
                    "sqs",
                    "get_queue_attributes",
                    QueueUrl=self.settings.jobs_queue_url,
                    AttributeNames=["RedrivePolicy"],
                )["Attributes"]
                policy = json.loads(attributes.get("RedrivePolicy", "{}"))
                self._max_receive = int(policy.get("maxReceiveCount", 2**31))
            except Exception as exc:
                self.log.line(
                    "WARNING", "cannot read the queue's redrive policy", error=type(exc).__name__
                )
                return 2**31  # unknown this time: retry, and ask again next time
        return self._max_receive


def _job_id(record: object) -> str | None:
    try:
        job_id = json.loads(record["body"])["job_id"]  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    return job_id if isinstance(job_id, str) and len(job_id) <= 64 else None


def _receive_count(record: object) -> int:
    try:
        return int(record["attributes"]["ApproximateReceiveCount"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return 1
