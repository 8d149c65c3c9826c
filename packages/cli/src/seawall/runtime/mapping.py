"""What API Gateway's mappings read: `$context` variables, parameter mapping sources
(`method.request.header.Origin`, `'literal'`, `context.requestId`, `stageVariables.x`), and the
simple variable substitution of gateway response templates (which are not Velocity)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from seawall.runtime.events import HttpRequest


@dataclass(frozen=True)
class MappingInput:
    """One request as mappings see it."""

    request: HttpRequest
    path_parameters: dict[str, str]
    context: dict[str, Any]  # $context, nested as API Gateway names it
    stage_variables: dict[str, str]


def context_variables(
    request: HttpRequest,
    *,
    api_id: str,
    stage: str,
    account_id: str,
    request_id: str,
    extended_request_id: str,
    resource_path: str | None,
    epoch_ms: int,
    api_key: str | None = None,
    api_key_id: str | None = None,
    error: tuple[str, str] | None = None,  # (message, response type) of a gateway error
) -> dict[str, Any]:
    """$context for a request, as API Gateway's variable reference defines the REST API's."""
    variables: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "domainName": header(request, "host") or "",
        "extendedRequestId": extended_request_id,
        "httpMethod": request.method,
        "path": f"/{stage}{request.path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000)),
        "requestTimeEpoch": epoch_ms,
        "resourcePath": resource_path or "",
        "stage": stage,
        "identity": {
            "apiKey": api_key or "",
            "apiKeyId": api_key_id or "",
            "sourceIp": request.source_ip,
            "userAgent": header(request, "user-agent") or "",
        },
    }
    if error is not None:
        message, response_type = error
        variables["error"] = {
            "message": message,
            "messageString": json.dumps(message),
            "responseType": response_type,
        }
    return variables


def header(request: HttpRequest, name: str) -> str | None:
    wanted = name.lower()
    for key, value in request.headers:
        if key.lower() == wanted:
            return value
    return None


def mapped_headers(mappings: dict[str, str], source: MappingInput) -> list[tuple[str, str]]:
    """Response headers from their mappings; API Gateway leaves out a header mapped from
    nothing (a request header the client did not send)."""
    values = ((name, parameter_value(expression, source)) for name, expression in mappings.items())
    return [(name, value) for name, value in values if value is not None]


def parameter_value(expression: str, source: MappingInput) -> str | None:
    """A mapping's value: a quoted literal ('*'), a method request parameter
    (method.request.header.Origin, .querystring.q, .path.id, .multivalueheader.X), a context
    variable (context.requestId) or a stage variable (stageVariables.x)."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    request = source.request
    location, _, name = expression.removeprefix("method.request.").partition(".")
    if expression.startswith("method.request."):
        if location == "header":
            return header(request, name)
        if location == "multivalueheader":
            found = [v for k, v in request.headers if k.lower() == name.lower()]
            return ",".join(found) if found else None
        if location == "querystring":
            return next((v for k, v in reversed(request.query) if k == name), None)
        if location == "path":
            return source.path_parameters.get(name)
        return None
    if expression.startswith("context."):
        value = _lookup(source.context, expression.removeprefix("context."))
        return None if value is None else str(value)
    if expression.startswith("stageVariables."):
        return source.stage_variables.get(expression.removeprefix("stageVariables."))
    return None


def _lookup(variables: dict[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


_VARIABLE = re.compile(
    r"\$\{(?P<braced>(?:context|stageVariables)\.[A-Za-z0-9_.]+)\}"
    r"|\$(?P<bare>(?:context|stageVariables)\.[A-Za-z0-9_]+(?:\.[A-Za-z][A-Za-z0-9_]*)*)"
)


def substitute(template: str, source: MappingInput) -> str:
    """A gateway response template: `$context.x` / `${context.x}` and `$stageVariables.x`
    replaced, everything else (Velocity directives included) left as written, which is what
    API Gateway does with these templates."""

    def value(match: re.Match[str]) -> str:
        dotted = match.group("braced") or match.group("bare")
        scope, _, rest = dotted.partition(".")
        variables = source.context if scope == "context" else source.stage_variables
        found = _lookup(variables, rest)
        return "" if found is None else str(found)

    return _VARIABLE.sub(value, template)
