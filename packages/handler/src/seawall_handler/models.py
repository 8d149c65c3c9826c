"""The domain's records, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonScalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    name: str
    data: dict[str, JsonScalar]
    version: int
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "data": self.data,
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


JOB_STATUSES = ("queued", "running", "succeeded", "failed")


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    type: str
    status: str
    total: int
    processed: int
    failed: int
    chunks: int
    chunks_done: int
    errors: tuple[str, ...]
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "total": self.total,
            "processed": self.processed,
            "failed": self.failed,
            "errors": list(self.errors),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
