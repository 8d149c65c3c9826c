"""The local gateway answers as API Gateway does, around real function environments."""

from __future__ import annotations

import json

import pytest
from fake_clock import FakeClock

from seawall.runtime.events import HttpRequest
from seawall.runtime.gateway import Gateway
from seawall.runtime.records import RequestRecord, json_access_log
from seawall.runtime.restapi import (
    ApiKey,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    Quota,
    Resource,
    RestApi,
    StageLimits,
    Throttle,
    UsagePlan,
)
from seawall.runtime.throttle import Throttler

KEY = "secret-key-value"
RECORDS: list[RequestRecord] = []  # what the gateway fixture's on_request_done callback received
ERROR_TEMPLATE = (
    '{"message":$context.error.messageString,"type":"$context.error.responseType"}'  # the stack's
)


def lambda_method(
    http_method: str, arn: str, *, key: bool = True, timeout_ms: int = 29_000
) -> Method:
    uri = f"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/{arn}/invocations"
    return Method(http_method, key, "NONE", Integration("AWS_PROXY", uri, timeout_ms))


@pytest.fixture
def gateway(make_pool):
    RECORDS.clear()
    echo, slow, boom, malformed = (make_pool(h) for h in ("echo", "slow", "boom", "malformed"))
    api = RestApi(
        id="api1",
        name="test",
        stage="local",
        resources=(
            Resource("r1", "/health", {"GET": lambda_method("GET", echo.spec.arn, key=False)}),
            Resource("r2", "/items/{id}", {"GET": lambda_method("GET", echo.spec.arn)}),
            Resource(
                "r3",
                "/slow",
                {"GET": lambda_method("GET", slow.spec.arn, key=False, timeout_ms=300)},
            ),
            Resource("r4", "/boom", {"GET": lambda_method("GET", boom.spec.arn, key=False)}),
            Resource("r5", "/bad", {"GET": lambda_method("GET", malformed.spec.arn, key=False)}),
        ),
        api_keys={KEY: ApiKey("key1", KEY, "plan1")},
        gateway_responses={
            "DEFAULT_4XX": GatewayResponse(
                None,
                {"Access-Control-Allow-Origin": "'https://app.example.com'"},
                {"application/json": '{"message":$context.error.messageString}'},
            ),
            "MISSING_AUTHENTICATION_TOKEN": GatewayResponse(
                404,
                {"Access-Control-Allow-Origin": "method.request.header.Origin", "Vary": "'Origin'"},
                {"application/json": ERROR_TEMPLATE},
            ),
        },
    )
    pools = {pool.spec.arn: pool for pool in (echo, slow, boom, malformed)}
    gw = Gateway(api, pools, account_id="123456789012", on_request_done=[RECORDS.append])
    yield gw
    gw.close()


def get(gateway: Gateway, path: str, *, key: str | None = None, query=()) -> tuple[int, dict, dict]:
    headers = [("x-api-key", key)] if key else []
    response = gateway.handle(HttpRequest("GET", path, headers, list(query), b"", "127.0.0.1"))
    return response.status, dict(response.headers), json.loads(response.body or b"null")


def test_route_without_key_requirement_reaches_the_function(gateway) -> None:
    status, headers, body = get(gateway, "/health")
    assert status == 200
    assert body["path"] == "/health"
    assert headers["x-amzn-RequestId"]


def test_every_response_carries_both_request_id_headers_and_one_record(gateway) -> None:
    for path, key in (("/items/7", KEY), ("/items/7", None), ("/nowhere", None), ("/boom", None)):
        response = gateway.handle(
            HttpRequest("GET", path, [("x-api-key", key or "")], [], b"", "127.0.0.1")
        )
        headers = dict(response.headers)
        assert headers["x-amzn-RequestId"] != headers["x-amz-apigw-id"]
        assert RECORDS[-1].request_id == headers["x-amzn-RequestId"]
        assert RECORDS[-1].extended_request_id == headers["x-amz-apigw-id"]
        assert RECORDS[-1].status == response.status
    assert len(RECORDS) == 4


def test_a_record_says_what_happened_to_the_request(gateway) -> None:
    ok, forbidden, unrouted = (
        gateway.handle(HttpRequest("GET", p, h, [], b"", "10.0.0.9"))
        for p, h in (
            ("/items/7", [("x-api-key", KEY), ("User-Agent", "probe/1")]),
            ("/items/7", [("x-api-key", "wrong")]),
            ("/nowhere", []),
        )
    )
    good, bad, nowhere = RECORDS
    assert (good.status, good.resource_path, good.api_key_id, good.usage_plan_id) == (
        200,
        "/items/{id}",
        "key1",
        "plan1",
    )
    assert good.integration_latency_ms is not None
    assert 0 < good.integration_latency_ms <= good.latency_ms
    assert (good.source_ip, good.user_agent, good.response_bytes) == (
        "10.0.0.9",
        "probe/1",
        len(ok.body),
    )
    assert good.error_response_type is None
    assert (bad.status, bad.api_key_id, bad.integration_latency_ms) == (403, None, None)
    assert (bad.error_response_type, bad.error_message) == ("INVALID_API_KEY", "Forbidden")
    assert (nowhere.resource_path, nowhere.error_response_type) == (
        None,
        "MISSING_AUTHENTICATION_TOKEN",
    )
    assert unrouted.status == nowhere.status == 404
    assert forbidden.status == 403


