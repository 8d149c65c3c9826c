"""The deadline: when the work cannot finish in time, 503 with Retry-After, before the function's
own timeout (after which API Gateway would answer 504). Time is the fake clock; a slow or
throttling DynamoDB is played by botocore hooks, since moto is neither slow nor throttles."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from handler_doubles import TABLE, Env, Harness, api_event, body, make_harness, throttling_response

from seawall_handler.store.aws_calls import Calls

ITEM = {"name": "n", "data": {}}


def count_items(aws: Env) -> int:
    return aws.dynamodb.scan(TableName=TABLE, Select="COUNT")["Count"]


def slow_dynamodb(call: Harness, seconds: float) -> None:
    """Every DynamoDB request takes `seconds` (of fake time) before moto answers it."""

    def slow(**_):
        call.clock.sleep(seconds)

    call.api.clients.event_hooks.append(("before-send.dynamodb", slow))


def test_too_little_time_left_answers_503_without_touching_the_table(call: Harness, aws) -> None:
    response = call(api_event("POST", "/items", ITEM), timeout=1.5)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert response["headers"]["Access-Control-Allow-Origin"]
    assert body(response)["status"] == 503
    assert count_items(aws) == 0
    line = call.request_logs()[-1]
    assert (line["DeadlineHits"], line["status"], line["aws_calls"]) == (1, 503, 0)


def test_a_slow_dependency_gets_503_well_before_the_timeout(aws: Env) -> None:
    call = make_harness(aws)
    slow_dynamodb(call, 1.2)
    start = call.clock.now
    response = call(api_event("POST", "/items", ITEM, headers={"Idempotency-Key": "k"}), timeout=3)
    assert response["statusCode"] == 503
    assert call.clock.now - start < 3 - 0.5  # answered inside the safety margin
    assert count_items(aws) == 1  # only the idempotency claim; no item was written


def test_enough_time_for_each_call_completes_normally(aws: Env) -> None:
    call = make_harness(aws)
    slow_dynamodb(call, 0.4)
    response = call(api_event("POST", "/items", ITEM, headers={"Idempotency-Key": "k"}), timeout=3)
    assert response["statusCode"] == 201


def test_throttling_is_retried_until_the_deadline_then_503(aws: Env) -> None:
    call = make_harness(aws)
    call.api.clients.event_hooks.append(
        ("before-send.dynamodb", lambda request, **_: throttling_response(request.url))
    )
    start = call.clock.now
    response = call(api_event("GET", "/items/00000000-0000-4000-8000-000000000000"), timeout=6)
    assert response["statusCode"] == 503
    assert int(response["headers"]["Retry-After"]) >= 1
    assert call.clock.now - start < 6 - 0.5
    line = call.request_logs()[-1]
    assert line["Retries"] >= 1
    assert line["Throttles"] == line["Retries"] + 1  # every attempt was throttled


def test_throttling_that_clears_up_is_invisible_to_the_client(aws: Env) -> None:
    call = make_harness(aws)
    created = body(call(api_event("POST", "/items", ITEM)))
    answers = iter([True, True, False])

    def throttle_twice(request, **_):
        return throttling_response(request.url) if next(answers, False) else None

    call.api.clients.event_hooks.append(("before-send.dynamodb", throttle_twice))
    call.api.clients._clients.clear()  # new clients pick up the hook
    response = call(api_event("GET", f"/items/{created['id']}"))
    assert response["statusCode"] == 200
    assert call.request_logs()[-1]["Retries"] == 2
    assert len(call.clock.slept) == 2


def test_sdk_retries_are_off_so_retries_happen_once(aws: Env) -> None:
    call = make_harness(aws)
    client = call.api.clients.client("dynamodb")
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (0.5, 1.0)


@pytest.mark.sends_invalid_parameters
def test_a_request_dynamodb_refuses_fails_at_once_and_is_not_retried(aws: Env) -> None:
    # The clients skip botocore's parameter validation (a sixth of a warm call's CPU), so a
    # parameter that is wrong is refused by DynamoDB itself: that refusal must fail the call at
    # once, as itself, not be retried or reported as an outage (503).
    call = make_harness(aws)
    calls = Calls(call.api.clients, lambda: 9.0)
    with pytest.raises(ClientError) as refused:
        calls.call(
            "dynamodb",
            "query",
            TableName=TABLE,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": "ITEMS"}},
            Select="EVERYTHING",
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert (calls.stats.calls, calls.stats.retries, call.clock.slept) == (1, 0, [])
