"""The local gateway reads a REST API's routes, keys and gateway responses from the emulator."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from seawall.runtime.restapi import ApiKey, Quota, Throttle, load_rest_api, load_stage_limits

FUNCTION_ARN = "arn:aws:lambda:us-west-2:123456789012:function:fn"


@pytest.mark.emulator
def test_loads_routes_api_keys_and_gateway_responses_from_the_emulator(aws_emulator) -> None:
    apigateway = aws_emulator.client("apigateway")
    api_id = apigateway.create_rest_api(name="loaded")["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    items = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="items")["id"]
    item = apigateway.create_resource(restApiId=api_id, parentId=items, pathPart="{id}")["id"]
    apigateway.put_method(
        restApiId=api_id,
        resourceId=item,
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=True,
    )
    apigateway.put_integration(
        restApiId=api_id,
        resourceId=item,
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/"
        f"{FUNCTION_ARN}/invocations",
    )
    apigateway.put_gateway_response(
        restApiId=api_id,
        responseType="DEFAULT_4XX",
        responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        responseTemplates={"application/json": '{"message":$context.error.messageString}'},
    )
    deployment = apigateway.create_deployment(restApiId=api_id)["id"]
    apigateway.create_stage(restApiId=api_id, stageName="local", deploymentId=deployment)
    plan = apigateway.create_usage_plan(
        name="plan", apiStages=[{"apiId": api_id, "stage": "local"}]
    )["id"]
    other_plan = apigateway.create_usage_plan(name="other")["id"]
    for plan_id, value, enabled in (
        (plan, "key-in-plan-0123456789abcdef", True),
        (plan, "key-disabled-0123456789abcdef", False),
        (other_plan, "key-elsewhere-0123456789abcdef", True),
    ):
        key = apigateway.create_api_key(name=value, value=value, enabled=enabled)["id"]
        apigateway.create_usage_plan_key(usagePlanId=plan_id, keyId=key, keyType="API_KEY")

    api = load_rest_api(apigateway, api_id, "local")

    by_path = {resource.path: resource for resource in api.resources}
    assert set(by_path) == {"/", "/items", "/items/{id}"}
    method = by_path["/items/{id}"].methods["GET"]
    assert method.api_key_required
    assert method.integration is not None
    assert method.integration.function_arn == FUNCTION_ARN
    assert set(api.api_keys) == {"key-in-plan-0123456789abcdef"}
    assert api.api_keys["key-in-plan-0123456789abcdef"].usage_plan_id == plan
    assert api.gateway_responses["DEFAULT_4XX"].headers == {"Access-Control-Allow-Origin": "'*'"}
    assert api.gateway_responses["DEFAULT_4XX"].templates == {
        "application/json": '{"message":$context.error.messageString}'
    }


def test_every_page_is_read() -> None:
    """The emulator answers in one page; API Gateway pages with `position` (stubbed: no network)."""
    apigateway = boto3.client(
        "apigateway",
        region_name="us-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # a stub's: nothing is sent
    )
    stubber = Stubber(apigateway)
    stubber.add_response("get_rest_api", {"name": "paged"}, {"restApiId": "a1"})
    stubber.add_response(
        "get_stage", {"variables": {"v": "1"}}, {"restApiId": "a1", "stageName": "s"}
    )
    stubber.add_response(
        "get_resources",
        {"items": [{"id": "r1", "path": "/"}], "position": "p2"},
        {"restApiId": "a1"},
    )
    stubber.add_response(
        "get_resources",
        {"items": [{"id": "r2", "path": "/next"}]},
        {"restApiId": "a1", "position": "p2"},
    )
    stubber.add_response(
        "get_usage_plans",
        {"items": [{"id": "u1", "apiStages": []}], "position": "q2"},
        {},
    )
    stubber.add_response(
        "get_usage_plans",
        {"items": [{"id": "u2", "apiStages": [{"apiId": "a1", "stage": "s"}]}]},
        {"position": "q2"},
    )
    for key, page, position in (("k1", {"position": "k"}, {}), ("k2", {}, {"position": "k"})):
        stubber.add_response(
            "get_usage_plan_keys",
            {"items": [{"id": key}], **page},
            {"usagePlanId": "u2", **position},
        )
        stubber.add_response(
            "get_api_key",
            {"value": f"value-{key}", "enabled": True},
            {"apiKey": key, "includeValue": True},
        )
    stubber.add_response(
        "get_gateway_responses",
        {"items": [{"responseType": "DEFAULT_4XX"}], "position": "g2"},
        {"restApiId": "a1"},
    )
    stubber.add_response(
        "get_gateway_responses",
        {"items": [{"responseType": "DEFAULT_5XX", "statusCode": "500"}]},
        {"restApiId": "a1", "position": "g2"},
    )

    with stubber:
        api = load_rest_api(apigateway, "a1", "s")
    stubber.assert_no_pending_responses()

    assert [resource.path for resource in api.resources] == ["/", "/next"]
    assert {value: key.id for value, key in api.api_keys.items()} == {
        "value-k1": "k1",
        "value-k2": "k2",
    }
    assert set(api.gateway_responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    assert api.gateway_responses["DEFAULT_5XX"].status_code == 500
    assert api.stage_variables == {"v": "1"}


@pytest.mark.emulator
def test_loads_usage_plan_limits_and_stage_method_throttling_from_the_emulator(
    aws_emulator,
) -> None:
    apigateway = aws_emulator.client("apigateway")
    api_id = apigateway.create_rest_api(name="limits")["id"]
    root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
    apigateway.put_method(
        restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
    )
    apigateway.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigateway.create_deployment(restApiId=api_id)["id"]
    apigateway.create_stage(restApiId=api_id, stageName="local", deploymentId=deployment)
    apigateway.update_stage(  # what aws_api_gateway_method_settings does for "*/*"
        restApiId=api_id,
        stageName="local",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "75"},
        ],
    )
    plan = apigateway.create_usage_plan(
        name="plan",
        apiStages=[{"apiId": api_id, "stage": "local"}],
        throttle={"rateLimit": 5.0, "burstLimit": 10},
        quota={"limit": 1000, "period": "WEEK", "offset": 10},
    )["id"]
    key = apigateway.create_api_key(name="k", value="limits-key-0123456789abcdef", enabled=True)
    apigateway.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")

    limits = load_stage_limits(apigateway, api_id, "local")
    assert limits.stage_throttles == {("*", "*"): Throttle(50.0, 75)}
    assert limits.usage_plans[plan].throttle == Throttle(5.0, 10)
    assert limits.usage_plans[plan].quota == Quota(1000, "WEEK", 10)
    assert limits.api_keys["limits-key-0123456789abcdef"] == ApiKey(
        key["id"], "limits-key-0123456789abcdef", plan
    )

    apigateway.update_usage_plan(  # a live change, as the runtime's refresh reads it
        usagePlanId=plan,
        patchOperations=[{"op": "replace", "path": "/throttle/burstLimit", "value": "1"}],
    )
    assert load_stage_limits(apigateway, api_id, "local").usage_plans[plan].throttle == Throttle(
        5.0, 1
    )
