"""The jobs domain: submit an import (claim check + queue message), read it, run it.

Running is safe to repeat: every imported item's id is derived from (job id, chunk, position), so
a chunk written twice writes the same records; progress is recorded per chunk with a conditional
update, so a redelivered message resumes after the last finished chunk and two workers holding
the same message cannot count twice; a finished job is never run again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from seawall_handler.domain.items import is_item_id, timestamp
from seawall_handler.domain.models import Item, Job
from seawall_handler.domain.validation import JobInput
from seawall_handler.errors import NotFound, Unavailable

#: Payload per chunk record; with items of at most 64 KiB a chunk stays below DynamoDB's 400 KB.
CHUNK_BYTES = 300_000


#: How long the table keeps a job record and its chunks (the DynamoDB TTL attribute).
JOB_TTL = 30 * 24 * 3600
CHUNK_TTL = 7 * 24 * 3600


class JobConflict(Exception):
    """A conditional job update lost: the job is not in the state the update expected."""


class JobStore(Protocol):
    def put_chunks(self, job_id: str, chunks: list[str], expires_at: int) -> None: ...
    def put_queued(self, job: Job, expires_at: int) -> None: ...
    def get(self, job_id: str) -> Job | None: ...
    def chunk(self, job_id: str, index: int) -> list[dict[str, Any]] | None: ...
    def start(self, job_id: str, now: str) -> None: ...
    def chunk_done(self, job_id: str, index: int, written: int, now: str) -> None: ...
    def finish(
        self, job_id: str, status: str, now: str, failed: int = 0, error: str | None = None
    ) -> None: ...


class JobQueue(Protocol):
    def send(self, message: dict[str, Any]) -> None: ...


class JobMissing(Exception):
    """The message names a job that does not exist (yet)."""


def pack(items: tuple[Any, ...]) -> list[str]:
    """The items as JSON arrays of at most CHUNK_BYTES each (an item never spans two)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for item in items:
        text = json.dumps({"name": item.name, "data": item.data}, ensure_ascii=False)
        length = len(text.encode("utf-8"))
        if current and size + length + 1 > CHUNK_BYTES:
            chunks.append(f"[{','.join(current)}]")
            current, size = [], 0
        current.append(text)
        size += length + 1
    if current:
        chunks.append(f"[{','.join(current)}]")
    return chunks


def imported_item_id(job_id: str, chunk: int, position: int) -> str:
    digest = hashlib.sha256(f"{job_id}:{chunk}:{position}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


class Jobs:
    def __init__(
        self,
        store: JobStore,
        queue: JobQueue | None = None,
        clock: Callable[[], float] = time.time,
        write_items: Callable[[list[Item]], None] | None = None,
    ) -> None:
        self._store = store
        self._queue = queue
        self._clock = clock
        self._write_items = write_items

    def submit(self, job: JobInput, job_id: str) -> Job:
        """Store the items (claim check), then the job, then queue a reference to it."""
        assert self._queue is not None
        now_epoch = self._clock()
        now = timestamp(now_epoch)
        chunks = pack(job.items)
        self._store.put_chunks(job_id, chunks, int(now_epoch) + CHUNK_TTL)
        record = Job(job_id, job.type, "queued", len(job.items), 0, 0, len(chunks), 0, (), now, now)
        self._store.put_queued(record, int(now_epoch) + JOB_TTL)
        try:
            self._queue.send({"job_id": job_id, "chunks": len(chunks)})
        except Unavailable:
            # Best effort: the 503 that follows tells the client what happened anyway.
            with contextlib.suppress(JobConflict, Unavailable):
                error = "the job could not be queued; submit it again"
                self._store.finish(job_id, "failed", now, len(job.items), error)
            raise
        return record

    def get(self, job_id: str) -> Job:
        job = self._store.get(job_id) if is_item_id(job_id) else None
        if job is None:
            raise NotFound(f"no job with id {job_id!r}")
        return job

    def run(self, job_id: str) -> str:
        """Import the job's items; the outcome: `succeeded`, `failed` or `skipped`.

        Raises `Unavailable` when it must stop early (deadline, throttling): progress so far is
        kept and the message should be retried. Raises `JobMissing` for an unknown job.
        """
        assert self._write_items is not None
        job = self._store.get(job_id)
        if job is None:
            raise JobMissing(f"no job {job_id}")
        if job.status in ("succeeded", "failed"):
            return "skipped"
        try:
            self._store.start(job_id, self._now())
            for index in range(job.chunks_done, job.chunks):
                payload = self._store.chunk(job_id, index)
                if payload is None:
                    self.fail(job_id, f"the job's items (chunk {index}) are missing or expired")
                    return "failed"
                self._write_items(
                    [
                        Item(
                            imported_item_id(job_id, index, n),
                            entry["name"],
                            entry["data"],
                            1,
                            job.created_at,
                            job.created_at,
                        )
                        for n, entry in enumerate(payload)
                    ]
                )
                self._store.chunk_done(job_id, index, len(payload), self._now())
            self._store.finish(job_id, "succeeded", self._now())
        except JobConflict:
            return "skipped"  # another delivery of this message is ahead of us, or finished it
        return "succeeded"

    def fail(self, job_id: str, error: str) -> None:
        """Mark the job failed: what was not imported counts as failed."""
        job = self._store.get(job_id)
        if job is None or job.status in ("succeeded", "failed"):
            return
        with contextlib.suppress(JobConflict):
            self._store.finish(job_id, "failed", self._now(), job.total - job.processed, error)

    def _now(self) -> str:
        return timestamp(self._clock())
