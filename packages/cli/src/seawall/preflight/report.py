"""Preflight's results: named checks, each pass / warn / fail with a one-line fix hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["pass", "warn", "fail"]
_MARKS = {"pass": "ok  ", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True)
class CheckResult:
    name: str  # "quota.lambda-concurrency", "iam.inline-policy-size", ...
    status: Status
    detail: str  # what was found, with the numbers
    hint: str = ""  # one line: what to do about it (empty on pass)


@dataclass
class PreflightReport:
    checks: list[CheckResult] = field(default_factory=list)
    # Extra -var values preflight decided (the log bucket's suffix): the caller re-plans with them.
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(check.status == "fail" for check in self.checks)

    def counts(self) -> dict[str, int]:
        return {
            status: sum(1 for check in self.checks if check.status == status)
            for status in ("pass", "warn", "fail")
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "failed": self.failed,
            "counts": self.counts(),
            "checks": [asdict(check) for check in self.checks],
            "variables": self.variables,
        }


def render_table(report: PreflightReport) -> str:
    """One line per check (status, name, detail) and the hint under each warning or failure."""
    width = max((len(check.name) for check in report.checks), default=0)
    lines = []
    for check in report.checks:
        lines.append(f"  {_MARKS[check.status]}  {check.name:<{width}}  {check.detail}")
        if check.hint and check.status != "pass":
            lines.append(f"        {'':<{width}}  -> {check.hint}")
    counts = report.counts()
    verdict = "FAILED" if report.failed else "passed"
    lines.append(
        f"preflight {verdict}: {counts['pass']} passed, {counts['warn']} warnings, "
        f"{counts['fail']} failed"
    )
    return "\n".join(lines)
