"""The stack's CloudWatch alarms, evaluated locally.

The emulator stores alarms but never evaluates them. The runtime reads them from the emulator,
computes each period's statistic from the metrics it recorded (`metrics.MetricStore`), applies
CloudWatch's documented rules (M out of N datapoints, the four missing-data treatments, see
`evaluate`) and, on a change of state, sets it in the emulator (`SetAlarmState`, so
`describe-alarms` and the alarm history show it) and publishes the alarm's notification to its SNS
actions.

Periods can be shortened for tests and drills with a time scale (`SEAWALL_LOCAL_TIME_SCALE`, see
packages/cli/README.md): at 60, a 60-second period lasts one second of the runtime's clock.

Not evaluated: alarms on metric math (`Metrics` queries) and anomaly detection; they are left in
the state the emulator gives them.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from seawall.runtime.metrics import MetricKey, MetricStore
from seawall.runtime.periodic import Periodic

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
# CloudWatch retrieves more datapoints than the evaluation periods (its "evaluation range"); the
# documented examples retrieve N + 2 for N = 3.
EXTRA_RANGE_PERIODS = 2
TIME_SCALE_ENV = "SEAWALL_LOCAL_TIME_SCALE"

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    arn: str
    key: MetricKey
    statistic: str  # Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99
    period_s: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing_data: str  # missing, ignore, breaching, notBreaching
    actions_enabled: bool = True
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    description: str = ""

    def breaches(self, value: float) -> bool:
        return _COMPARISONS[self.comparison](value, self.threshold)

    def actions_for(self, state: str) -> tuple[str, ...]:
        if not self.actions_enabled:
            return ()
        return {
            ALARM: self.alarm_actions,
            OK: self.ok_actions,
            INSUFFICIENT_DATA: self.insufficient_data_actions,
        }[state]


def statistic(name: str, values: Sequence[float]) -> float | None:
    """One period's statistic over its raw values; None when the period has no data."""
    if not values:
        return None
    if name == "Sum":
        return float(math.fsum(values))
    if name == "Average":
        return math.fsum(values) / len(values)
    if name == "Minimum":
        return float(min(values))
    if name == "Maximum":
        return float(max(values))
    if name == "SampleCount":
        return float(len(values))
    if name.startswith("p"):
        return _percentile(sorted(values), float(name[1:]))
    raise ValueError(f"unsupported statistic {name!r}")


def _percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `percent`% of values <= it."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def evaluate(
    datapoints: Sequence[float | None],
    *,
    breaches: Callable[[float], bool],
    evaluation_periods: int,
    datapoints_to_alarm: int,
    treat_missing_data: str,
    current_state: str,
) -> str:
    """The alarm's new state from the evaluation range's datapoints (oldest first, None for a
    period without data), by CloudWatch's documented rules ("How alarm state is evaluated when
    data is missing", CloudWatch user guide):

    - if at least N (evaluation periods) datapoints exist, the N most recent existing ones are
      evaluated and the treatment of missing data does not matter;
    - otherwise every existing datapoint is evaluated with as few filled-in missing ones as make
      N: as breaching (`breaching`), as not breaching (`notBreaching`), or not at all (`missing`,
      `ignore`): then with no datapoint at all `missing` gives INSUFFICIENT_DATA and `ignore`
      keeps the current state;
    - ALARM when at least M (datapoints to alarm) of them breach, else OK.

    The documented table's one exception is kept: with `missing` or `ignore`, a range whose only
    datapoints breach but are fewer than M is INSUFFICIENT_DATA (or unchanged), except when the
    oldest datapoint of the range breaches, which is ALARM for `missing`.
    """
    n, m = evaluation_periods, datapoints_to_alarm
    existing = [value for value in datapoints if value is not None]
    if len(existing) >= n:
        breaching = sum(1 for value in existing[-n:] if breaches(value))
        return ALARM if breaching >= m else OK
    breaching = sum(1 for value in existing if breaches(value))
    fill = n - len(existing)
    if treat_missing_data == "breaching":
        return ALARM if breaching + fill >= m else OK
    if treat_missing_data == "notBreaching":
        return ALARM if breaching >= m else OK
    # missing / ignore: only the datapoints that exist count.
    if breaching >= m:
        return ALARM
    if breaching < len(existing):  # at least one good datapoint
        return OK
    keep = current_state if treat_missing_data == "ignore" else INSUFFICIENT_DATA
    if existing and treat_missing_data != "ignore" and datapoints[0] is not None:
        return ALARM  # the documented table's row "X - - - -"
    return keep


def period_datapoints(
    store: MetricStore, alarm: AlarmSpec, now: float, time_scale: float = 1.0
) -> list[float | None]:
    """The evaluation range's datapoints, oldest first, the last being the period `now` is in."""
    period = alarm.period_s / time_scale
    periods = alarm.evaluation_periods + EXTRA_RANGE_PERIODS
    current_start = math.floor(now / period) * period
    points: list[float | None] = []
    for index in range(periods - 1, -1, -1):
        start = current_start - index * period
        points.append(statistic(alarm.statistic, store.values(alarm.key, start, start + period)))
    return points


