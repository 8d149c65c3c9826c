"""The no-loss audit: what the API acknowledged during the run is there, exactly once.

- every create answered 201 is read back (by listing, confirmed by a direct read when the
  listing misses it: an index may lag its table) with the name it was created with;
- no item appears twice, and no two items carry one create's name (a replay that stored again);
- every delete answered 204 is gone;
- every import job that finished `succeeded` has all of its items.

Items are named `<run prefix><key>`, so the audit and the cleanup find the run's items among
whatever else the table holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from seawall.load.ledger import Ledger


class Store(Protocol):
    def items(self) -> Iterable[dict[str, Any]]: ...
    def get(self, item_id: str) -> dict[str, Any] | None: ...
    def delete(self, item_id: str) -> bool: ...


@dataclass
class AuditResult:
    acknowledged: int
    lost: int
    duplicated: int
    deletes_acknowledged: int
    not_deleted: int
    jobs_succeeded: int
    jobs_failed: int
    unacknowledged_stored: int  # stored though never acknowledged (cut off, timed out): not a loss
    examples: list[str] = field(default_factory=list)  # a few ids/names, for the report
    run_item_ids: list[str] = field(default_factory=list)  # what the cleanup deletes

    @property
    def passed(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.not_deleted == 0

    def summary(self) -> dict[str, Any]:
        return {
            "acknowledged": self.acknowledged,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "deletes_acknowledged": self.deletes_acknowledged,
            "not_deleted": self.not_deleted,
            "jobs_succeeded": self.jobs_succeeded,
            "jobs_failed": self.jobs_failed,
            "unacknowledged_stored": self.unacknowledged_stored,
            "examples": self.examples[:10],
        }


def audit(ledger: Ledger, store: Store, run_prefix: str, *, threads: int = 8) -> AuditResult:
    listed = [item for item in store.items() if str(item.get("name", "")).startswith(run_prefix)]
    ids = Counter(item["id"] for item in listed)
    names = Counter(item["name"] for item in listed)
    by_id = {item["id"]: item for item in listed}
    examples: list[str] = []

    alive = {i: v for i, v in ledger.created.items() if i not in ledger.deleted}
    unlisted = [i for i in alive if i not in by_id]
    with ThreadPoolExecutor(threads) as pool:
        confirmed = dict(zip(unlisted, pool.map(store.get, unlisted), strict=True))
        still_listed = [i for i in ledger.deleted if i in by_id]
        undeleted = dict(zip(still_listed, pool.map(store.get, still_listed), strict=True))

    lost = 0
    for item_id, expected in alive.items():
        found = by_id.get(item_id) or confirmed.get(item_id)
        if found is None or found.get("name") != expected["name"]:
            lost += 1
            examples.append(f"lost item {item_id} ({expected['name']})")
    for job_id, job_names in ledger.jobs.items():
        for name in job_names:
            if names[name] == 0:
                lost += 1
                examples.append(f"lost item {name!r} of import job {job_id}")

    duplicated = sum(n - 1 for n in ids.values() if n > 1)
    duplicated += sum(n - 1 for n in names.values() if n > 1)
    for name, n in names.items():
        if n > 1:
            examples.append(f"{n} items named {name!r}")

    not_deleted = sum(1 for item in undeleted.values() if item is not None)
    examples += [f"deleted item {i} is still there" for i, item in undeleted.items() if item]

    known = set(ledger.created) | {n for job in ledger.jobs.values() for n in job}
    unacknowledged = sum(
        1 for item in listed if item["id"] not in known and item["name"] not in known
    )
    return AuditResult(
        acknowledged=ledger.acknowledged,
        lost=lost,
        duplicated=duplicated,
        deletes_acknowledged=len(ledger.deleted),
        not_deleted=not_deleted,
        jobs_succeeded=len(ledger.jobs),
        jobs_failed=ledger.failed_jobs,
        unacknowledged_stored=unacknowledged,
        examples=examples,
        run_item_ids=sorted(set(by_id) | set(alive)),
    )


def clean_up(store: Store, item_ids: list[str], *, threads: int = 8) -> int:
    """Delete the run's items; returns how many could not be deleted."""
    with ThreadPoolExecutor(threads) as pool:
        return sum(1 for ok in pool.map(store.delete, item_ids) if not ok)
