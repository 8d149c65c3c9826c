"""A REST API as the emulator describes it: routes, integrations, API keys, gateway responses."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function arn}/invocations
_LAMBDA_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations$"
)
DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000


@dataclass(frozen=True)
class IntegrationResponse:
    status_code: int
    selection_pattern: str | None  # None: the default response
    headers: dict[str, str]  # header name -> 'literal' or a request mapping
    templates: dict[str, str]


@dataclass(frozen=True)
class Integration:
    type: str  # AWS_PROXY, MOCK, HTTP_PROXY, ...
    uri: str | None
    timeout_ms: int
    request_templates: dict[str, str] = field(default_factory=dict)
    responses: tuple[IntegrationResponse, ...] = ()

    @functools.cached_property  # read on every request; the dataclass is frozen, the URI fixed
    def function_arn(self) -> str | None:
        match = _LAMBDA_URI.match(self.uri or "")
        return match.group("arn") if match else None


@dataclass(frozen=True)
class Method:
    http_method: str
    api_key_required: bool
    authorization_type: str
    integration: Integration | None


@dataclass(frozen=True)
class Resource:
    id: str
    path: str
    methods: dict[str, Method]

    @functools.cached_property  # matched on every request
    def segments(self) -> tuple[str, ...]:
        return tuple(part for part in self.path.split("/") if part)


@dataclass(frozen=True)
class GatewayResponse:
    status_code: int | None
    headers: dict[str, str]
    templates: dict[str, str]


@dataclass(frozen=True)
class Throttle:
    rate: float  # requests per second, steady
    burst: int  # requests at once


@dataclass(frozen=True)
class Quota:
    limit: int
    period: str  # DAY, WEEK or MONTH
    offset: int = 0  # requests subtracted from the limit in the first period


@dataclass(frozen=True)
class UsagePlan:
    id: str
    throttle: Throttle | None
    quota: Quota | None
    # (resource path, HTTP method) -> the plan's limit for that method of this stage
    method_throttles: dict[tuple[str, str], Throttle] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKey:
    id: str
    value: str
    usage_plan_id: str  # the usage plan that binds this key to the stage


@dataclass(frozen=True)
class RestApi:
    id: str
    name: str
    stage: str
    resources: tuple[Resource, ...]
    api_keys: dict[str, ApiKey]  # the enabled keys of the stage's usage plans, by value
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    usage_plans: dict[str, UsagePlan] = field(default_factory=dict)  # the stage's, by id
    # (resource path, HTTP method) -> the stage's method settings limit; ("*", "*") the default
    stage_throttles: dict[tuple[str, str], Throttle] = field(default_factory=dict)


@dataclass(frozen=True)
class StageLimits:
    """What can change on a live stage without a deployment: keys, usage plans, throttling."""

    api_keys: dict[str, ApiKey]
    usage_plans: dict[str, UsagePlan]
    stage_throttles: dict[tuple[str, str], Throttle]


def load_rest_api(apigateway: Any, api_id: str, stage: str) -> RestApi:
    """Read the REST API `api_id` and its stage `stage` from API Gateway (the emulator)."""
    api = apigateway.get_rest_api(restApiId=api_id)
    stage_info = apigateway.get_stage(restApiId=api_id, stageName=stage)
    resources = tuple(
        _resource(apigateway, api_id, item)
        for item in _items(apigateway, "get_resources", restApiId=api_id)
    )
    limits = load_stage_limits(apigateway, api_id, stage, stage_info)
    return RestApi(
        id=api_id,
        name=api.get("name", api_id),
        stage=stage,
        resources=resources,
        api_keys=limits.api_keys,
        gateway_responses=_gateway_responses(apigateway, api_id),
        stage_variables=dict(stage_info.get("variables") or {}),
        usage_plans=limits.usage_plans,
        stage_throttles=limits.stage_throttles,
    )


def load_stage_limits(
    apigateway: Any, api_id: str, stage: str, stage_info: dict[str, Any] | None = None
) -> StageLimits:
    """The stage's API keys, usage plans and throttling settings, as the emulator has them now."""
    if stage_info is None:
        stage_info = apigateway.get_stage(restApiId=api_id, stageName=stage)
    keys: dict[str, ApiKey] = {}
    plans: dict[str, UsagePlan] = {}
    for plan in _items(apigateway, "get_usage_plans"):
        binding = next(
            (
                s
                for s in plan.get("apiStages", [])
                if (s.get("apiId"), s.get("stage")) == (api_id, stage)
            ),
            None,
        )
        if binding is None:
            continue
        plans[plan["id"]] = _usage_plan(plan, binding)
        for plan_key in _items(apigateway, "get_usage_plan_keys", usagePlanId=plan["id"]):
            key = apigateway.get_api_key(apiKey=plan_key["id"], includeValue=True)
            if key.get("enabled", True) and key.get("value"):
                keys[key["value"]] = ApiKey(plan_key["id"], key["value"], plan["id"])
    return StageLimits(keys, plans, _stage_throttles(stage_info.get("methodSettings") or {}))


