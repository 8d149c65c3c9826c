"""`seawall fault` and the drills' fault switch, on functions in the emulator: a fault is a
published version behind the live alias; clearing it puts the deployed version back exactly."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from verify_stack import EmulatedStack

from seawall.errors import UsageError
from seawall.verify.faults import FaultSwitch, parse_fault


@pytest.fixture(scope="module")
def stack(aws_emulator) -> EmulatedStack:
    return EmulatedStack(aws_emulator.connection).create()


def switch(stack: EmulatedStack, environment: str = "local") -> FaultSwitch:
    name = stack.outputs["api_function_name"]
    return FaultSwitch(stack.client("lambda"), name, environment=environment, settle_s=0)


def deployment(stack: EmulatedStack) -> tuple[str, dict, list[str]]:
    """The alias's version, $LATEST's environment, and the published versions."""
    lambda_, name = stack.client("lambda"), stack.outputs["api_function_name"]
    alias = lambda_.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    variables = lambda_.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    versions = [
        v["Version"] for v in lambda_.list_versions_by_function(FunctionName=name)["Versions"]
    ]
    return alias, variables, versions


def live_variables(stack: EmulatedStack) -> dict[str, str]:
    lambda_ = stack.client("lambda")
    config = lambda_.get_function_configuration(
        FunctionName=stack.outputs["api_function_name"], Qualifier="live"
    )
    return config["Environment"]["Variables"]


def test_a_fault_goes_live_and_clear_restores_the_deployment(stack: EmulatedStack) -> None:
    before = deployment(stack)
    fault = switch(stack)
    assert fault.show() is None
    version = fault.set({"mode": "throttle", "throttle_rate": 0.2})
    assert version != before[0]
    assert json.loads(live_variables(stack)["SEAWALL_FAULT_INJECTION"]) == {
        "mode": "throttle",
        "throttle_rate": 0.2,
    }
    assert fault.show() == {"mode": "throttle", "throttle_rate": 0.2}
    # Other variables are kept.
    assert live_variables(stack)["SEAWALL_TABLE_NAME"] == stack.outputs["table_name"]
    assert fault.clear() == before[0]
    assert fault.show() is None
    assert deployment(stack) == before


def test_a_second_fault_replaces_the_first_and_one_clear_removes_both(stack: EmulatedStack) -> None:
    before = deployment(stack)
    fault = switch(stack)
    fault.set({"mode": "latency", "latency_ms": 10})
    fault.set({"mode": "exception"})
    assert fault.show() == {"mode": "exception"}
    fault.clear()
    assert deployment(stack) == before


@pytest.mark.parametrize("interruption", [RuntimeError, KeyboardInterrupt])
def test_applied_switches_the_fault_off_whatever_happens(
    stack: EmulatedStack, interruption: type
) -> None:
    before = deployment(stack)
    fault = switch(stack)
    seen = []

    def drill() -> None:
        with fault.applied({"mode": "exception"}):
            seen.append(fault.show())
            raise interruption

    with pytest.raises(interruption):
        drill()
    assert seen == [{"mode": "exception"}]
    assert fault.show() is None
    assert deployment(stack) == before


def test_prod_refuses_faults_unless_the_stack_allows_them(stack: EmulatedStack) -> None:
    before = deployment(stack)
    with pytest.raises(UsageError, match="refused in prod"):
        switch(stack, environment="prod").set({"mode": "exception"})
    assert deployment(stack) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [("nope", "not JSON"), ("[]", "mode is one of"), ('{"mode": "explode"}', "mode is one of")],
)
def test_a_malformed_fault_is_refused_before_anything_changes(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_fault(text)


def test_sigterm_while_a_fault_is_on_switches_it_off(stack: EmulatedStack) -> None:
    before = deployment(stack)
    fault = switch(stack)

    def drill() -> None:
        with fault.applied({"mode": "exception"}):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the signal arrives first

    with pytest.raises(KeyboardInterrupt):
        drill()
    assert fault.show() is None
    assert deployment(stack) == before
