"""The ledger: every write the API acknowledged during a run, as the audit needs it.

Each Locust process appends JSON lines to its own file in one directory (no locking, and local
worker processes share the directory); a line is written as soon as the answer arrives, so an
interrupted run leaves a ledger of exactly what was acknowledged. `read_ledger` merges them.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO


class LedgerWriter:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = (directory / f"ledger-{os.getpid()}.jsonl").open("a", buffering=1)

    def created(self, item_id: str, name: str, data: dict[str, Any]) -> None:
        self._write({"event": "created", "id": item_id, "name": name, "data": data})

    def deleted(self, item_id: str) -> None:
        self._write({"event": "deleted", "id": item_id})

    def job_finished(self, job_id: str, status: str, names: list[str]) -> None:
        self._write({"event": "job", "id": job_id, "status": status, "names": names})

    def expected(self, route: str, status: int) -> None:
        self._write({"event": "expected", "route": route, "status": status})

    def close(self) -> None:
        self._file.close()

    def _write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")


@dataclass
class Ledger:
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {name, data}
    deleted: set[str] = field(default_factory=set)
    jobs: dict[str, list[str]] = field(default_factory=dict)  # succeeded job id -> item names
    failed_jobs: int = 0
    expected: Counter[tuple[str, int]] = field(default_factory=Counter)

    @property
    def acknowledged(self) -> int:
        return len(self.created) + sum(len(names) for names in self.jobs.values())


def read_ledger(directory: Path) -> Ledger:
    ledger = Ledger()
    for path in sorted(directory.glob("ledger-*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a killed process: its answer was never complete
            _apply(ledger, record)
    return ledger


def _apply(ledger: Ledger, record: dict[str, Any]) -> None:
    event = record.get("event")
    if event == "created":
        ledger.created[record["id"]] = {"name": record["name"], "data": record["data"]}
    elif event == "deleted":
        ledger.deleted.add(record["id"])
    elif event == "job":
        if record["status"] == "succeeded":
            ledger.jobs[record["id"]] = list(record["names"])
        else:
            ledger.failed_jobs += 1
    elif event == "expected":
        ledger.expected[(record["route"], int(record["status"]))] += 1