def _usage_plan(plan: dict[str, Any], binding: dict[str, Any]) -> UsagePlan:
    quota = plan.get("quota") or {}
    method_throttles = {}
    for method_path, limits in (binding.get("throttle") or {}).items():
        throttle = _throttle(limits, "rateLimit", "burstLimit")
        if throttle is not None:  # "/items/{id}/GET"
            path, _, method = method_path.rpartition("/")
            method_throttles[(path or "/", method)] = throttle
    return UsagePlan(
        id=plan["id"],
        throttle=_throttle(plan.get("throttle") or {}, "rateLimit", "burstLimit"),
        quota=Quota(int(quota["limit"]), quota.get("period", "DAY"), int(quota.get("offset") or 0))
        if quota.get("limit") is not None
        else None,
        method_throttles=method_throttles,
    )


def _stage_throttles(method_settings: dict[str, Any]) -> dict[tuple[str, str], Throttle]:
    """Method settings keyed "*/*" or "~1items~1{id}/GET" (API Gateway escapes / as ~1)."""
    throttles = {}
    for method_path, settings in method_settings.items():
        throttle = _throttle(settings, "throttlingRateLimit", "throttlingBurstLimit")
        if throttle is None:
            continue
        path, _, method = method_path.rpartition("/")
        path = path.replace("~1", "/")
        if path != "*":
            path = "/" + path.lstrip("/")
        throttles[(path, method)] = throttle
    return throttles


def _throttle(settings: dict[str, Any], rate: str, burst: str) -> Throttle | None:
    if settings.get(rate) is None and settings.get(burst) is None:
        return None
    return Throttle(float(settings.get(rate) or 0), int(settings.get(burst) or 0))


def _resource(apigateway: Any, api_id: str, item: dict[str, Any]) -> Resource:
    methods = {}
    for http_method in item.get("resourceMethods") or {}:
        method = apigateway.get_method(
            restApiId=api_id, resourceId=item["id"], httpMethod=http_method
        )
        methods[http_method] = Method(
            http_method=http_method,
            api_key_required=bool(method.get("apiKeyRequired")),
            authorization_type=method.get("authorizationType", "NONE"),
            integration=_integration(method.get("methodIntegration")),
        )
    return Resource(id=item["id"], path=item["path"], methods=methods)


def _integration(raw: dict[str, Any] | None) -> Integration | None:
    if not raw:
        return None
    timeout = raw.get("timeoutInMillis") or DEFAULT_INTEGRATION_TIMEOUT_MS
    responses = tuple(
        IntegrationResponse(
            status_code=int(item.get("statusCode") or code),
            selection_pattern=item.get("selectionPattern") or None,
            headers=_header_mappings(item.get("responseParameters"), "method.response.header."),
            templates=_templates(item.get("responseTemplates")),
        )
        for code, item in sorted((raw.get("integrationResponses") or {}).items())
    )
    return Integration(
        type=raw.get("type", ""),
        uri=raw.get("uri"),
        timeout_ms=int(timeout),
        request_templates=_templates(raw.get("requestTemplates")),
        responses=responses,
    )


def _header_mappings(parameters: dict[str, str] | None, prefix: str) -> dict[str, str]:
    """The header mappings among response parameters, by header name (the prefix is API
    Gateway's: method.response.header. or gatewayresponse.header.)."""
    return {
        name.removeprefix(prefix): source
        for name, source in (parameters or {}).items()
        if name.startswith(prefix)
    }


def _gateway_responses(apigateway: Any, api_id: str) -> dict[str, GatewayResponse]:
    responses = {}
    for item in _items(apigateway, "get_gateway_responses", restApiId=api_id):
        headers = _header_mappings(item.get("responseParameters"), "gatewayresponse.header.")
        status = item.get("statusCode")
        responses[item["responseType"]] = GatewayResponse(
            status_code=int(status) if status else None,
            headers=headers,
            templates=_templates(item.get("responseTemplates")),
        )
    return responses


def _templates(raw: dict[str, str | None] | None) -> dict[str, str]:
    """Mapping templates by content type; API Gateway reports an empty template as null."""
    return {content_type: text or "" for content_type, text in (raw or {}).items()}


def _items(apigateway: Any, operation: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The items of every page of a paged API Gateway listing."""
    for page in apigateway.get_paginator(operation).paginate(**kwargs):
        yield from page.get("items", [])
