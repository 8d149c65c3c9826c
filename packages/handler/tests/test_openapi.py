"""The OpenAPI document shipped in the package agrees with the code it describes."""

from __future__ import annotations

import json
from importlib import resources

from seawall_handler.adapter import endpoints, routes
from seawall_handler.domain import validation


def load() -> dict:
    return json.loads(resources.files("seawall_handler").joinpath("openapi.json").read_text())


def test_it_is_shipped_as_package_data_and_is_openapi_3() -> None:
    assert load()["openapi"].startswith("3.")


def test_every_route_and_method_is_documented_and_nothing_else() -> None:
    documented = {
        (path, method.upper())
        for path, operations in load()["paths"].items()
        for method in operations
        if method != "parameters"
    }
    implemented = {(route.template, method) for route in routes.ROUTES for method in route.methods}
    assert documented == implemented


def test_schema_limits_match_the_validation_code() -> None:
    schemas = load()["components"]["schemas"]
    item = schemas["ItemInput"]["properties"]
    assert item["name"]["minLength"] == 1
    assert item["name"]["maxLength"] == validation.NAME_MAX
    assert item["data"]["maxProperties"] == validation.DATA_MAX_KEYS
    assert schemas["ItemInput"]["additionalProperties"] is False
    jobs = schemas["JobInput"]["properties"]
    assert jobs["items"]["maxItems"] == validation.JOB_ITEMS_MAX
    assert jobs["type"]["enum"] == list(validation.JOB_TYPES)
    limit = load()["paths"]["/items"]["get"]["parameters"][0]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (
        1,
        endpoints.MAX_LIMIT,
        endpoints.DEFAULT_LIMIT,
    )


def test_body_limits_are_documented() -> None:
    text = json.dumps(load())
    assert f"{endpoints.ITEM_BODY_LIMIT} bytes" in text
    assert f"{endpoints.JOB_BODY_LIMIT} bytes" in text


def operations() -> list[tuple[str, str, dict]]:
    document = load()
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def resolve(response: dict) -> dict:
    ref = response.get("$ref", "")
    return load()["components"]["responses"][ref.rsplit("/", 1)[-1]] if ref else response


def gateway_error_schema(response: dict) -> str:
    return resolve(response)["content"]["application/json"]["schema"]["$ref"]


# Regression tests for what schemathesis found on the local stack (tests/fuzz): API Gateway's
# own answers, which never reach the function, were missing from the document.


def test_every_keyed_operation_documents_api_gateway_s_403_for_a_missing_or_wrong_key() -> None:
    document = load()
    for path, method, operation in operations():
        keyed = operation.get("security", document["security"]) != []
        assert ("403" in operation["responses"]) == keyed, (method, path)
        if keyed:
            schema = gateway_error_schema(operation["responses"]["403"])
            assert schema == "#/components/schemas/GatewayError"


def test_every_operation_documents_throttling_and_the_integration_timeout() -> None:
    for path, method, operation in operations():
        for status in ("429", "504"):
            assert status in operation["responses"], (method, path, status)
            schema = gateway_error_schema(operation["responses"][status])
            assert schema == "#/components/schemas/GatewayError"


def test_every_operation_documents_api_gateway_s_400_for_a_request_that_is_not_valid_http() -> None:
    # schemathesis sent DELETE with a NUL byte in If-Match: the gateway refused it
    # with {"message": "Bad Request"} before the function ran, an answer the document lacked.
    for path, method, operation in operations():
        assert "400" in operation["responses"], (method, path)
        schema = gateway_error_schema(operation["responses"]["400"])
        assert schema == "#/components/schemas/GatewayError"


def test_the_gateway_error_shape_is_the_stack_s_gateway_response_template() -> None:
    # terraform/modules/rest-api renders {"message", "type", "requestId"} for every gateway error.
    schema = load()["components"]["schemas"]["GatewayError"]
    assert set(schema["properties"]) == {"message", "type", "requestId"}
    assert schema["required"] == ["message"]
