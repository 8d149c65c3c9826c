"""After an apply, the stack's outputs come from the state object Terraform wrote (one S3 GET),
or from `terraform output` when that object is not a state whose outputs seawall knows."""

from __future__ import annotations

import json

import pytest

from seawall.bootstrap import bootstrap
from seawall.stackplan import applied_outputs
from seawall.target import Target


class TerraformOutput:
    def __init__(self) -> None:
        self.asked = 0

    def outputs(self) -> dict:
        self.asked += 1
        return {"from": "terraform output"}


@pytest.fixture
def target(aws_emulator) -> Target:
    target = Target(env="outputs", region="us-west-2", endpoint_url=aws_emulator.endpoint)
    bootstrap(target)
    return target


def put_state(target: Target, state: object) -> None:
    backend = target.backend()
    body = json.dumps(state).encode() if not isinstance(state, bytes) else state
    target.client("s3").put_object(Bucket=backend.bucket, Key=backend.key, Body=body)


def test_outputs_of_a_version_4_state_sensitive_ones_included(target: Target) -> None:
    put_state(
        target,
        {
            "version": 4,
            "terraform_version": "1.11.4",
            "outputs": {
                "api_id": {"value": "abc123", "type": "string"},
                "api_key": {"value": "s3cret", "type": "string", "sensitive": True},
                "alarm_names": {"value": ["a", "b"], "type": ["list", "string"]},
            },
            "resources": [],
        },
    )
    terraform = TerraformOutput()
    assert applied_outputs(terraform, target) == {
        "api_id": "abc123",
        "api_key": "s3cret",
        "alarm_names": ["a", "b"],
    }
    assert terraform.asked == 0


@pytest.mark.parametrize("state", [{"version": 5, "outputs": {}}, b"not json", {"version": 4}])
def test_anything_else_asks_terraform(target: Target, state: object) -> None:
    put_state(target, state)
    terraform = TerraformOutput()
    assert applied_outputs(terraform, target) == {"from": "terraform output"}
    assert terraform.asked == 1
