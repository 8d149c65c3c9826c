"""Terraform's machine-readable UI (`apply -json`): events in, progress and diagnostics out.

Each line of `terraform apply -json <plan>` is one JSON message. A saved plan's apply announces
every change first (`planned_change`), then reports each resource's `apply_start`, periodic
`apply_progress`, and `apply_complete` or `apply_errored`; errors arrive as `diagnostic` messages
carrying Terraform's own summary and detail. `ApplyProgress` folds those into what a person
watching wants: the phase, resources done of total, and the slowest one still in flight.

`retry_reason()` decides whether a failed apply is worth another attempt: the AWS error code in
a provider diagnostic ("api error ThrottlingException: Rate exceeded") is classified by
retrylib exactly as botocore would classify it, and a few provider messages that mean "try again
in a moment" (connection resets, IAM's eventual consistency) are recognised by their text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from retrylib import aws as retry_aws


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    detail: str = ""
    address: str = ""

    def text(self) -> str:
        """As Terraform prints it, without the box: `Error: summary` and the detail below."""
        where = f"\n  with {self.address}" if self.address else ""
        detail = f"\n{self.detail}" if self.detail else ""
        return f"{self.severity.capitalize()}: {self.summary}{where}{detail}"


@dataclass(frozen=True)
class ApplyEvent:
    """One message of Terraform's JSON UI; `address` and `action` only for resource hooks."""

    type: str
    message: str
    address: str = ""
    action: str = ""
    elapsed_seconds: float | None = None
    diagnostic: Diagnostic | None = None


def parse_event(line: str) -> ApplyEvent | None:
    """The event on one output line, or None for a line that is not a JSON UI message."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        raw = json.loads(line)
    except ValueError:
        return None
    if not isinstance(raw, dict) or "type" not in raw:
        return None
    hook = _mapping(raw.get("hook") or raw.get("change"))
    resource = _mapping(hook.get("resource"))
    diagnostic = None
    if raw["type"] == "diagnostic":
        body = _mapping(raw.get("diagnostic"))
        diagnostic = Diagnostic(
            severity=str(body.get("severity", raw.get("@level", "error"))),
            summary=str(body.get("summary", "")),
            detail=str(body.get("detail", "")),
            address=str(body.get("address", "")),
        )
    elapsed = hook.get("elapsed_seconds")
    return ApplyEvent(
        type=str(raw["type"]),
        message=str(raw.get("@message", "")),
        address=str(resource.get("addr", "")),
        action=str(hook.get("action", "")),
        elapsed_seconds=float(elapsed) if isinstance(elapsed, int | float) else None,
        diagnostic=diagnostic,
    )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass
class ApplyProgress:
    """What an apply has done so far, from its events; `clock` gives seconds (injectable)."""

    clock: Callable[[], float]
    total: int = 0
    done: int = 0
    failed: int = 0
    phase: str = "starting"
    in_flight: dict[str, tuple[str, float]] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def update(self, event: ApplyEvent) -> None:
        if event.type == "planned_change":
            self.total += 1
            self.phase = "planned"
        elif event.type == "apply_start":
            self.phase = "applying"
            self.in_flight[event.address] = (event.action, self.clock())
        elif event.type == "apply_complete":
            self.in_flight.pop(event.address, None)
            self.done += 1
        elif event.type == "apply_errored":
            self.in_flight.pop(event.address, None)
            self.failed += 1
        elif event.type == "diagnostic" and event.diagnostic is not None:
            self.diagnostics.append(event.diagnostic)
        elif event.type == "change_summary":
            self.phase = "complete"

    def slowest(self) -> tuple[str, str, float] | None:
        """The resource in flight the longest: (address, action, seconds so far)."""
        if not self.in_flight:
            return None
        address, (action, started) = min(self.in_flight.items(), key=lambda item: item[1][1])
        return address, action, self.clock() - started

    def line(self) -> str:
        text = f"apply: {self.phase}, {self.done} of {self.total} resources done"
        if self.failed:
            text += f", {self.failed} failed"
        slowest = self.slowest()
        if slowest is not None:
            address, action, seconds = slowest
            text += f"; slowest in flight: {address} ({action}, {seconds:.0f}s)"
        return text

    def errors(self) -> list[Diagnostic]:
        return [item for item in self.diagnostics if item.severity == "error"]


# -- should a failed apply be tried again? -----------------------------------------------------

# The AWS provider (aws-sdk-go-v2) writes "api error <Code>: <message>" into its diagnostics.
_API_ERROR = re.compile(r"api error (?P<code>[A-Za-z0-9.]+):")
_STATUS = re.compile(r"StatusCode: (?P<status>\d{3})")
# Provider messages that clear by themselves: a connection dropped mid-request, and the seconds
# after IAM creates a role in which other services do not see it yet.
_TRANSIENT_TEXT = (
    "connection reset by peer",
    "broken pipe",
    "unexpected EOF",
    "i/o timeout",
    "TLS handshake timeout",
    "cannot be assumed by Lambda",
    "role defined for the function cannot be assumed",
    "The provided execution role does not have permissions",
    "ConcurrentModificationException",
)


class _ProviderApiError(Exception):
    """A provider diagnostic shaped like a botocore ClientError, for retrylib's classifier."""

    def __init__(self, code: str, status: int | None) -> None:
        super().__init__(code)
        self.response: dict[str, Any] = {
            "Error": {"Code": code},
            "ResponseMetadata": {"HTTPStatusCode": status} if status else {},
        }


def retry_reason(diagnostics: Iterable[Diagnostic]) -> str | None:
    """Why a failed apply may succeed if tried again, or None when it must stop at once.

    Every error must be retryable: one permanent error among throttled ones still stops.
    """
    errors = [item for item in diagnostics if item.severity == "error"]
    if not errors:
        return None
    reasons = []
    for error in errors:
        reason = _retryable(f"{error.summary}\n{error.detail}")
        if reason is None:
            return None
        reasons.append(reason)
    return ", ".join(dict.fromkeys(reasons))


def _retryable(text: str) -> str | None:
    match = _API_ERROR.search(text)
    if match:
        status = _STATUS.search(text)
        error = _ProviderApiError(match["code"], int(status["status"]) if status else None)
        kind = retry_aws.classify(error)
        if kind is not retry_aws.NON_RETRYABLE:
            return f"{match['code']} ({kind.value})"
    for marker in _TRANSIENT_TEXT:
        if marker in text:
            return marker
    return None
