"""The items routes, end to end through the API entry point, against moto's DynamoDB."""

from __future__ import annotations

import re

from handler_doubles import ORIGIN, Harness, api_event, body

ITEM = {"name": "first", "data": {"colour": "blue", "size": 3, "ok": True, "none": None}}


def create(call: Harness, item: object = ITEM, **kwargs) -> dict:
    response = call(api_event("POST", "/items", item, **kwargs))
    assert response["statusCode"] == 201, response
    return response


def test_health_answers_ok(call: Harness) -> None:
    response = call(api_event("GET", "/health"))
    assert response["statusCode"] == 200
    assert body(response) == {"status": "ok"}
    assert response["headers"]["Content-Type"] == "application/json"


def test_create_returns_the_stored_item_with_location_and_etag(call: Harness) -> None:
    response = create(call)
    item = body(response)
    assert re.fullmatch(r"[0-9a-f-]{36}", item["id"])
    assert item["name"] == ITEM["name"]
    assert item["data"] == ITEM["data"]
    assert item["version"] == 1
    assert item["created_at"] == item["updated_at"] == "2023-11-14T22:13:20.000Z"
    # The stage is part of the client's URL (requestContext.path), so it is part of Location.
    assert response["headers"]["Location"] == f"/local/items/{item['id']}"
    assert response["headers"]["ETag"] == '"1"'


def test_get_returns_what_was_created(call: Harness) -> None:
    created = body(create(call))
    response = call(api_event("GET", f"/items/{created['id']}"))
    assert response["statusCode"] == 200
    assert body(response) == created
    assert response["headers"]["ETag"] == '"1"'


def test_item_is_stored_under_the_documented_keys(call: Harness, aws) -> None:
    created = body(create(call))
    record = aws.dynamodb.get_item(
        TableName="seawall-test-data",
        Key={"pk": {"S": f"ITEM#{created['id']}"}, "sk": {"S": "ITEM"}},
    )["Item"]
    assert record["gsi1pk"] == {"S": "ITEMS"}
    assert record["gsi1sk"] == {"S": f"{created['created_at']}#{created['id']}"}
    assert record["version"] == {"N": "1"}


def test_unknown_or_malformed_ids_are_404(call: Harness) -> None:
    for path in ("/items/00000000-0000-4000-8000-000000000000", "/items/not-an-id"):
        response = call(api_event("GET", path))
        assert response["statusCode"] == 404
        assert response["headers"]["Content-Type"] == "application/problem+json"
        problem = body(response)
        assert problem["status"] == 404
        assert problem["request_id"] == "req-1"


def test_put_needs_if_match(call: Harness) -> None:
    created = body(create(call))
    response = call(api_event("PUT", f"/items/{created['id']}", ITEM))
    assert response["statusCode"] == 428


def test_put_with_current_version_bumps_it(call: Harness) -> None:
    created = body(create(call))
    call.clock.now += 5
    update = {"name": "renamed", "data": {"n": 1.5}}
    response = call(
        api_event("PUT", f"/items/{created['id']}", update, headers={"If-Match": '"1"'})
    )
    assert response["statusCode"] == 200
    item = body(response)
    assert (item["name"], item["data"], item["version"]) == ("renamed", {"n": 1.5}, 2)
    assert item["created_at"] == created["created_at"]
    assert item["updated_at"] == "2023-11-14T22:13:25.000Z"
    assert response["headers"]["ETag"] == '"2"'
    assert body(call(api_event("GET", f"/items/{created['id']}"))) == item


def test_put_with_stale_version_is_412_and_changes_nothing(call: Harness) -> None:
    created = body(create(call))
    path = f"/items/{created['id']}"
    call(api_event("PUT", path, ITEM, headers={"If-Match": '"1"'}))
    response = call(
        api_event("PUT", path, {"name": "late", "data": {}}, headers={"If-Match": '"1"'})
    )
    assert response["statusCode"] == 412
    assert response["headers"]["ETag"] == '"2"'
    assert body(call(api_event("GET", path)))["name"] == ITEM["name"]


def test_put_on_unknown_item_is_404(call: Harness) -> None:
    path = "/items/00000000-0000-4000-8000-000000000000"
    response = call(api_event("PUT", path, ITEM, headers={"If-Match": '"1"'}))
    assert response["statusCode"] == 404


def test_delete_then_get_is_404(call: Harness) -> None:
    created = body(create(call))
    path = f"/items/{created['id']}"
    response = call(api_event("DELETE", path))
    assert response["statusCode"] == 204
    assert response["body"] == ""
    assert call(api_event("GET", path))["statusCode"] == 404
    assert call(api_event("DELETE", path))["statusCode"] == 404


def test_delete_with_stale_if_match_is_412(call: Harness) -> None:
    created = body(create(call))
    path = f"/items/{created['id']}"
    response = call(api_event("DELETE", path, headers={"If-Match": '"7"'}))
    assert response["statusCode"] == 412
    assert call(api_event("GET", path))["statusCode"] == 200
    assert call(api_event("DELETE", path, headers={"If-Match": '"1"'}))["statusCode"] == 204


def test_wrong_method_is_405_with_allow(call: Harness) -> None:
    response = call(api_event("PATCH", "/items"))
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET, POST, OPTIONS"


def test_unknown_path_is_404(call: Harness) -> None:
    assert call(api_event("GET", "/nope"))["statusCode"] == 404


def test_errors_carry_cors_headers(call: Harness) -> None:
    response = call(api_event("GET", "/items/nope"))
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert response["headers"]["Vary"] == "Origin"


def test_location_has_no_stage_on_a_custom_domain(call: Harness) -> None:
    event = api_event("POST", "/items", ITEM)
    event["requestContext"]["path"] = "/items"  # custom domain: the client's path is the path
    response = call(event)
    assert response["headers"]["Location"] == f"/items/{body(response)['id']}"
