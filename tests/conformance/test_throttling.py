"""Usage-plan throttling and quotas through real HTTP on the deployed stack: a usage plan with
tight limits is created for the stack's stage in the emulator (as `aws apigateway
create-usage-plan` would on AWS, no deployment) with a fresh API key in it, the gateway applies it
within a second, and refused requests get 429s through the stack's own gateway responses
(THROTTLED, QUOTA_EXCEEDED) with the CORS headers a browser needs to read them. The stack's own plan
is never patched (the emulator would store a patched quota as a string, which Terraform cannot read
back), and the extra plan and key are deleted in a finally: the stack is shared by the test run."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from seawall.local_stack import LocalStack
from seawall.smoke import http_json

ORIGIN = "http://localhost:3000"  # allowed by terraform/envs/local.tfvars


@contextmanager
def key_in_own_plan(stack: LocalStack, **limits: Any) -> Iterator[str]:
    """A new API key in a new usage plan for the stack's stage with `limits` (throttle=...,
    quota=...), so its buckets and counts start empty; both deleted afterwards."""
    apigateway = stack.emulator.connection.client("apigateway")
    stage = {"apiId": str(stack.outputs["api_id"]), "stage": str(stack.outputs["api_stage"])}
    value = f"conformance-{uuid.uuid4().hex}"
    plan = apigateway.create_usage_plan(name=value, apiStages=[stage], **limits)["id"]
    key = apigateway.create_api_key(name=value, value=value, enabled=True)["id"]
    try:
        apigateway.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
        yield value
    finally:
        apigateway.delete_usage_plan_key(usagePlanId=plan, keyId=key)
        apigateway.delete_api_key(apiKey=key)
        apigateway.delete_usage_plan(usagePlanId=plan)
        # Once the gateway refuses the deleted key, it has read the stage without the plan.
        deadline = time.monotonic() + 10
        while get_items(stack, value)[0] != 403 and time.monotonic() < deadline:
            time.sleep(0.2)


def get_items(stack: LocalStack, key: str) -> tuple[int, dict, object]:
    return http_json(
        "GET", f"{stack.api_url}/items/none", headers={"x-api-key": key, "Origin": ORIGIN}
    )


def first_accepted(stack: LocalStack, key: str) -> int:
    """Wait (at most 10 s) until the gateway has read the new key; its status then."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = get_items(stack, key)[0]
        if status != 403:
            return status
        time.sleep(0.2)
    raise AssertionError("the gateway did not pick up the new API key within 10 s")


def test_a_key_over_its_burst_is_throttled_with_the_stacks_gateway_response(local_stack) -> None:
    with key_in_own_plan(local_stack, throttle={"rateLimit": 1.0, "burstLimit": 2}) as key:
        assert first_accepted(local_stack, key) == 404  # one token of two used; no such item
        answers = [get_items(local_stack, key) for _ in range(3)]
        statuses = [status for status, _, _ in answers]
        assert statuses[0] == 404
        assert 429 in statuses[1:]
        _status, headers, body = answers[statuses.index(429)]
        assert body["message"] == "Too Many Requests"
        assert body["type"] == "THROTTLED"
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
        time.sleep(1.1)  # the bucket refills at one request per second
        assert get_items(local_stack, key)[0] == 404


def test_a_key_past_its_quota_gets_limit_exceeded(local_stack) -> None:
    with key_in_own_plan(local_stack, quota={"limit": 2, "period": "DAY"}) as key:
        assert first_accepted(local_stack, key) == 404
        assert get_items(local_stack, key)[0] == 404
        status, headers, body = get_items(local_stack, key)
        assert status == 429
        assert body["message"] == "Limit Exceeded"
        assert body["type"] == "QUOTA_EXCEEDED"
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
    # The stack's own key, in the stack's plan, was never limited by the other plan.
    assert [get_items(local_stack, local_stack.api_key)[0] for _ in range(3)] == [404] * 3
