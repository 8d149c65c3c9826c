"""Usage-plan throttling and quotas through real HTTP on the deployed stack: the limits are changed
in the emulator (as `aws apigateway update-usage-plan` would on AWS, no deployment), the gateway
applies them within a second, and refused requests get 429s through the stack's own gateway
responses (THROTTLED, QUOTA_EXCEEDED) with the CORS headers a browser needs to read them.
Every change is undone in a finally: the stack is shared by the test run."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from seawall.local import LocalStack
from seawall.smoke import http_json

ORIGIN = "http://localhost:3000"  # allowed by terraform/envs/local.tfvars


def plan_id(stack: LocalStack, apigateway) -> str:
    api_id = str(stack.outputs["api_id"])
    plans = apigateway.get_usage_plans()["items"]
    return next(p["id"] for p in plans if any(s["apiId"] == api_id for s in p["apiStages"]))


@contextmanager
def fresh_key(stack: LocalStack, **plan_changes: str) -> Iterator[str]:
    """A new API key in the stack's usage plan (so its buckets and counts start empty) with the
    plan's limits changed; everything restored afterwards."""
    apigateway = stack.emulator.connection.client("apigateway")
    plan = plan_id(stack, apigateway)
    before = apigateway.get_usage_plan(usagePlanId=plan)
    value = f"conformance-{uuid.uuid4().hex}"
    key = apigateway.create_api_key(name=value, value=value, enabled=True)["id"]
    try:
        apigateway.update_usage_plan(
            usagePlanId=plan,
            patchOperations=[
                {"op": "replace", "path": path, "value": v} for path, v in plan_changes.items()
            ],
        )
        apigateway.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
        yield value
    finally:
        restore = [
            {"op": "replace", "path": f"/{group}/{name}", "value": _number(before[group][name])}
            for group, name in (
                ("throttle", "rateLimit"),
                ("throttle", "burstLimit"),
                ("quota", "limit"),
            )
        ]
        apigateway.update_usage_plan(usagePlanId=plan, patchOperations=restore)
        apigateway.delete_usage_plan_key(usagePlanId=plan, keyId=key)
        apigateway.delete_api_key(apiKey=key)
        # Once the gateway refuses the deleted key, it has read everything restored before it.
        deadline = time.monotonic() + 10
        while get_items(stack, value)[0] != 403 and time.monotonic() < deadline:
            time.sleep(0.2)


def _number(value: object) -> str:
    """A patch value the emulator parses back (it reads rates with int())."""
    number = float(str(value))
    return str(int(number)) if number.is_integer() else str(number)


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
    with fresh_key(local_stack, **{"/throttle/rateLimit": "1", "/throttle/burstLimit": "2"}) as key:
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
    with fresh_key(local_stack, **{"/quota/limit": "2"}) as key:
        assert first_accepted(local_stack, key) == 404
        assert get_items(local_stack, key)[0] == 404
        status, headers, body = get_items(local_stack, key)
        assert status == 429
        assert body["message"] == "Limit Exceeded"
        assert body["type"] == "QUOTA_EXCEEDED"
        assert headers["Access-Control-Allow-Origin"] == ORIGIN
    # The plan's quota is back: the rest of the run is not locked out.
    assert [get_items(local_stack, local_stack.api_key)[0] for _ in range(3)] == [404] * 3
