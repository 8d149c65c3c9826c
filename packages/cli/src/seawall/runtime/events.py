"""API Gateway REST proxy events (payload format 1.0) and the mapping of Lambda's answer back."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: list[tuple[str, str]]
    query: list[tuple[str, str]]
    body: bytes
    source_ip: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedLambdaResponse(ValueError):
    """The function returned something API Gateway cannot turn into an HTTP response (a 502)."""


def proxy_event(
    request: HttpRequest,
    *,
    resource_path: str,
    path_parameters: dict[str, str],
    stage: str,
    api_id: str,
    request_id: str,
    account_id: str,
    api_key: str | None,
    stage_variables: dict[str, str],
) -> dict[str, Any]:
    headers, multi_headers = _single_and_multi(request.headers)
    query, multi_query = _single_and_multi(request.query)
    body, is_base64 = _event_body(request.body)
    now = time.time()
    return {
        "resource": resource_path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "resourcePath": resource_path,
            "httpMethod": request.method,
            "path": f"/{stage}{request.path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "apiId": api_id,
            "accountId": account_id,
            "protocol": "HTTP/1.1",
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {
                "sourceIp": request.source_ip,
                "userAgent": headers.get("User-Agent") or headers.get("user-agent"),
                "apiKey": api_key,
            },
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _event_body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


_RESULT_FIELDS = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"}
)


def http_response(payload: Any) -> HttpResponse:
    """Map a Lambda proxy result to an HTTP response, or raise MalformedLambdaResponse."""
    if not isinstance(payload, dict):
        raise MalformedLambdaResponse("the function's result is not a JSON object")
    unknown = set(payload) - _RESULT_FIELDS
    if unknown:
        raise MalformedLambdaResponse(f"unexpected fields in the result: {sorted(unknown)}")
    try:
        status = int(payload.get("statusCode", 200))
    except (TypeError, ValueError) as error:
        raise MalformedLambdaResponse("statusCode is not an integer") from error
    if not 100 <= status <= 599:
        raise MalformedLambdaResponse(f"statusCode {status} is out of range")
    return HttpResponse(status=status, headers=_result_headers(payload), body=_result_body(payload))


def _result_headers(payload: dict[str, Any]) -> list[tuple[str, str]]:
    multi = payload.get("multiValueHeaders") or {}
    single = payload.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        raise MalformedLambdaResponse("headers must be objects")
    headers: list[tuple[str, str]] = []
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in (values or []))
    headers.extend((name, str(value)) for name, value in single.items() if name not in multi)
    return headers


def _result_body(payload: dict[str, Any]) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedLambdaResponse("body must be a string")
    if not payload.get("isBase64Encoded"):
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except ValueError as error:
        raise MalformedLambdaResponse("isBase64Encoded is set but body is not base64") from error


def _single_and_multi(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A proxy event's two views of repeated names: the last value, and every value in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value  # the last value wins, as in API Gateway
        multi.setdefault(name, []).append(value)
    return single, multi
