"""Local alarm evaluation against CloudWatch's documented rules, with an injectable clock."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fake_clock import FakeClock
from hypothesis import given
from hypothesis import strategies as st

from seawall.runtime.alarms import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmEvaluator,
    alarm_spec,
    evaluate,
    period_datapoints,
    statistic,
)
from seawall.runtime.metrics import Metrics, MetricStore, dimensions

THRESHOLD = 1.0
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")


def _points(pattern: str) -> list[float | None]:
    """The documentation's notation: 0 not breaching, X breaching, - missing (oldest first)."""
    return [{"0": 0.0, "X": 5.0, "-": None}[c] for c in pattern.split()]


def _state(pattern: str, n: int, m: int, treatment: str, current: str = "CURRENT") -> str:
    return evaluate(
        _points(pattern),
        breaches=lambda v: v >= THRESHOLD,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treatment,
        current_state=current,
    )


# CloudWatch user guide, "How alarm state is evaluated when data is missing": the two tables, row
# by row (MISSING, IGNORE, BREACHING, NOT BREACHING); "CURRENT" is "Retain current state".
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT_DATA, "CURRENT", ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - - - X", (INSUFFICIENT_DATA, "CURRENT", ALARM, OK)),
    ("X - - - -", (ALARM, "CURRENT", ALARM, OK)),
]
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - - X", (INSUFFICIENT_DATA, "CURRENT", ALARM, OK)),
]


@pytest.mark.parametrize(("pattern", "expected"), THREE_OF_THREE)
def test_three_of_three_matches_the_documented_table(pattern: str, expected: tuple) -> None:
    assert tuple(_state(pattern, 3, 3, t) for t in TREATMENTS) == expected


@pytest.mark.parametrize(("pattern", "expected"), TWO_OF_THREE)
def test_two_of_three_matches_the_documented_table(pattern: str, expected: tuple) -> None:
    assert tuple(_state(pattern, 3, 2, t) for t in TREATMENTS) == expected


_point = st.one_of(st.none(), st.sampled_from([0.0, 5.0]))


@given(
    points=st.lists(_point, min_size=1, max_size=12),
    n=st.integers(1, 6),
    data=st.data(),
    treatment=st.sampled_from(TREATMENTS),
)
def test_with_n_datapoints_present_only_the_n_most_recent_count(
    points: list[float | None], n: int, data: Any, treatment: str
) -> None:
    m = data.draw(st.integers(1, n))
    existing = [p for p in points if p is not None]
    state = evaluate(
        points,
        breaches=lambda v: v >= THRESHOLD,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treatment,
        current_state="CURRENT",
    )
    if len(existing) >= n:
        breaching = sum(1 for p in existing[-n:] if p >= THRESHOLD)
        assert state == (ALARM if breaching >= m else OK)
    else:
        assert state in (ALARM, OK, INSUFFICIENT_DATA, "CURRENT")
        # Missing data treated as breaching can only make an alarm more likely, never less.
        as_breaching = evaluate(
            points,
            breaches=lambda v: v >= THRESHOLD,
            evaluation_periods=n,
            datapoints_to_alarm=m,
            treat_missing_data="breaching",
            current_state="CURRENT",
        )
        if state == ALARM:
            assert as_breaching == ALARM


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200), st.floats(1, 100))
def test_percentile_is_a_value_with_that_share_at_or_below_it(
    values: list[float], percent: float
) -> None:
    p = statistic(f"p{percent}", values)
    assert p in values
    assert sum(1 for v in values if v <= p) >= percent / 100 * len(values)


def test_statistics_of_a_period() -> None:
    assert statistic("Sum", [1, 2, 3]) == 6
    assert statistic("Average", [1, 2, 3]) == 2
    assert statistic("Maximum", [1, 7, 3]) == 7
    assert statistic("Minimum", [4, 7, 3]) == 3
    assert statistic("SampleCount", [4, 7, 3]) == 3
    assert statistic("p99", list(range(1, 101))) == 99
    assert statistic("Sum", []) is None


ERRORS_ALARM = {
    "AlarmName": "seawall-local-api-errors",
    "AlarmArn": "arn:aws:cloudwatch:us-west-2:123456789012:alarm:seawall-local-api-errors",
    "Namespace": "AWS/Lambda",
    "MetricName": "Errors",
    "Dimensions": [{"Name": "FunctionName", "Value": "seawall-local-api"}],
    "Statistic": "Sum",
    "Period": 60,
    "EvaluationPeriods": 5,
    "DatapointsToAlarm": 3,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "notBreaching",
}


