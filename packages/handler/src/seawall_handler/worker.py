"""The jobs worker: `seawall_handler.worker.handler`, the adapter between SQS and the jobs domain.

First version: it accepts a batch and acknowledges every message that it can read, reporting the
others as batch item failures (the event source mapping uses ReportBatchItemFailures).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

from seawall_handler.config import Settings
from seawall_handler.observability import Log


class Worker:
    def __init__(self, settings: Settings, log: Log | None = None) -> None:
        self.settings = settings
        self.log = log or Log(settings.log_level)

    def handle(self, event: object, context: object) -> dict[str, Any]:
        records = event.get("Records") if isinstance(event, dict) else None
        failures = []
        for record in records if isinstance(records, list) else []:
            message_id = record.get("messageId") if isinstance(record, dict) else None
            try:
                body = json.loads(record["body"])
                job_id = body["job_id"]
            except (KeyError, TypeError, ValueError):
                if isinstance(message_id, str):
                    failures.append({"itemIdentifier": message_id})
                continue
            self.log.line("INFO", "job message", job_id=str(job_id)[:64])
        return {"batchItemFailures": failures}


@functools.cache
def _worker() -> Worker:
    return Worker(Settings.from_env(os.environ))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point for SQS batches."""
    return _worker().handle(event, context)
