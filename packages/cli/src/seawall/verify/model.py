"""A check, its outcome, and the evidence behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PASS = "pass"  # noqa: S105 - a status, not a password
FAIL = "fail"
WARN = "warn"  # worth a look, not a failure (an alarm topic nobody subscribes to)
SKIP = "skip"  # does not apply here, with the reason (deletion protection outside prod)
ERROR = "error"  # the check itself broke or ran out of time: counts as a failure
STATUSES = (PASS, FAIL, WARN, SKIP, ERROR)
FAILING = (FAIL, ERROR)

Evidence = dict[str, Any]


class CheckFailed(Exception):
    """Raised by a check whose condition does not hold; `evidence` shows what was seen."""

    def __init__(self, summary: str, evidence: Evidence | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.evidence = evidence or {}


class CheckSkipped(Exception):
    """Raised by a check that does not apply to this target; the message is the reason."""


@dataclass(frozen=True)
class Outcome:
    """What a check returns when it did not fail: pass (default) or warn, and why."""

    summary: str
    evidence: Evidence = field(default_factory=dict)
    status: str = PASS


@dataclass(frozen=True)
class Check:
    """One check: `run(target) -> Outcome`, raising CheckFailed / CheckSkipped otherwise."""

    id: str
    title: str
    run: Callable[[Any], Outcome]
    timeout_s: float = 30.0
    drill: bool = False


@dataclass(frozen=True)
class Result:
    check_id: str
    title: str
    status: str
    summary: str
    duration_s: float
    evidence: Evidence = field(default_factory=dict)
    drill: bool = False

    @property
    def failed(self) -> bool:
        return self.status in FAILING


def expect(condition: bool, summary: str, evidence: Evidence | None = None) -> None:
    """Fail the check with `summary` unless `condition` holds."""
    if not condition:
        raise CheckFailed(summary, evidence)