def test_a_failing_observer_does_not_change_the_answer(gateway) -> None:
    def broken(record: RequestRecord) -> None:
        raise RuntimeError("observer bug")

    lines: list[str] = []
    gateway.on_request_done[:0] = [broken]
    gateway.on_request_done.append(json_access_log(lines.append))
    status, _, _ = get(gateway, "/items/7", key=KEY)
    assert status == 200
    assert json.loads(lines[0])["resourcePath"] == "/items/{id}"


def test_path_parameters_reach_the_function_with_a_valid_key(gateway) -> None:
    status, _, body = get(gateway, "/items/7", key=KEY)
    assert status == 200
    assert body["pathParameters"] == {"id": "7"}


@pytest.mark.parametrize("key", [None, "wrong"])
def test_missing_or_wrong_api_key_is_forbidden_with_cors_headers(gateway, key) -> None:
    status, headers, body = get(gateway, "/items/7", key=key)
    assert status == 403
    assert body == {"message": "Forbidden"}
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_unknown_route_uses_the_apis_own_gateway_response(gateway) -> None:
    response = gateway.handle(
        HttpRequest("GET", "/nowhere", [("Origin", "https://x.example.com")], [], b"", "127.0.0.1")
    )
    headers = dict(response.headers)
    assert response.status == 404  # the API overrides API Gateway's 403 for this type
    assert json.loads(response.body) == {
        "message": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
    }
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert (
        headers["Access-Control-Allow-Origin"] == "https://x.example.com"
    )  # mapped from the request
    assert headers["Vary"] == "Origin"


def test_a_header_mapped_from_an_absent_request_header_is_left_out(gateway) -> None:
    status, headers, _ = get(gateway, "/nowhere")
    assert status == 404
    assert "Access-Control-Allow-Origin" not in headers


def test_integration_timeout_is_a_504(gateway) -> None:
    status, _, body = get(gateway, "/slow", query=[("seconds", "2")])
    assert status == 504
    assert body == {"message": "Endpoint request timed out"}


def test_function_error_and_malformed_result_are_502(gateway) -> None:
    assert get(gateway, "/boom")[0] == 502
    assert get(gateway, "/bad")[0] == 502


def mock_gateway(response_templates: dict[str, str]) -> Gateway:
    options = Method(
        "OPTIONS",
        False,
        "NONE",
        Integration(
            "MOCK",
            None,
            29_000,
            request_templates={"application/json": '{"statusCode": 200}'},
            responses=(
                IntegrationResponse(
                    200,
                    None,
                    {
                        "Access-Control-Allow-Origin": "'http://localhost:3000'",
                        "Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
                    },
                    response_templates,
                ),
            ),
        ),
    )
    api = RestApi("api1", "t", "v1", (Resource("r", "/items", {"OPTIONS": options}),), {})
    return Gateway(api, {}, account_id="123456789012")


def test_mock_integration_answers_a_preflight_with_its_mapped_headers() -> None:
    preflight = HttpRequest(
        "OPTIONS",
        "/items",
        [("Origin", "http://localhost:3000"), ("Access-Control-Request-Method", "POST")],
        [],
        b"",
        "127.0.0.1",
    )
    response = mock_gateway({"application/json": ""}).handle(preflight)
    headers = dict(response.headers)
    assert response.status == 200
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert response.body == b""


def test_a_mock_template_that_fails_is_a_500_not_a_guess() -> None:
    template = {"application/json": "$util.parseJson('not json')"}
    response = mock_gateway(template).handle(
        HttpRequest("OPTIONS", "/items", [], [], b"", "127.0.0.1")
    )
    assert response.status == 500


def test_throttled_and_over_quota_requests_get_429s_through_the_apis_gateway_responses(
    gateway,
) -> None:
    plan = UsagePlan("plan1", Throttle(rate=1, burst=2), Quota(limit=3, period="DAY"))
    gateway.update_limits(
        StageLimits(
            api_keys={KEY: ApiKey("key1", KEY, "plan1")},
            usage_plans={"plan1": plan},
            stage_throttles={},
        )
    )
    clock = FakeClock(100.0)
    gateway.throttler = Throttler(clock=clock, wall_clock=clock)
    answers = [get(gateway, "/items/7", key=KEY) for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, headers, body = answers[2]
    assert body == {"message": "Too Many Requests"}
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"  # DEFAULT_4XX's
    assert RECORDS[-1].error_response_type == "THROTTLED"
    clock.now += 1
    assert get(gateway, "/items/7", key=KEY)[0] == 200  # the third of the quota
    clock.now += 1
    status, headers, body = get(gateway, "/items/7", key=KEY)
    assert (status, body) == (429, {"message": "Limit Exceeded"})
    assert RECORDS[-1].error_response_type == "QUOTA_EXCEEDED"
    assert get(gateway, "/health")[0] == 200  # no key required: no usage plan applies
