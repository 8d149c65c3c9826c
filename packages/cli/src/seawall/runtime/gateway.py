"""The local API Gateway: turns HTTP requests into proxy events for deployed functions.

What it does per request, in API Gateway's order: match the route (else 403 Missing
Authentication Token), check the API key when the method requires one (else 403 Forbidden), invoke
the integration's function within the integration timeout (else 504), and map the result (a
malformed one is a 502).
Errors the gateway itself produces use the REST API's gateway responses, so the CORS headers the
stack configures on them reach browsers here too.
"""

from __future__ import annotations

import dataclasses
import json
import random
import string
import time
import traceback
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from seawall.runtime.events import (
    HttpRequest,
    HttpResponse,
    MalformedLambdaResponse,
    http_response,
    proxy_event,
)
from seawall.runtime.mapping import (
    MappingInput,
    context_variables,
    header,
    mapped_headers,
    substitute,
)
from seawall.runtime.mock import mock_response
from seawall.runtime.pool import FunctionPool, Invocation
from seawall.runtime.records import RequestCallback, RequestRecord
from seawall.runtime.restapi import ApiKey, RestApi, StageLimits
from seawall.runtime.router import match_route
from seawall.runtime.throttle import Throttler
from seawall.runtime.vtl import TemplateError


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
QUOTA_EXCEEDED = GatewayError("QUOTA_EXCEEDED", 429, "Limit Exceeded", "")
_LIMIT_ERRORS = {"THROTTLED": THROTTLED, "QUOTA_EXCEEDED": QUOTA_EXCEEDED}
REQUEST_TOO_LARGE = GatewayError("REQUEST_TOO_LARGE", 413, "Request Too Long", "")


@dataclass
class _Trace:
    """What one request's handling learns on the way, for its RequestRecord."""

    request_id: str
    extended_request_id: str
    epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    resource_path: str | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    api_key: ApiKey | None = None
    integration_latency_ms: float | None = None
    integration_status: int | None = None
    error: GatewayError | None = None


_APIGW_ID_ALPHABET = string.ascii_letters + string.digits


def _stamped(response: HttpResponse, trace: _Trace) -> HttpResponse:
    """The response with API Gateway's two request id headers, which every answer carries."""
    return with_request_ids(response, trace.request_id, trace.extended_request_id)


def with_request_ids(
    response: HttpResponse, request_id: str | None = None, extended_id: str | None = None
) -> HttpResponse:
    """`response` with x-amzn-RequestId and x-amz-apigw-id (new ids unless given)."""
    headers = [
        *response.headers,
        ("x-amzn-RequestId", request_id or str(uuid.uuid4())),
        ("x-amz-apigw-id", extended_id or extended_request_id()),
    ]
    return HttpResponse(response.status, headers, response.body)


def extended_request_id() -> str:
    """An id shaped like API Gateway's x-amz-apigw-id (14 characters and "=")."""
    return "".join(random.choices(_APIGW_ID_ALPHABET, k=14)) + "="


# Which default response a specific type falls back to when the API does not define it.
_DEFAULTS = {4: "DEFAULT_4XX", 5: "DEFAULT_5XX"}


