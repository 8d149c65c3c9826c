"""The fault plan, in the spirit of failure-lambda and the AWS FIS Lambda actions.

`SEAWALL_FAULT_INJECTION` holds one JSON object (empty or absent: off):

    {"mode": "throttle", "rate": 0.5, "throttle_rate": 1.0}

- `mode`: `exception` (the invocation fails, as a crash would), `latency` (wait `latency_ms`
  before the work), `status_code` (answer `status_code` without doing the work; API only),
  `timeout` (wait past the function's remaining time, so Lambda times it out), `throttle`
  (DynamoDB answers `throttle_error` to a share `throttle_rate` of the calls, injected in
  botocore's `before-send` event, so the real retry, budget and deadline path runs).
- `rate`: the share of invocations affected, 0 to 1 (default 1).
- `functions`: which functions it applies to, `["api", "worker"]` by default.

It is refused (and logged) in the `prod` environment unless
`SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD=true`; an invalid setting is logged and ignored, so a typo
never breaks the function.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from seawall_handler._record import Record
from seawall_handler.adapter.http import Response
from seawall_handler.config import Settings
from seawall_handler.errors import FieldError
from seawall_handler.observability import Log

MODES = ("exception", "latency", "status_code", "timeout", "throttle")
THROTTLE_ERRORS = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
)
FUNCTIONS = ("api", "worker")


class InjectedFault(Exception):
    """Raised by the `exception` and `timeout` modes: the invocation fails on purpose."""


class FaultSpec(Record):
    __slots__ = (
        "exception_message",
        "functions",
        "latency_ms",
        "mode",
        "rate",
        "status_code",
        "throttle_error",
        "throttle_rate",
    )

    def __init__(  # noqa: PLR0917 - a record's fields, in order
        self,
        mode: str,
        rate: float = 1.0,
        latency_ms: int = 1000,
        status_code: int = 503,
        exception_message: str = "injected fault",
        throttle_rate: float = 1.0,
        throttle_error: str = "ProvisionedThroughputExceededException",
        functions: tuple[str, ...] = FUNCTIONS,
    ) -> None:
        self.mode = mode
        self.rate = rate
        self.latency_ms = latency_ms
        self.status_code = status_code
        self.exception_message = exception_message
        self.throttle_rate = throttle_rate
        self.throttle_error = throttle_error
        self.functions = functions


def _number(raw: dict[str, Any], name: str, low: float, high: float, errors: list[FieldError]):
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        errors.append(FieldError(name, f"must be a number from {low} to {high}"))
        return None
    return value


def parse_spec(text: str) -> FaultSpec:
    """The spec in `text`, or ValueError naming what is wrong."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError("must be a JSON object")
    known = {
        "mode",
        "rate",
        "latency_ms",
        "status_code",
        "exception_message",
        "throttle_rate",
        "throttle_error",
        "functions",
    }
    errors = [FieldError(key, "unknown setting") for key in raw if key not in known]
    if raw.get("mode") not in MODES:
        errors.append(FieldError("mode", f"must be one of {', '.join(MODES)}"))
    values: dict[str, Any] = {}
    for name, low, high in (
        ("rate", 0, 1),
        ("throttle_rate", 0, 1),
        ("latency_ms", 0, 900_000),
        ("status_code", 100, 599),
    ):
        if name in raw and (value := _number(raw, name, low, high, errors)) is not None:
            values[name] = int(value) if name in ("latency_ms", "status_code") else float(value)
    if "throttle_error" in raw and raw["throttle_error"] not in THROTTLE_ERRORS:
        errors.append(FieldError("throttle_error", f"must be one of {', '.join(THROTTLE_ERRORS)}"))
    if "exception_message" in raw and not isinstance(raw["exception_message"], str):
        errors.append(FieldError("exception_message", "must be a string"))
    functions = raw.get("functions", list(FUNCTIONS))
    if not isinstance(functions, list) or not set(functions) <= set(FUNCTIONS) or not functions:
        errors.append(FieldError("functions", f"must be a non-empty list of {FUNCTIONS}"))
    if errors:
        raise ValueError("; ".join(f"{e.field}: {e.reason}" for e in errors))
    for name in ("throttle_error", "exception_message"):
        if name in raw:
            values[name] = raw[name]
    return FaultSpec(mode=raw["mode"], functions=tuple(functions), **values)


class Fault:
    """The fault picked for one invocation."""

    def __init__(self, spec: FaultSpec, faults: Faults) -> None:
        self.spec = spec
        self.mode = spec.mode
        self._faults = faults

    def before(
        self, seconds_left: Callable[[], float], sleep: Callable[[float], object]
    ) -> Response | None:
        """Act before the work: raise, wait, answer instead of it, or arm the throttle hook."""
        mode = self.spec.mode
        if mode == "exception":
            raise InjectedFault(self.spec.exception_message)
        if mode == "latency":
            sleep(self.spec.latency_ms / 1000)
        elif mode == "timeout":
            # Past the function's own timeout: Lambda ends the invocation during this sleep.
            sleep(max(0.0, seconds_left()) + 5.0)
            raise InjectedFault("injected timeout (the function outlived its deadline)")
        elif mode == "status_code":
            from seawall_handler.adapter.problems import problem  # noqa: PLC0415 - API only

            status = self.spec.status_code
            return problem(
                status, "injected-fault", "Injected fault", "fault injection is enabled", None
            )
        elif mode == "throttle":
            self._faults.throttling = True
        return None

    def raised(self, error: BaseException) -> bool:
        return isinstance(error, InjectedFault)

    def after(self) -> None:
        self._faults.throttling = False


class Faults:
    """The process's fault plan; `pick()` decides per invocation."""

    def __init__(
        self, spec: FaultSpec | None, function: str = "api", rng: random.Random | None = None
    ) -> None:
        self.spec = spec if spec is not None and function in spec.functions else None
        self.rng = rng or random.Random()
        self.throttling = False

    @classmethod
    def from_settings(cls, settings: Settings, log: Log, function: str = "api") -> Faults:
        try:
            spec = parse_spec(settings.fault_injection)
        except ValueError as exc:
            log.line("WARNING", "fault injection setting ignored", reason=str(exc)[:500])
            return cls(None, function)
        if settings.environment == "prod" and not settings.allow_fault_injection_in_prod:
            log.line(
                "WARNING",
                "fault injection refused in prod",
                hint="set SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD=true to allow it",
            )
            return cls(None, function)
        log.line("WARNING", "fault injection enabled", mode=spec.mode, rate=spec.rate)
        return cls(spec, function)

    def pick(self) -> Fault | None:
        spec = self.spec
        if spec is None or self.rng.random() >= spec.rate:
            return None
        return Fault(spec, self)

    def install(self, clients: Any) -> None:
        """Hook DynamoDB's `before-send` on every client `clients` creates (throttle mode)."""
        if self.spec is not None and self.spec.mode == "throttle":
            clients.event_hooks.append(("before-send.dynamodb", self._before_send))

    def _before_send(self, request: Any = None, **_: Any) -> Any:
        spec = self.spec
        if not self.throttling or spec is None or self.rng.random() >= spec.throttle_rate:
            return None
        from seawall_handler.store.aws_calls import dynamodb_error_response  # noqa: PLC0415

        return dynamodb_error_response(
            getattr(request, "url", ""), spec.throttle_error, "injected by seawall fault injection"
        )
