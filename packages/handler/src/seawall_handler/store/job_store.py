"""Persistence of jobs and their payload chunks (the claim check), in the one table.

    job     pk=JOB#<id>  sk=JOB          status, type, total, processed, failed, chunks,
                                         chunks_done, errors (list), created_at, updated_at,
                                         expires_at (TTL, 30 days)
    chunk   pk=JOB#<id>  sk=CHUNK#<nnnn> payload (JSON text of up to ~300 KB of items),
                                         expires_at (TTL, 7 days)

The SQS message carries only `{"job_id": ..., "chunks": n}`: the items stay in the table, so a
job of any allowed size fits SQS's 256 KB message limit.
"""

from __future__ import annotations

import json
from typing import Any

from seawall_handler.domain.jobs import JobConflict
from seawall_handler.domain.models import Job
from seawall_handler.errors import Unavailable
from seawall_handler.store.aws_calls import Calls, condition_failed


def job_key(job_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": "JOB"}}


def chunk_key(job_id: str, index: int) -> dict[str, Any]:
    return {"pk": {"S": f"JOB#{job_id}"}, "sk": {"S": f"CHUNK#{index:04d}"}}


def job_from_record(record: dict[str, Any]) -> Job:
    return Job(
        id=record["pk"]["S"].removeprefix("JOB#"),
        type=record["type"]["S"],
        status=record["status"]["S"],
        total=int(record["total"]["N"]),
        processed=int(record["processed"]["N"]),
        failed=int(record["failed"]["N"]),
        chunks=int(record["chunks"]["N"]),
        chunks_done=int(record["chunks_done"]["N"]),
        errors=tuple(e["S"] for e in record.get("errors", {}).get("L", [])),
        created_at=record["created_at"]["S"],
        updated_at=record["updated_at"]["S"],
    )


class DynamoJobStore:
    def __init__(self, calls: Calls, table: str) -> None:
        self._calls = calls
        self._table = table

    def put_chunks(self, job_id: str, chunks: list[str], expires_at: int) -> None:
        records = [
            {**chunk_key(job_id, i), "payload": {"S": text}, "expires_at": {"N": str(expires_at)}}
            for i, text in enumerate(chunks)
        ]
        result = self._calls.batch_write(self._table, records)
        if not result.complete:
            raise Unavailable("the job's items could not be stored in time")

    def put_queued(self, job: Job, expires_at: int) -> None:
        """Store a new queued job. An earlier attempt of the same request that stopped before
        the job ran (still queued, or failed to queue) is replaced; one that ran is kept."""
        record = {
            **job_key(job.id),
            "type": {"S": job.type},
            "status": {"S": "queued"},
            "total": {"N": str(job.total)},
            "processed": {"N": "0"},
            "failed": {"N": "0"},
            "chunks": {"N": str(job.chunks)},
            "chunks_done": {"N": "0"},
            "errors": {"L": []},
            "created_at": {"S": job.created_at},
            "updated_at": {"S": job.updated_at},
            "expires_at": {"N": str(expires_at)},
        }
        try:
            self._calls.call(
                "dynamodb",
                "put_item",
                TableName=self._table,
                Item=record,
                ConditionExpression=(
                    "attribute_not_exists(pk) OR #s = :queued"
                    " OR (#s = :failed AND chunks_done = :zero)"
                ),
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":queued": {"S": "queued"},
                    ":failed": {"S": "failed"},
                    ":zero": {"N": "0"},
                },
            )
        except Exception as exc:
            if not condition_failed(exc):
                raise
            # Already past queued: an earlier attempt of this request got further. Keep it.

    def get(self, job_id: str) -> Job | None:
        response = self._calls.call(
            "dynamodb", "get_item", TableName=self._table, Key=job_key(job_id), ConsistentRead=True
        )
        return job_from_record(response["Item"]) if "Item" in response else None

    def chunk(self, job_id: str, index: int) -> list[dict[str, Any]] | None:
        response = self._calls.call(
            "dynamodb",
            "get_item",
            TableName=self._table,
            Key=chunk_key(job_id, index),
            ConsistentRead=True,
        )
        if "Item" not in response:
            return None
        items: list[dict[str, Any]] = json.loads(response["Item"]["payload"]["S"])
        return items

    def start(self, job_id: str, now: str) -> None:
        self._update(
            job_id,
            "SET #s = :running, updated_at = :now",
            "#s IN (:queued, :running)",
            {":running": {"S": "running"}, ":queued": {"S": "queued"}, ":now": {"S": now}},
        )

    def chunk_done(self, job_id: str, index: int, written: int, now: str) -> None:
        """Record chunk `index` as written; conditional, so two workers cannot count it twice."""
        self._update(
            job_id,
            "SET chunks_done = :next, updated_at = :now ADD #p :n",
            "chunks_done = :index AND #s = :running",
            {
                ":next": {"N": str(index + 1)},
                ":index": {"N": str(index)},
                ":n": {"N": str(written)},
                ":now": {"S": now},
                ":running": {"S": "running"},
            },
        )

    def finish(
        self, job_id: str, status: str, now: str, failed: int = 0, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {
            ":status": {"S": status},
            ":now": {"S": now},
            ":failed": {"N": str(failed)},
            ":queued": {"S": "queued"},
            ":running": {"S": "running"},
        }
        update = "SET #s = :status, updated_at = :now, failed = :failed"
        if error is not None:
            values[":error"] = {"L": [{"S": error[:500]}]}
            update += ", errors = list_append(errors, :error)"
        self._update(job_id, update, "#s IN (:queued, :running)", values)

    def _update(self, job_id: str, update: str, condition: str, values: dict[str, Any]) -> None:
        try:
            self._calls.call(
                "dynamodb",
                "update_item",
                TableName=self._table,
                Key=job_key(job_id),
                UpdateExpression=update,
                ConditionExpression=f"attribute_exists(pk) AND {condition}",
                # Only the names used: DynamoDB refuses unused ones. STATUS and PROCESSED are
                # reserved words.
                ExpressionAttributeNames={
                    alias: name
                    for alias, name in (("#s", "status"), ("#p", "processed"))
                    if alias in update or alias in condition
                },
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if condition_failed(exc):
                raise JobConflict(f"job {job_id} is not in the expected state") from exc
            raise


class SqsQueue:
    """The jobs queue (SEAWALL_JOBS_QUEUE_URL); a send goes through the same retry policy."""

    def __init__(self, calls: Calls, url: str) -> None:
        self._calls = calls
        self._url = url

    def send(self, message: dict[str, Any]) -> None:
        if not self._url:
            raise RuntimeError("SEAWALL_JOBS_QUEUE_URL is not set")
        self._calls.call("sqs", "send_message", QueueUrl=self._url, MessageBody=json.dumps(message))