class Gateway:
    """Serves one REST API stage; `pools` maps function ARNs (as integrations name them).

    Every finished request is handed, as a `RequestRecord`, to each `on_request_done` callback
    (access logs, metrics); a failing callback is reported and never changes the answer.
    """

    def __init__(
        self,
        api: RestApi,
        pools: dict[str, FunctionPool],
        *,
        account_id: str,
        on_request_done: Sequence[RequestCallback] = (),
        throttler: Throttler | None = None,
    ) -> None:
        self.api = api
        self.throttler = throttler or Throttler()
        self.pools = pools
        self.account_id = account_id
        self.on_request_done = list(on_request_done)
        self._invokers = ThreadPoolExecutor(max_workers=64, thread_name_prefix="invoke")

    def handle(self, request: HttpRequest) -> HttpResponse:
        began = time.perf_counter()
        trace = _Trace(request_id=str(uuid.uuid4()), extended_request_id=extended_request_id())
        try:
            response = self._handle(request, trace)
        except Exception:  # a bug of ours: answer as API Gateway would, and keep the trace
            traceback.print_exc()
            response = self._error(INTEGRATION_FAILURE, request, trace)
        response = _stamped(response, trace)
        if self.on_request_done:
            self._report(request, response, trace, began)
        return response

    def error_response(self, error: GatewayError, request: HttpRequest) -> HttpResponse:
        """A gateway error answered before the request reached a route (413 at the edge)."""
        trace = _Trace(request_id=str(uuid.uuid4()), extended_request_id=extended_request_id())
        return _stamped(self._error(error, request, trace), trace)

    def update_limits(self, limits: StageLimits) -> None:
        """New keys, usage plans and throttling for the stage (they change without a deployment);
        requests in flight keep the API they started with."""
        self.api = dataclasses.replace(
            self.api,
            api_keys=limits.api_keys,
            usage_plans=limits.usage_plans,
            stage_throttles=limits.stage_throttles,
        )

    def close(self) -> None:
        self._invokers.shutdown(wait=False, cancel_futures=True)

    def _report(
        self, request: HttpRequest, response: HttpResponse, trace: _Trace, began: float
    ) -> None:
        key = trace.api_key
        record = RequestRecord(
            request_id=trace.request_id,
            extended_request_id=trace.extended_request_id,
            api_id=self.api.id,
            stage=self.api.stage,
            http_method=request.method,
            path=request.path,
            resource_path=trace.resource_path,
            protocol="HTTP/1.1",
            status=response.status,
            request_time_epoch_ms=trace.epoch_ms,
            latency_ms=round((time.perf_counter() - began) * 1000, 3),
            integration_latency_ms=trace.integration_latency_ms,
            integration_status=trace.integration_status,
            api_key=key.value if key else None,
            api_key_id=key.id if key else None,
            usage_plan_id=key.usage_plan_id if key else None,
            source_ip=request.source_ip,
            user_agent=header(request, "user-agent"),
            request_bytes=len(request.body),
            response_bytes=len(response.body),
            error_message=trace.error.message if trace.error else None,
            error_response_type=trace.error.response_type if trace.error else None,
        )
        for callback in self.on_request_done:
            try:
                callback(record)
            except Exception:  # an observer's bug must not fail the request it observes
                traceback.print_exc()

    def _handle(self, request: HttpRequest, trace: _Trace) -> HttpResponse:
        api = self.api  # one view of the stage for the whole request
        match = match_route(api.resources, request.method, request.path)
        if match is None:
            return self._error(MISSING_AUTHENTICATION_TOKEN, request, trace)
        trace.resource_path = match.resource.path
        trace.path_parameters = match.path_parameters
        api_key = header(request, "x-api-key")
        key = None
        if match.method.api_key_required:
            key = api.api_keys.get(api_key or "")
            if key is None:
                return self._error(INVALID_API_KEY, request, trace)
            trace.api_key = key
        refused = self.throttler.admit(api, match.resource.path, request.method, key)
        if refused is not None:
            return self._error(_LIMIT_ERRORS[refused], request, trace)
        integration = match.method.integration
        if integration is not None and integration.type == "MOCK":
            try:
                response = mock_response(integration, self._mapping_input(request, trace))
            except TemplateError:
                traceback.print_exc()  # the template's fault, shown to whoever runs the stack
                return self._error(INTEGRATION_FAILURE, request, trace)
            trace.integration_status = response.status
            return response
        pool = self.pools.get(integration.function_arn or "") if integration else None
        if integration is None or integration.type != "AWS_PROXY" or pool is None:
            # Other integration types are not served yet (packages/cli/README.md).
            return self._error(INTEGRATION_FAILURE, request, trace)
        event = proxy_event(
            request,
            resource_path=match.resource.path,
            path_parameters=match.path_parameters,
            stage=self.api.stage,
            api_id=self.api.id,
            request_id=trace.request_id,
            account_id=self.account_id,
            api_key=api_key,
            stage_variables=self.api.stage_variables,
        )
        invoked = time.perf_counter()
        future = self._invokers.submit(pool.invoke, event)
        try:
            invocation: Invocation = future.result(timeout=integration.timeout_ms / 1000)
        except FutureTimeout:
            # The function keeps running, as it would on AWS; only the client stops waiting.
            trace.integration_latency_ms = round((time.perf_counter() - invoked) * 1000, 3)
            return self._error(INTEGRATION_TIMEOUT, request, trace)
        trace.integration_latency_ms = round((time.perf_counter() - invoked) * 1000, 3)
        if not invocation.ok:
            if invocation.payload.get("errorType") == "TooManyRequestsException":
                trace.integration_status = 429
                # A throttled Lambda proxy integration answers 500 {"message": "Internal server
                # error"}: API Gateway does not pass Lambda's 429 on (AWS knowledge center, "How do
                # I troubleshoot issues for API Gateway endpoints that integrate with Lambda?",
                # section "Throttling occurs").
                return self._error(INTEGRATION_FAILURE, request, trace)
            trace.integration_status = 200  # Lambda answered; the function raised
            return self._error(BAD_RESPONSE, request, trace)
        trace.integration_status = 200
        try:
            return http_response(invocation.payload)
        except MalformedLambdaResponse:
            return self._error(BAD_RESPONSE, request, trace)

    def _error(self, error: GatewayError, request: HttpRequest, trace: _Trace) -> HttpResponse:
        trace.error = error
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
        source = self._mapping_input(request, trace)
        headers = response.headers + mapped_headers(configured.headers, source)
        template = configured.templates.get("application/json")
        body = substitute(template, source).encode("utf-8") if template else response.body
        return HttpResponse(status, headers, body)

    def _mapping_input(self, request: HttpRequest, trace: _Trace) -> MappingInput:
        context = context_variables(
            request,
            api_id=self.api.id,
            stage=self.api.stage,
            account_id=self.account_id,
            request_id=trace.request_id,
            extended_request_id=trace.extended_request_id,
            resource_path=trace.resource_path,
            epoch_ms=trace.epoch_ms,
            api_key=trace.api_key.value if trace.api_key else None,
            api_key_id=trace.api_key.id if trace.api_key else None,
            error=(trace.error.message, trace.error.response_type) if trace.error else None,
        )
        return MappingInput(request, trace.path_parameters, context, self.api.stage_variables)
