"""The adapter between API Gateway and the domain (event in, response out); the Lambda entry
point `seawall_handler.api.handler` calls `Api.handle`.

It reads the event, finds the endpoint in the route table (endpoints.py), and shapes the
response; errors become problem documents in `problems.py`, CORS comes from `retrylib.cors`, and
each invocation writes one log line with its metrics.
"""

from __future__ import annotations

import traceback
from json.encoder import encode_basestring_ascii
from typing import Any

from seawall_handler.adapter import problems, routes
from seawall_handler.adapter.cors import cors_policy
from seawall_handler.adapter.endpoints import ENDPOINTS
from seawall_handler.adapter.function import Function
from seawall_handler.adapter.http import Request, Response, request_from_event
from seawall_handler.config import Settings
from seawall_handler.deadline import seconds_left
from seawall_handler.errors import MethodNotAllowed, NotFound, SeawallError
from seawall_handler.observability import json_value
from seawall_handler.store.aws_calls import API_TIMEOUTS, Calls
from seawall_handler.wiring import CursorKeys, Services

# Methods logged as sent (here with their JSON text); anything else is logged as "other" (no
# client text in the log).
_METHODS = {m: f'"{m}"' for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")}
# The request line's metrics and fields, in the order `Api._log` passes their values.
_METRICS = (
    ("Latency", "Milliseconds"),
    ("Retries", "Count"),
    ("Throttles", "Count"),
    ("DeadlineHits", "Count"),
    ("IdempotentReplays", "Count"),
    ("ServerErrors", "Count"),
)
_FIELDS = (
    "request_id",
    "apigw_request_id",
    "method",
    "route",
    "status",
    "cold_start",
    "aws_calls",
    "fault",
)


class Api(Function):
    """One per process: settings, clients, CORS policy and fault plan, reused by invocations."""

    NAME = "api"
    TIMEOUTS = API_TIMEOUTS
    LINE = ("request", _METRICS, _FIELDS)

    def __init__(self, settings: Settings, **parts: Any) -> None:
        super().__init__(settings, **parts)
        self.cors = cors_policy(settings.cors_allow_origins, self.log)
        self.cursor_keys = CursorKeys()

    def handle(self, event: object, context: object) -> dict[str, Any]:
        started = self.perf()
        cold, self._cold = self._cold, False
        request = request_from_event(event)
        request_id = str(getattr(context, "aws_request_id", "") or request.request_id)
        calls = Calls(self.clients, seconds_left(context, started, self.perf))
        found = routes.match(request.path)
        fault = None if self.faults.spec is None else self.faults.pick()  # off: no pick
        crashed = False
        try:
            response = fault.before(calls.seconds_left, self.sleep) if fault else None
            if response is None:
                response = self._dispatch(request, found, calls, request_id)
        except SeawallError as error:
            response = problems.from_error(error, request_id)
        except Exception as error:
            if fault and fault.raised(error):
                self._log(
                    request,
                    found,
                    calls,
                    None,
                    started,
                    cold=cold,
                    request_id=request_id,
                    fault=fault.mode,
                )
                raise
            crashed = True
            self.log.line(
                "ERROR",
                "unhandled error",
                request_id=request_id,
                error=type(error).__name__,
                traceback=traceback.format_exc(),
            )
            response = problems.internal_error(request_id)
        finally:
            if fault:
                fault.after()
        headers = response.headers
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            headers = dict(headers)  # a preflight carries its own headers, or none when refused
        else:
            headers = {**headers, **self.cors.response_headers(request.headers.get("origin"))}
        headers["X-Request-Id"] = request_id
        self._log(
            request,
            found,
            calls,
            response,
            started,
            cold=cold,
            request_id=request_id,
            fault=fault.mode if fault else None,
            crashed=crashed,
        )
        return response.to_proxy_result(headers)

    def _dispatch(
        self, request: Request, found: routes.Match | None, calls: Calls, request_id: str
    ) -> Response:
        if found is None:
            raise NotFound("no such resource")
        if request.method == "OPTIONS":
            return self._options(request, found)
        if request.method not in found.route.methods:
            raise MethodNotAllowed(
                f"{request.method or 'the method'} is not allowed on {found.route.template}",
                found.allow,
            )
        endpoint = ENDPOINTS[request.method, found.route.name]
        services = Services(self.settings, calls, self.clock, self.cursor_keys)
        return endpoint(services, request, found.params)

    def _options(self, request: Request, found: routes.Match) -> Response:
        """A CORS preflight if it is one (API Gateway passes OPTIONS through), else `Allow`."""
        if request.header("access-control-request-method") is None:
            return Response(204, headers={"Allow": ", ".join(found.allow)})
        headers = self.cors.preflight(
            request.header("origin"),
            request.header("access-control-request-method"),
            request.header("access-control-request-headers"),
        )
        if headers is None:
            from seawall_handler.errors import CorsRefused  # noqa: PLC0415 - rare path

            raise CorsRefused("this origin, method or header is not allowed by the CORS policy")
        return Response(204, headers={**headers, "Allow": ", ".join(found.allow)})

    def _log(
        self,
        request: Request,
        found: routes.Match | None,
        calls: Calls,
        response: Response | None,
        started: float,
        *,
        cold: bool,
        request_id: str,
        fault: str | None,
        crashed: bool = False,
    ) -> None:
        status = response.status if response is not None else 0
        replayed = response is not None and "Idempotent-Replayed" in response.headers
        error_level = crashed or status >= 500 or response is None
        latency = round((self.perf() - started) * 1000, 3)
        stats = calls.stats
        # The values as JSON text, written here because their types are known: the counters
        # are ints, the ids and the method are strings (str() and request_from_event make
        # sure), `cold` is a bool. What could be otherwise goes through json_value. Tests
        # check the line against json.dumps.
        self._line.write_encoded(
            '"ERROR"' if error_level else '"INFO"',
            float.__repr__(latency)
            if type(latency) is float and latency - latency == 0
            else json_value(latency),
            stats.retries,
            stats.throttles,
            stats.deadline_hits,
            1 if replayed else 0,
            1 if error_level else 0,
            encode_basestring_ascii(request_id),
            encode_basestring_ascii(request.request_id),
            _METHODS.get(request.method, '"other"'),
            encode_basestring_ascii(found.route.template) if found else '"unmatched"',
            status if type(status) is int else json_value(status),
            "true" if cold else "false",
            stats.calls,
            "null" if fault is None else json_value(fault),
        )
