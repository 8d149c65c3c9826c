"""Proxy events have API Gateway's shape; Lambda results map back or are refused as API GW does."""

from __future__ import annotations

import base64

import pytest

from seawall.runtime.events import HttpRequest, MalformedLambdaResponse, http_response, proxy_event


def request(body: bytes = b"", **overrides: object) -> HttpRequest:
    values = {
        "method": "POST",
        "path": "/items/42",
        "headers": [("Content-Type", "application/json"), ("X-Tag", "a"), ("X-Tag", "b")],
        "query": [("limit", "5"), ("tag", "x"), ("tag", "y")],
        "body": body,
        "source_ip": "127.0.0.1",
    }
    values.update(overrides)
    return HttpRequest(**values)  # type: ignore[arg-type]


def event_for(req: HttpRequest) -> dict:
    return proxy_event(
        req,
        resource_path="/items/{id}",
        path_parameters={"id": "42"},
        stage="local",
        api_id="abc123",
        request_id="req-1",
        account_id="123456789012",
        api_key="key",
        stage_variables={},
    )


def test_event_carries_single_and_multi_value_headers_and_query() -> None:
    event = event_for(request(b'{"a": 1}'))
    assert event["httpMethod"] == "POST"
    assert event["resource"] == "/items/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["queryStringParameters"] == {"limit": "5", "tag": "y"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["x", "y"]
    assert event["body"] == '{"a": 1}'
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["stage"] == "local"
    assert event["requestContext"]["path"] == "/local/items/42"
    assert event["requestContext"]["identity"]["apiKey"] == "key"


def test_binary_body_is_base64_encoded() -> None:
    event = event_for(request(b"\xff\xfe\x00"))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe\x00"


def test_empty_parts_are_null_as_in_api_gateway() -> None:
    event = event_for(request(headers=[], query=[]))
    assert event["body"] is None
    assert event["queryStringParameters"] is None
    assert event["headers"] is None


def test_result_maps_status_headers_and_body() -> None:
    response = http_response(
        {
            "statusCode": 201,
            "headers": {"Location": "/items/1"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": '{"id": "1"}',
        }
    )
    assert response.status == 201
    assert ("Location", "/items/1") in response.headers
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert response.body == b'{"id": "1"}'


def test_base64_result_body_is_decoded() -> None:
    encoded = base64.b64encode(b"\x00\x01").decode()
    assert (
        http_response({"statusCode": 200, "body": encoded, "isBase64Encoded": True}).body
        == b"\x00\x01"
    )


@pytest.mark.parametrize(
    "payload",
    [
        "not an object",
        {"statusCode": "abc"},
        {"statusCode": 99},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "unexpected": True},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
    ],
)
def test_malformed_results_are_refused(payload: object) -> None:
    with pytest.raises(MalformedLambdaResponse):
        http_response(payload)