def test_datapoints_come_from_the_store_per_period_with_the_time_scale() -> None:
    clock = FakeClock(1_000_040.0)  # 20 s into a minute
    store = MetricStore(clock)
    metrics = Metrics(store, clock=clock)
    spec = alarm_spec(ERRORS_ALARM)
    assert spec is not None
    dims = dimensions(FunctionName="seawall-local-api")
    for seconds_ago, value in [(0, 1), (1, 1), (61, 1), (62, 0), (200, 1)]:
        metrics.record("AWS/Lambda", "Errors", value, dims=dims, timestamp=clock.now - seconds_ago)
    metrics.record("AWS/Lambda", "Errors", 9, dims=dimensions(FunctionName="other"))
    # Real periods: seven minutes (5 + 2), the current one last.
    assert period_datapoints(store, spec, clock.now) == [None, None, None, 1.0, None, 1.0, 2.0]
    # At scale 60 a period is one second: the last seven seconds.
    scaled = period_datapoints(store, spec, clock.now, time_scale=60)
    assert scaled == [None, None, None, None, None, 1.0, 1.0]


@pytest.fixture
def cloud(aws_emulator: Any) -> dict[str, Any]:
    return {name: aws_emulator.client(name) for name in ("cloudwatch", "sns", "sqs")}


@pytest.mark.emulator
def test_errors_alarm_goes_to_alarm_in_the_emulator_and_notifies_its_topic(
    cloud: dict[str, Any],
) -> None:
    """Three minutes with errors out of five: the emulator's alarm is ALARM, the topic got the
    notification (read through an SQS subscription); then no errors for five minutes: OK."""
    cloudwatch, sns, sqs = cloud["cloudwatch"], cloud["sns"], cloud["sqs"]
    topic = sns.create_topic(Name="alarms-test")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alarms-test-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    alarm = {k: v for k, v in ERRORS_ALARM.items() if k not in ("AlarmArn",)}
    cloudwatch.put_metric_alarm(**alarm, AlarmActions=[topic], OKActions=[topic])
    try:
        clock = FakeClock(2_000_000_000.0)
        store = MetricStore(clock)
        metrics = Metrics(store, clock=clock)
        evaluator = AlarmEvaluator(store, cloudwatch, sns, region="us-west-2", clock=clock)
        dims = dimensions(FunctionName="seawall-local-api")
        states = []
        for _minute in range(3):
            metrics.record("AWS/Lambda", "Errors", 1, dims=dims)
            states.append(evaluator.evaluate_once().get(ERRORS_ALARM["AlarmName"]))
            clock.now += 60
        # The emulator creates alarms in OK (AWS: INSUFFICIENT_DATA); ALARM at 3 bad minutes of 5.
        assert states == [None, None, ALARM]
        described = cloudwatch.describe_alarms(AlarmNames=[ERRORS_ALARM["AlarmName"]])
        assert described["MetricAlarms"][0]["StateValue"] == ALARM

        clock.now += 5 * 60
        assert evaluator.evaluate_once() == {ERRORS_ALARM["AlarmName"]: OK}

        messages = []
        for _ in range(5):
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
            bodies = [json.loads(m["Body"]) for m in got.get("Messages", [])]
            messages += [json.loads(body["Message"]) for body in bodies]
            if len(messages) >= 2:
                break
        transitions = [(m["OldStateValue"], m["NewStateValue"]) for m in messages]
        assert transitions == [(OK, ALARM), (ALARM, OK)]
        assert messages[0]["Trigger"]["MetricName"] == "Errors"
    finally:
        cloudwatch.delete_alarms(AlarmNames=[ERRORS_ALARM["AlarmName"]])


@pytest.mark.emulator
def test_evaluator_thread_stops_with_the_runtime(cloud: dict[str, Any]) -> None:
    evaluator = AlarmEvaluator(
        MetricStore(), cloud["cloudwatch"], cloud["sns"], region="us-west-2", tick_s=0.05
    ).start()
    evaluator.stop()
    assert not any(t.name == "alarms" and t.is_alive() for t in threading.enumerate())


def test_metric_math_and_unknown_statistics_are_not_evaluated() -> None:
    assert alarm_spec({**ERRORS_ALARM, "MetricName": None, "Metrics": [{"Id": "e1"}]}) is None
    assert alarm_spec({**ERRORS_ALARM, "Statistic": None, "ExtendedStatistic": "tm99"}) is None
    dynamo = alarm_spec({**ERRORS_ALARM, "Namespace": "AWS/DynamoDB"})
    assert dynamo is not None
    assert dynamo.treat_missing_data == "ignore"
