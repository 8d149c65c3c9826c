"""The jobs worker's Lambda entry point: `seawall_handler.worker.handler` (adapter/sqs_jobs.py)."""

from seawall_handler.adapter.function import entry_point
from seawall_handler.adapter.sqs_jobs import Worker

handler = entry_point(Worker)

__all__ = ["Worker", "handler"]
