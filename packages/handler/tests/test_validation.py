"""Requests the API refuses: precise 4xx problem documents, never a 5xx."""

from __future__ import annotations

import pytest
from handler_doubles import Harness, api_event, body


def errors_of(response: dict) -> list[dict]:
    return body(response)["errors"]


@pytest.mark.parametrize(
    ("item", "field", "reason"),
    [
        ({"data": {}}, "name", "is required"),
        ({"name": "", "data": {}}, "name", "must be 1 to 200 characters long"),
        ({"name": "x" * 201, "data": {}}, "name", "must be 1 to 200 characters long"),
        ({"name": 5, "data": {}}, "name", "must be a string"),
        ({"name": "a"}, "data", "is required"),
        ({"name": "a", "data": []}, "data", "must be an object"),
        (
            {"name": "a", "data": {str(i): i for i in range(51)}},
            "data",
            "must have at most 50 keys",
        ),
        (
            {"name": "a", "data": {"k": [1]}},
            "data.k",
            "must be a string, a number, a boolean or null",
        ),
        (
            {"name": "a", "data": {"k": {"x": 1}}},
            "data.k",
            "must be a string, a number, a boolean or null",
        ),
        ({"name": "a", "data": {}, "extra": 1}, "extra", "unknown field"),
        (["not", "an", "object"], "body", "must be a JSON object"),
    ],
)
def test_schema_violations_are_400_with_field_and_reason(
    call: Harness, item, field, reason
) -> None:
    response = call(api_event("POST", "/items", item))
    assert response["statusCode"] == 400
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert {"field": field, "reason": reason} in errors_of(response)


def test_boundary_values_are_accepted(call: Harness) -> None:
    item = {"name": "x" * 200, "data": {str(i): i for i in range(50)}}
    assert call(api_event("POST", "/items", item))["statusCode"] == 201


@pytest.mark.parametrize("raw", ["{", "", "nul", '{"name": NaN, "data": {}}', '"\\ud800'])
def test_invalid_json_is_400(call: Harness, raw: str) -> None:
    response = call(
        api_event("POST", "/items", raw_body=raw, headers={"Content-Type": "application/json"})
    )
    assert response["statusCode"] == 400
    assert body(response)["type"] == "urn:seawall:problem:malformed-request"


def test_lone_surrogates_are_refused(call: Harness) -> None:
    raw = '{"name": "\\ud800", "data": {}}'
    response = call(
        api_event("POST", "/items", raw_body=raw, headers={"Content-Type": "application/json"})
    )
    assert response["statusCode"] == 400
    assert errors_of(response)[0]["field"] == "name"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=latin-1"])
def test_wrong_content_type_is_415(call: Harness, content_type: str | None) -> None:
    event = api_event("POST", "/items", raw_body='{"name": "a", "data": {}}')
    if content_type:
        event["headers"]["Content-Type"] = content_type
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    response = call(event)
    assert response["statusCode"] == 415


def test_json_with_charset_utf8_is_fine(call: Harness) -> None:
    event = api_event(
        "POST",
        "/items",
        {"name": "a", "data": {}},
        headers={"Content-Type": "application/json; charset=UTF-8"},
    )
    assert call(event)["statusCode"] == 201


def test_body_over_64_kib_is_413(call: Harness) -> None:
    item = {"name": "big", "data": {"blob": "x" * (64 * 1024)}}
    response = call(api_event("POST", "/items", item))
    assert response["statusCode"] == 413
    assert body(response)["limit_bytes"] == 65536


def test_base64_bodies_are_decoded(call: Harness) -> None:
    response = call(api_event("POST", "/items", {"name": "b64", "data": {}}, base64_body=True))
    assert response["statusCode"] == 201
    assert body(response)["name"] == "b64"


def test_broken_base64_is_400(call: Harness) -> None:
    event = api_event("POST", "/items", {"name": "a", "data": {}})
    event["body"], event["isBase64Encoded"] = "!!!", True
    assert call(event)["statusCode"] == 400


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", "", "1e2", "\u0661"])
def test_bad_limit_is_400(call: Harness, limit: str) -> None:
    response = call(api_event("GET", "/items", query={"limit": limit}))
    assert response["statusCode"] == 400
    assert errors_of(response)[0]["field"] == "query.limit"


def test_an_event_of_the_wrong_shape_is_a_404_not_a_crash(call: Harness) -> None:
    for event in ({}, {"httpMethod": None, "path": 7}, {"headers": "x", "body": 3}):
        response = call(event)
        assert response["statusCode"] == 404
