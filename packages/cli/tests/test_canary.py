"""The canary controller on the emulator's Lambda and CloudWatch: alias routing and alarms.

A fake clock and sleep stand in for the canary's minutes; the emulator holds the function, its
versions, the `live` alias and the alarms (whose state the test sets, as CloudWatch would).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import pytest

from seawall.canary import CanaryController, CanarySpec
from seawall.errors import UsageError

pytestmark = pytest.mark.emulator

ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def code(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", body)
    return buffer.getvalue()


class Clock:
    def __init__(self, on_sleep: Callable[[float], None] | None = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._on_sleep = on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self._on_sleep:
            self._on_sleep(self.now)


@pytest.fixture
def function(aws_emulator, request: pytest.FixtureRequest) -> str:
    """A function with versions 1 (stable) and 2 (new), alias live on 1 routing 10% to 2."""
    name = f"canary-{abs(hash(request.node.name)) % 10**8}"
    iam, lam, cw = (aws_emulator.client(s) for s in ("iam", "lambda", "cloudwatch"))
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code("def handler(e, c): return 1")},
        Publish=True,
    )
    lam.update_function_code(FunctionName=name, ZipFile=code("def handler(e, c): return 2"))
    new = lam.publish_version(FunctionName=name)["Version"]
    assert new == "2"
    lam.create_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )
    for metric in ("Errors", "Throttles", "Duration", "ConcurrentExecutions"):
        cw.put_metric_alarm(
            AlarmName=f"{name}-{metric}",
            Namespace="AWS/Lambda",
            MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    cw.put_metric_alarm(  # another function's alarm: not watched
        AlarmName=f"{name}-other-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "someone-else"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return name


def controller(aws_emulator, function: str, clock: Clock) -> CanaryController:
    return CanaryController(
        aws_emulator.client("lambda"),
        aws_emulator.client("cloudwatch"),
        function,
        clock=clock,
        sleep=clock.sleep,
        poll_seconds=15,
    )


def alias(aws_emulator, function: str) -> dict:
    return aws_emulator.client("lambda").get_alias(FunctionName=function, Name="live")


def test_it_watches_the_functions_errors_throttles_and_duration_alarms(aws_emulator, function):
    watched = controller(aws_emulator, function, Clock()).watched_alarms()
    assert watched == sorted(f"{function}-{m}" for m in ("Duration", "Errors", "Throttles"))


def test_a_quiet_canary_moves_all_traffic_to_the_new_version(aws_emulator, function) -> None:
    clock = Clock()
    canary = controller(aws_emulator, function, clock)
    assert canary.canary_version() == ("1", "2")
    result = canary.watch("1", "2", CanarySpec(10, 1))
    assert result.passed
    assert result.live_version == "2"
    assert sum(clock.sleeps) == 60
    live = alias(aws_emulator, function)
    assert live["FunctionVersion"] == "2"
    assert not (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_an_alarm_during_the_canary_sends_all_traffic_back(aws_emulator, function) -> None:
    def errors_after_30s(now: float) -> None:
        if now >= 30:
            aws_emulator.client("cloudwatch").set_alarm_state(
                AlarmName=f"{function}-Errors", StateValue="ALARM", StateReason="test: errors"
            )

    clock = Clock(on_sleep=errors_after_30s)
    result = controller(aws_emulator, function, clock).watch("1", "2", CanarySpec(10, 5))
    assert not result.passed
    assert f"{function}-Errors" in result.detail
    assert result.live_version == "1"
    assert clock.now == 30  # stopped at the first poll that saw the alarm, not after 5 minutes
    live = alias(aws_emulator, function)
    assert live["FunctionVersion"] == "1"
    assert not (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_an_interrupt_during_the_canary_sends_all_traffic_back(aws_emulator, function) -> None:
    def interrupt(now: float) -> None:
        raise KeyboardInterrupt

    clock = Clock(on_sleep=interrupt)
    with pytest.raises(KeyboardInterrupt):
        controller(aws_emulator, function, clock).watch("1", "2", CanarySpec(10, 5))
    assert alias(aws_emulator, function)["FunctionVersion"] == "1"


@pytest.mark.parametrize(("text", "expected"), [("10:5", (10, 5.0)), ("1:0.5", (1, 0.5))])
def test_canary_specs_parse(text: str, expected: tuple[int, float]) -> None:
    spec = CanarySpec.parse(text)
    assert spec is not None
    assert (spec.percent, spec.minutes) == expected


@pytest.mark.parametrize("text", ["", "0:0"])
def test_no_canary(text: str) -> None:
    assert CanarySpec.parse(text) is None


@pytest.mark.parametrize("text", ["10", "100:5", "0:5", "ten:5", "10:-1"])
def test_bad_canary_specs_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="PERCENT:MINUTES"):
        CanarySpec.parse(text)
