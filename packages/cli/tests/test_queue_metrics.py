"""AWS/SQS's queue metrics, sampled from the emulator's SQS: the counts and the oldest message's
age per queue, one datapoint per (scaled) minute, and the stack's dead-letter alarm evaluated
from them."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from fake_clock import FakeClock

from seawall.runtime.alarms import ALARM, OK, AlarmEvaluator
from seawall.runtime.metrics import MetricKey, Metrics, MetricStore, dimensions
from seawall.runtime.queue_metrics import QueueSampler, emulator_queue_stats

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"  # the emulator's account
REGION = "us-west-2"


def _sampler(
    aws_emulator: Any, clock: FakeClock, *, time_scale: float = 1.0
) -> tuple[QueueSampler, MetricStore]:
    """A sampler of the emulator's queues, and the store (the one the alarms read) it fills."""
    store = MetricStore(clock)
    sampler = QueueSampler(
        emulator_queue_stats(aws_emulator.endpoint),
        Metrics(store, clock=clock),
        account=ACCOUNT,
        region=REGION,
        time_scale=time_scale,
        clock=clock,
    )
    return sampler, store


def _values(store: MetricStore, queue: str, metric: str) -> list[float]:
    key = MetricKey("AWS/SQS", metric, dimensions(QueueName=queue))
    return store.values(key, 0, float("inf"))


def test_counts_and_the_oldest_age_of_each_queue_once_per_minute(aws_emulator: Any) -> None:
    sqs = aws_emulator.client("sqs")
    name = f"metrics-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    other = aws_emulator.client("sqs", region_name="eu-west-1")
    other_url = other.create_queue(QueueName=name)["QueueUrl"]
    try:
        sent_at = time.monotonic()
        for body in ("one", "two", "three"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)
        time.sleep(1.1)  # the oldest message is now more than a second old
        clock = FakeClock(1_800_000_000.0)
        sampler, store = _sampler(aws_emulator, clock, time_scale=60)
        assert sampler.sample_once()
        waited = time.monotonic() - sent_at  # the real age is at most this
        clock.now += 0.5  # the same (scaled) minute: no second datapoint
        assert not sampler.sample_once()

        assert _values(store, name, "ApproximateNumberOfMessagesVisible") == [2.0]
        assert _values(store, name, "ApproximateNumberOfMessagesNotVisible") == [1.0]
        assert _values(store, name, "ApproximateNumberOfMessagesDelayed") == [1.0]
        # More than one second old, at time scale 60: more than a scaled minute; and in seconds,
        # bounded by what the test itself waited (scaled, plus a second of rounding).
        [age] = _values(store, name, "ApproximateAgeOfOldestMessage")
        assert 60 <= age <= 60 * (waited + 1)

        # The other region's queue of the same name is not this runtime's.
        clock.now += 1
        other.send_message(QueueUrl=other_url, MessageBody="elsewhere")
        sqs.purge_queue(QueueUrl=url)
        assert sampler.sample_once()
        assert _values(store, name, "ApproximateNumberOfMessagesVisible") == [2.0, 0.0]
        # An empty queue's oldest message is 0 s old, as SQS publishes it.
        assert _values(store, name, "ApproximateAgeOfOldestMessage")[-1] == 0.0
    finally:
        sqs.delete_queue(QueueUrl=url)
        other.delete_queue(QueueUrl=other_url)


# The stack's dead-letter alarm (terraform/modules/monitoring/alarms.tf, "dlq-not-empty").
DLQ_ALARM = {
    "Namespace": "AWS/SQS",
    "MetricName": "ApproximateNumberOfMessagesVisible",
    "Statistic": "Maximum",
    "Period": 60,
    "EvaluationPeriods": 5,
    "DatapointsToAlarm": 3,
    "Threshold": 1.0,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    "TreatMissingData": "notBreaching",
}


def test_a_message_in_the_dead_letter_queue_puts_its_alarm_in_alarm(aws_emulator: Any) -> None:
    """Three sampled minutes with a message in the DLQ out of five: ALARM in the emulator; the
    message gone for five minutes: OK."""
    sqs, cloudwatch = aws_emulator.client("sqs"), aws_emulator.client("cloudwatch")
    sns = aws_emulator.client("sns")
    name = f"jobs-dlq-{uuid.uuid4().hex[:8]}"
    alarm_name = f"{name}-not-empty"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    cloudwatch.put_metric_alarm(
        AlarmName=alarm_name, Dimensions=[{"Name": "QueueName", "Value": name}], **DLQ_ALARM
    )
    try:
        clock = FakeClock(1_900_000_000.0)
        sampler, store = _sampler(aws_emulator, clock)
        evaluator = AlarmEvaluator(store, cloudwatch, sns, region=REGION, clock=clock)
        sqs.send_message(QueueUrl=url, MessageBody='{"job": "failed every attempt"}')
        states = []
        for _minute in range(3):
            sampler.sample_once()
            states.append(evaluator.evaluate_once().get(alarm_name))
            clock.now += 60
        assert states == [None, None, ALARM]  # the emulator creates alarms in OK
        alarm = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
        assert alarm["StateValue"] == ALARM

        sqs.purge_queue(QueueUrl=url)
        for _minute in range(5):
            sampler.sample_once()
            clock.now += 60
        sampler.sample_once()
        # Five empty minutes: five datapoints of 0, none missing.
        key = MetricKey("AWS/SQS", DLQ_ALARM["MetricName"], dimensions(QueueName=name))
        assert store.values(key, clock.now - 5 * 60, clock.now + 1) == [0.0] * 6
        assert evaluator.evaluate_once() == {alarm_name: OK}
    finally:
        cloudwatch.delete_alarms(AlarmNames=[alarm_name])
        sqs.delete_queue(QueueUrl=url)