def load_alarms(cloudwatch: Any) -> tuple[list[AlarmSpec], dict[str, str]]:
    """The metric alarms the local runtime can evaluate, and every alarm's current state."""
    specs: list[AlarmSpec] = []
    states: dict[str, str] = {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        for alarm in page.get("MetricAlarms", []):
            states[alarm["AlarmName"]] = alarm.get("StateValue", INSUFFICIENT_DATA)
            spec = alarm_spec(alarm)
            if spec is not None:
                specs.append(spec)
    return specs, states


def alarm_spec(alarm: dict[str, Any]) -> AlarmSpec | None:
    """An alarm as DescribeAlarms gives it; None for the kinds not evaluated locally."""
    stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    if (
        not alarm.get("MetricName")
        or not stat
        or alarm.get("ComparisonOperator") not in _COMPARISONS
    ):
        return None
    try:
        statistic(stat, [0.0])
    except ValueError:
        return None
    evaluation_periods = int(alarm["EvaluationPeriods"])
    return AlarmSpec(
        name=alarm["AlarmName"],
        arn=alarm.get("AlarmArn", ""),
        key=MetricKey(
            alarm.get("Namespace", ""),
            alarm["MetricName"],
            tuple(sorted((d["Name"], d["Value"]) for d in alarm.get("Dimensions") or [])),
        ),
        statistic=stat,
        period_s=int(alarm["Period"]),
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or evaluation_periods),
        threshold=float(alarm["Threshold"]),
        comparison=alarm["ComparisonOperator"],
        # "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data"
        # (PutMetricAlarm's reference), whatever they say.
        treat_missing_data="ignore"
        if alarm.get("Namespace") == "AWS/DynamoDB"
        else alarm.get("TreatMissingData") or "missing",
        actions_enabled=bool(alarm.get("ActionsEnabled", True)),
        alarm_actions=tuple(alarm.get("AlarmActions") or ()),
        ok_actions=tuple(alarm.get("OKActions") or ()),
        insufficient_data_actions=tuple(alarm.get("InsufficientDataActions") or ()),
        description=alarm.get("AlarmDescription") or "",
    )


class AlarmEvaluator:
    """Evaluates every alarm once per (scaled) second on its own thread; reloads the alarms from
    the emulator every RELOAD_S so that alarms applied later are picked up."""

    RELOAD_S = 30.0

    def __init__(
        self,
        store: MetricStore,
        cloudwatch: Any,
        sns: Any,
        *,
        region: str,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        tick_s: float = 1.0,
    ) -> None:
        self._store = store
        self._cloudwatch = cloudwatch
        self._sns = sns
        self._region = region
        self._time_scale = time_scale
        self._clock = clock
        self._alarms: list[AlarmSpec] = []
        self._states: dict[str, str] = {}
        self._loaded_at = -math.inf
        self._loop = Periodic("alarms", min(tick_s, 60.0 / time_scale), self._tick)
        self.errors = 0

    def start(self) -> AlarmEvaluator:
        self._loop.start()
        return self

    def stop(self) -> None:
        self._loop.stop()

    def evaluate_once(self) -> dict[str, str]:
        """One evaluation of every alarm; returns the alarms whose state changed, new state."""
        now = self._clock()
        if now - self._loaded_at >= self.RELOAD_S:
            self._alarms, self._states = load_alarms(self._cloudwatch)
            self._loaded_at = now
        changed: dict[str, str] = {}
        for alarm in self._alarms:
            points = period_datapoints(self._store, alarm, now, self._time_scale)
            old = self._states.get(alarm.name, INSUFFICIENT_DATA)
            new = evaluate(
                points,
                breaches=alarm.breaches,
                evaluation_periods=alarm.evaluation_periods,
                datapoints_to_alarm=alarm.datapoints_to_alarm,
                treat_missing_data=alarm.treat_missing_data,
                current_state=old,
            )
            if new != old:
                self._transition(alarm, old, new, points, now)
                self._states[alarm.name] = new
                changed[alarm.name] = new
        return changed

    def _transition(
        self, alarm: AlarmSpec, old: str, new: str, points: list[float | None], now: float
    ) -> None:
        recent = [p for p in points if p is not None][-alarm.evaluation_periods :]
        reason = (
            f"Threshold Crossed: {len(recent)} datapoint(s) evaluated "
            f"[{', '.join(f'{p:g}' for p in recent)}] against threshold {alarm.threshold:g} "
            f"({alarm.comparison}), {alarm.datapoints_to_alarm} of {alarm.evaluation_periods} "
            f"to alarm, missing data {alarm.treat_missing_data} (evaluated by seawall's local "
            "runtime)."
        )
        self._cloudwatch.set_alarm_state(
            AlarmName=alarm.name, StateValue=new, StateReason=reason[:1023]
        )
        for topic in alarm.actions_for(new):
            if topic.startswith("arn:aws:sns:"):
                self._sns.publish(
                    TopicArn=topic,
                    Subject=f'{new}: "{alarm.name}" in {self._region}'[:99],
                    Message=json.dumps(
                        notification(alarm, old, new, reason=reason, now=now, region=self._region)
                    ),
                )

    def _tick(self) -> None:
        try:
            self.evaluate_once()
        except Exception:  # the emulator going away must not kill the runtime
            self.errors += 1


def notification(
    alarm: AlarmSpec, old: str, new: str, *, reason: str, now: float, region: str
) -> dict[str, Any]:
    """The JSON message CloudWatch publishes to an alarm's SNS topic (the fields consumers read)."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AlarmArn": alarm.arn,
        "NewStateValue": new,
        "OldStateValue": old,
        "NewStateReason": reason,
        "StateChangeTime": datetime.fromtimestamp(now, UTC).isoformat(),
        "Region": region,
        "Trigger": {
            "MetricName": alarm.key.name,
            "Namespace": alarm.key.namespace,
            "Statistic": alarm.statistic.upper() if not alarm.statistic.startswith("p") else None,
            "ExtendedStatistic": alarm.statistic if alarm.statistic.startswith("p") else None,
            "Dimensions": [{"name": n, "value": v} for n, v in alarm.key.dimensions],
            "Period": alarm.period_s,
            "EvaluationPeriods": alarm.evaluation_periods,
            "DatapointsToAlarm": alarm.datapoints_to_alarm,
            "ComparisonOperator": alarm.comparison,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data,
        },
    }
