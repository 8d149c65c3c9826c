"""The domain's records, as plain values."""

from __future__ import annotations

from typing import Any

from seawall_handler._record import Record

JsonScalar = str | int | float | bool | None


class Item(Record):
    __slots__ = ("created_at", "data", "id", "name", "updated_at", "version")

    def __init__(  # noqa: PLR0917 - a record's fields, in order
        self,
        id: str,
        name: str,
        data: dict[str, JsonScalar],
        version: int,
        created_at: str,
        updated_at: str,
    ) -> None:
        self.id = id
        self.name = name
        self.data = data
        self.version = version
        self.created_at = created_at
        self.updated_at = updated_at

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "data": self.data,
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Job(Record):
    __slots__ = (
        "chunks",
        "chunks_done",
        "created_at",
        "errors",
        "failed",
        "id",
        "processed",
        "status",
        "total",
        "type",
        "updated_at",
    )

    def __init__(  # noqa: PLR0917 - a record's fields, in order
        self,
        id: str,
        type: str,
        status: str,
        total: int,
        processed: int,
        failed: int,
        chunks: int,
        chunks_done: int,
        errors: tuple[str, ...],
        created_at: str,
        updated_at: str,
    ) -> None:
        self.id = id
        self.type = type
        self.status = status
        self.total = total
        self.processed = processed
        self.failed = failed
        self.chunks = chunks
        self.chunks_done = chunks_done
        self.errors = errors
        self.created_at = created_at
        self.updated_at = updated_at

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
