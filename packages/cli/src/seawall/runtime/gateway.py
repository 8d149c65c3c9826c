"""The local API Gateway: turns HTTP requests into proxy events for deployed functions.

What it does per request, in API Gateway's order: match the route (else 403 Missing
Authentication Token), check the API key when the method requires one (else 403 Forbidden), invoke
the integration's function within the integration timeout (else 504), and map the result (a
malformed one is a 502).
Errors the gateway itself produces use the REST API's gateway responses, so the CORS headers the
stack configures on them reach browsers here too.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from seawall.runtime.events import (
    HttpRequest,
    HttpResponse,
    MalformedLambdaResponse,
    http_response,
    proxy_event,
)
from seawall.runtime.pool import FunctionPool, Invocation
from seawall.runtime.restapi import Integration, RestApi
from seawall.runtime.router import match_route


@dataclass(frozen=True)
class GatewayError:
    response_type: str  # API Gateway's gateway response type
    status: int
    message: str
    error_type: str  # x-amzn-ErrorType

    def response(self) -> HttpResponse:
        """The plain answer, before any gateway response the REST API configures for the type."""
        headers = [("Content-Type", "application/json")]
        if self.error_type:
            headers.append(("x-amzn-ErrorType", self.error_type))
        return HttpResponse(self.status, headers, json.dumps({"message": self.message}).encode())


MISSING_AUTHENTICATION_TOKEN = GatewayError(
    "MISSING_AUTHENTICATION_TOKEN",
    403,
    "Missing Authentication Token",
    "MissingAuthenticationTokenException",
)
INVALID_API_KEY = GatewayError("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException")
INTEGRATION_TIMEOUT = GatewayError("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", "")
INTEGRATION_FAILURE = GatewayError("INTEGRATION_FAILURE", 500, "Internal server error", "")
BAD_RESPONSE = GatewayError("DEFAULT_5XX", 502, "Internal server error", "")
THROTTLED = GatewayError("THROTTLED", 429, "Too Many Requests", "")
REQUEST_TOO_LARGE = GatewayError("REQUEST_TOO_LARGE", 413, "Request Too Long", "")
# Which default response a specific type falls back to when the API does not define it.
_DEFAULTS = {4: "DEFAULT_4XX", 5: "DEFAULT_5XX"}


class Gateway:
    """Serves one REST API stage; `pools` maps function ARNs (as integrations name them)."""

    def __init__(
        self,
        api: RestApi,
        pools: dict[str, FunctionPool],
        *,
        account_id: str,
        access_log: Callable[[str], None] | None = None,
    ) -> None:
        self.api = api
        self.pools = pools
        self.account_id = account_id
        self._access_log = access_log
        self._invokers = ThreadPoolExecutor(max_workers=64, thread_name_prefix="invoke")

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        began = time.perf_counter()
        response = self._handle(request, request_id)
        response = HttpResponse(
            response.status, [*response.headers, ("x-amzn-RequestId", request_id)], response.body
        )
        if self._access_log:
            self._access_log(
                json.dumps(
                    {
                        "requestId": request_id,
                        "ip": request.source_ip,
                        "httpMethod": request.method,
                        "path": request.path,
                        "status": response.status,
                        "responseLength": len(response.body),
                        "latencyMs": round((time.perf_counter() - began) * 1000, 2),
                    }
                )
            )
        return response

    def close(self) -> None:
        self._invokers.shutdown(wait=False, cancel_futures=True)

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        match = match_route(self.api.resources, request.method, request.path)
        if match is None:
            return self._error(MISSING_AUTHENTICATION_TOKEN, request, request_id)
        api_key = _header(request, "x-api-key")
        if match.method.api_key_required and api_key not in self.api.api_keys:
            return self._error(INVALID_API_KEY, request, request_id)
        integration = match.method.integration
        if integration is not None and integration.type == "MOCK":
            return mock_response(integration, request) or self._error(
                INTEGRATION_FAILURE, request, request_id
            )
        pool = self.pools.get(integration.function_arn or "") if integration else None
        if integration is None or integration.type != "AWS_PROXY" or pool is None:
            # Other integration types are not served yet (packages/cli/README.md).
            return self._error(INTEGRATION_FAILURE, request, request_id)
        event = proxy_event(
            request,
            resource_path=match.resource.path,
            path_parameters=match.path_parameters,
            stage=self.api.stage,
            api_id=self.api.id,
            request_id=request_id,
            account_id=self.account_id,
            api_key=api_key,
            stage_variables=self.api.stage_variables,
        )
        future = self._invokers.submit(pool.invoke, event)
        try:
            invocation: Invocation = future.result(timeout=integration.timeout_ms / 1000)
        except FutureTimeout:
            # The function keeps running, as it would on AWS; only the client stops waiting.
            return self._error(INTEGRATION_TIMEOUT, request, request_id)
        if not invocation.ok:
            if invocation.payload.get("errorType") == "TooManyRequestsException":
                return self._error(THROTTLED, request, request_id)
            return self._error(BAD_RESPONSE, request, request_id)
        try:
            return http_response(invocation.payload)
        except MalformedLambdaResponse:
            return self._error(BAD_RESPONSE, request, request_id)

    def _error(self, error: GatewayError, request: HttpRequest, request_id: str) -> HttpResponse:
        response = error.response()
        specific = self.api.gateway_responses.get(error.response_type)
        configured = specific or self.api.gateway_responses.get(_DEFAULTS[error.status // 100])
        if configured is None:
            return response
        status = (
            configured.status_code
            if configured.status_code and configured is specific
            else error.status
        )
        headers = response.headers + _mapped_headers(configured.headers, request)
        template = configured.templates.get("application/json")
        body = _render(template, error, request_id).encode("utf-8") if template else response.body
        return HttpResponse(status, headers, body)


# Velocity (VTL) is not evaluated here: a template using it cannot be answered faithfully.
_VTL = re.compile(r"[#$][A-Za-z{!]")


def mock_response(integration: Integration, request: HttpRequest) -> HttpResponse | None:
    """A MOCK integration's answer: the status its request template names, the integration
    response selected by that status, its header mappings and body template. None when the
    templates use VTL, which the local runtime does not evaluate yet (a 500 then, not a guess)."""
    request_template = integration.request_templates.get("application/json", "")
    if _VTL.search(request_template):
        return None
    try:
        status = int(
            (json.loads(request_template) if request_template else {}).get("statusCode", 200)
        )
    except (ValueError, TypeError, AttributeError):
        return None
    chosen = next(
        (
            r
            for r in integration.responses
            if r.selection_pattern and re.fullmatch(r.selection_pattern, str(status))
        ),
        next((r for r in integration.responses if r.selection_pattern is None), None),
    )
    if chosen is None:
        return None
    body = chosen.templates.get("application/json", "")
    if _VTL.search(body):
        return None
    headers = [("Content-Type", "application/json"), *_mapped_headers(chosen.headers, request)]
    return HttpResponse(chosen.status_code, headers, body.encode("utf-8"))


def _header(request: HttpRequest, name: str) -> str | None:
    wanted = name.lower()
    for key, value in request.headers:
        if key.lower() == wanted:
            return value
    return None


def _mapped_headers(mappings: dict[str, str], request: HttpRequest) -> list[tuple[str, str]]:
    """Response headers from their mappings; API Gateway leaves out a header mapped from
    nothing (a request header the client did not send)."""
    values = ((name, _parameter_value(source, request)) for name, source in mappings.items())
    return [(name, value) for name, value in values if value is not None]


def _parameter_value(source: str, request: HttpRequest) -> str | None:
    """A gateway response parameter's value: a quoted literal ('*') or a request header or
    query string parameter (method.request.header.Origin)."""
    if len(source) >= 2 and source[0] == source[-1] == "'":
        return source[1:-1]
    if source.startswith("method.request.header."):
        return _header(request, source.removeprefix("method.request.header."))
    if source.startswith("method.request.querystring."):
        wanted = source.removeprefix("method.request.querystring.")
        return next((value for name, value in reversed(request.query) if name == wanted), None)
    return None


_CONTEXT_VARIABLE = re.compile(
    r"\$\{context\.(?P<braced>[A-Za-z.]+)\}|\$context\.(?P<bare>[A-Za-z]+(?:\.[A-Za-z]+)*)"
)


def _render(template: str, error: GatewayError, request_id: str) -> str:
    """Substitute the $context variables gateway response templates use."""
    values = {
        "error.messageString": json.dumps(error.message),
        "error.message": error.message,
        "error.responseType": error.response_type,
        "requestId": request_id,
        "extendedRequestId": request_id,
    }
    return _CONTEXT_VARIABLE.sub(
        lambda m: values.get(m.group("braced") or m.group("bare"), ""), template
    )
