"""Canary releases on the API function's `live` alias, with no CodeDeploy.

Terraform publishes the new version and leaves the alias on the stable one, routing PERCENT of the
traffic to the new version (the stack's `api_canary` variable, see terraform/modules/function).
For MINUTES `CanaryController` then watches the function's alarms (errors, throttles, p99
duration). The first alarm in ALARM sends all traffic back to the stable version and fails the
canary; a quiet window moves the alias to the new version. Either way the alias ends with no
routing and on the version the next plan without a canary expects, so Terraform sees no drift.
An interrupt during the watch sends the traffic back before it propagates.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seawall.errors import UsageError

ALIAS = "live"
WATCHED_METRICS = frozenset({"Errors", "Throttles", "Duration"})
POLL_SECONDS = 15.0
_SPEC = re.compile(r"^(\d{1,2}):(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class CanarySpec:
    percent: int
    minutes: float

    @classmethod
    def parse(cls, text: str) -> CanarySpec | None:
        """`PERCENT:MINUTES` (`10:5`); `0:0` or an empty string means no canary."""
        match = _SPEC.match(text.strip())
        if text.strip() in ("", "0:0"):
            return None
        if not match or not 0 < int(match[1]) < 100:
            raise UsageError(
                f"--canary {text!r} is not PERCENT:MINUTES",
                hint="for example --canary 10:5 (10% of traffic for 5 minutes); 0:0 for none",
            )
        return cls(int(match[1]), float(match[2]))

    @property
    def weight(self) -> float:
        return self.percent / 100

    def variable(self, stable_version: str) -> str:
        """The stack's `api_canary` value that starts this canary (JSON: passed as an object)."""
        return json.dumps({"stable_version": stable_version, "weight": self.weight})


@dataclass(frozen=True)
class CanaryResult:
    passed: bool
    detail: str
    live_version: str


class CanaryController:
    def __init__(
        self,
        lambda_client: Any,
        cloudwatch: Any,
        function_name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        poll_seconds: float = POLL_SECONDS,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self._lambda = lambda_client
        self._cloudwatch = cloudwatch
        self.function_name = function_name
        self._clock = clock
        self._sleep = sleep
        self._poll_seconds = poll_seconds
        self._on_status = on_status or (lambda message: None)

    def live_version(self) -> str | None:
        """The version the alias serves (None before the first deploy)."""
        try:
            alias = self._lambda.get_alias(FunctionName=self.function_name, Name=ALIAS)
        except self._lambda.exceptions.ResourceNotFoundException:
            return None
        return str(alias["FunctionVersion"])

    def canary_version(self) -> tuple[str, str] | None:
        """(stable, new) while the alias routes to a new version, else None."""
        alias = self._lambda.get_alias(FunctionName=self.function_name, Name=ALIAS)
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if not weights:
            return None
        return str(alias["FunctionVersion"]), str(next(iter(weights)))

    def watched_alarms(self) -> list[str]:
        """The alarms on this function's errors, throttles and duration."""
        names = []
        paginator = self._cloudwatch.get_paginator("describe_alarms")
        for page in paginator.paginate(AlarmTypes=["MetricAlarm"]):
            for alarm in page.get("MetricAlarms", []):
                dimensions = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
                if (
                    alarm.get("Namespace") == "AWS/Lambda"
                    and alarm.get("MetricName") in WATCHED_METRICS
                    and dimensions.get("FunctionName") == self.function_name
                ):
                    names.append(alarm["AlarmName"])
        return sorted(names)

    def watch(self, stable: str, new: str, spec: CanarySpec) -> CanaryResult:
        """Watch the alarms for the canary's minutes; promote `new` or send traffic back."""
        alarms = self.watched_alarms()
        deadline = self._clock() + spec.minutes * 60
        self._on_status(
            f"canary: version {new} takes {spec.percent}% for {spec.minutes:g} min; "
            f"watching {len(alarms)} alarms"
        )
        try:
            while True:
                firing = self._firing(alarms)
                if firing:
                    self.move_alias(stable)
                    return CanaryResult(
                        False,
                        f"alarm {', '.join(firing)} fired during the canary: all traffic is back "
                        f"on version {stable}",
                        stable,
                    )
                remaining = deadline - self._clock()
                if remaining <= 0:
                    self.move_alias(new)
                    return CanaryResult(
                        True, f"canary passed: version {new} takes all traffic", new
                    )
                self._sleep(min(self._poll_seconds, remaining))
        except BaseException:
            self.move_alias(stable)  # Ctrl-C or a crash must not leave the canary half-open
            raise

    def move_alias(self, version: str) -> None:
        """All traffic to `version`, no routing: what a plan without a canary expects."""
        self._lambda.update_alias(
            FunctionName=self.function_name,
            Name=ALIAS,
            FunctionVersion=version,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )

    def _firing(self, alarms: list[str]) -> list[str]:
        if not alarms:
            return []
        response = self._cloudwatch.describe_alarms(AlarmNames=alarms)
        return sorted(
            alarm["AlarmName"]
            for alarm in response.get("MetricAlarms", [])
            if alarm.get("StateValue") == "ALARM"
        )
