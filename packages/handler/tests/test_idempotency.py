"""Idempotency-Key on POST /items (and POST /jobs): replay, mismatch, in flight, takeover."""

from __future__ import annotations

from handler_doubles import TABLE, Env, Harness, api_event, body, make_harness, throttling_response

from seawall_handler.domain.idempotency import Claim, fingerprint
from seawall_handler.store.aws_calls import Calls
from seawall_handler.wiring import Services

ITEM = {"name": "once", "data": {"n": 1}}


def post(call: Harness, item: object = ITEM, key: str = "key-1") -> dict:
    return call(api_event("POST", "/items", item, headers={"Idempotency-Key": key}))


def count_items(aws: Env) -> int:
    result = aws.dynamodb.query(
        TableName=TABLE,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": {"S": "ITEMS"}},
    )
    return result["Count"]


def test_same_key_and_body_replays_the_first_answer(call: Harness, aws: Env) -> None:
    first = post(call)
    call.clock.now += 60
    second = post(call)
    assert first["statusCode"] == second["statusCode"] == 201
    assert body(second) == body(first)
    assert second["headers"]["Location"] == first["headers"]["Location"]
    assert second["headers"]["ETag"] == first["headers"]["ETag"]
    assert second["headers"]["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first["headers"]
    assert count_items(aws) == 1
    assert [line["IdempotentReplays"] for line in call.request_logs()] == [0, 1]


def test_same_key_with_another_body_is_422(call: Harness, aws: Env) -> None:
    post(call)
    response = post(call, {"name": "other", "data": {}})
    assert response["statusCode"] == 422
    assert body(response)["type"] == "urn:seawall:problem:idempotency-key-reused"
    assert count_items(aws) == 1


def test_whitespace_and_key_order_do_not_change_the_body(call: Harness) -> None:
    post(call, {"name": "once", "data": {"a": 1, "b": 2}})
    raw = '{ "data": {"b": 2, "a": 1},   "name": "once" }'
    event = api_event(
        "POST",
        "/items",
        raw_body=raw,
        headers={"Idempotency-Key": "key-1", "Content-Type": "application/json"},
    )
    assert call(event)["headers"].get("Idempotent-Replayed") == "true"


def test_different_keys_create_different_items(call: Harness, aws: Env) -> None:
    assert body(post(call, key="a"))["id"] != body(post(call, key="b"))["id"]
    assert count_items(aws) == 2


def in_flight(call: Harness, key: str = "key-1", item: object = ITEM) -> Claim:
    """Begin a request with `key` the way a concurrent invocation would, and leave it running."""
    calls = Calls(call.api.clients, lambda: 9.0)
    claim = (
        Services(call.api.settings, calls, call.clock.time)
        .idempotency()
        .begin(
            "key-1#POST /items",
            key,
            fingerprint("POST", "/items", item),
            lambda: "6f1c2a9e-0000-4000-8000-000000000001",
        )
    )
    assert isinstance(claim, Claim)
    return claim


def test_same_key_while_the_first_is_in_flight_is_409(call: Harness, aws: Env) -> None:
    in_flight(call)
    response = post(call)
    assert response["statusCode"] == 409
    assert count_items(aws) == 0


def test_a_dead_first_request_is_taken_over_after_its_lock(call: Harness, aws: Env) -> None:
    in_flight(call)
    call.clock.now += 11  # the first request's deadline (9 s) and the extra second have passed
    response = post(call)
    assert response["statusCode"] == 201
    # The id reserved by the first request is used, so a create it finished is found, not doubled.
    assert body(response)["id"] == "6f1c2a9e-0000-4000-8000-000000000001"
    assert post(call)["headers"]["Idempotent-Replayed"] == "true"
    assert count_items(aws) == 1


def test_a_failed_request_releases_the_key_for_an_immediate_retry(call: Harness, aws: Env) -> None:
    # A throttled table makes the create fail (503) after the key was claimed ...
    throttled = make_throttled(aws)
    assert post(throttled)["statusCode"] == 503
    # ... and the client's retry with the same key goes through at once instead of getting 409.
    retry = post(call)
    assert retry["statusCode"] == 201
    assert count_items(aws) == 1


def make_throttled(aws: Env) -> Harness:
    """A harness whose DynamoDB puts of items are refused with throttling errors (moto cannot
    throttle, so this botocore hook answers for it, before moto sees the request)."""
    harness = make_harness(aws)

    def throttle_item_puts(request, **_):
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if target.endswith("PutItem") and b'"sk": {"S": "ITEM"}' in request.body:
            return throttling_response(request.url)
        return None

    harness.api.clients.event_hooks.append(("before-send.dynamodb", throttle_item_puts))
    return harness


def test_bad_idempotency_keys_are_400(call: Harness) -> None:
    for key in ("", "x" * 256, "has space", "caf\u00e9"):
        response = post(call, key=key)
        assert response["statusCode"] == 400, key
        assert body(response)["errors"][0]["field"] == "header.Idempotency-Key"


def test_idempotency_keys_are_scoped_by_api_key(call: Harness, aws: Env) -> None:
    first = post(call)
    event = api_event("POST", "/items", ITEM, headers={"Idempotency-Key": "key-1"})
    event["requestContext"]["identity"]["apiKeyId"] = "another-client"
    second = call(event)
    assert second["statusCode"] == 201
    assert "Idempotent-Replayed" not in second["headers"]
    assert body(second)["id"] != body(first)["id"]
