"""HTTP values: a request read from an API Gateway REST proxy event (v1), and a response.

Reading an event never raises for its shape: API Gateway sends what the client sent, so every field
is treated as untrusted (headers may be missing, `null`, or repeated; the body may be base64).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from seawall_handler import _json
from seawall_handler._record import Record
from seawall_handler.errors import MalformedRequest, PayloadTooLarge, UnsupportedMediaType


class Request(Record):
    __slots__ = (
        "api_key_id",
        "base_path",
        "headers",
        "is_base64",
        "method",
        "path",
        "query",
        "raw_body",
        "request_id",
    )

    def __init__(  # noqa: PLR0917 - a record's fields, in order
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        raw_body: str | None,
        is_base64: bool,
        request_id: str,
        api_key_id: str,
        base_path: str = "",
    ) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.query = query
        self.raw_body = raw_body
        self.is_base64 = is_base64
        self.request_id = request_id
        self.api_key_id = api_key_id
        # What the client's URL has before `path`: the stage ("/prod") on the execute-api
        # endpoint, nothing on a custom domain. Location headers need it.
        self.base_path = base_path

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def body_bytes(self, limit: int) -> bytes:
        """The body as bytes, refusing more than `limit` bytes with `PayloadTooLarge`."""
        raw = self.raw_body or ""
        # A base64 string is at least as long as its content, a text body's UTF-8 at least as
        # long as its characters: a quick check before any decoding work.
        if len(raw) > (limit * 4 // 3 + 4 if self.is_base64 else limit * 4):
            raise PayloadTooLarge(f"the request body exceeds {limit} bytes", limit)
        if self.is_base64:
            try:
                data = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise MalformedRequest("the body is marked base64 but is not valid base64") from exc
        else:
            data = raw.encode("utf-8", "surrogatepass")
        if len(data) > limit:
            raise PayloadTooLarge(f"the request body exceeds {limit} bytes", limit)
        return data


_EMPTY: dict[str, Any] = {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _string_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _headers(single: object, multi: object) -> dict[str, str]:
    """Header names lowercased; a repeated header (only `multi` has all its values) joined."""
    headers: dict[str, str] = {}
    if isinstance(single, dict):
        for name, value in single.items():
            if isinstance(name, str) and isinstance(value, str):
                headers[name.lower()] = value
    if isinstance(multi, dict):  # only repeated headers need it: `headers` holds the last value
        for name, values in multi.items():
            if isinstance(values, list) and len(values) > 1 and isinstance(name, str):
                kept = [v for v in values if isinstance(v, str)]
                if kept:
                    headers[name.lower()] = ", ".join(kept)
    return headers


def request_from_event(event: object) -> Request:
    """Read an API Gateway REST proxy event; anything missing or mistyped reads as absent."""
    get = event.get if isinstance(event, dict) else _EMPTY.get
    headers = _headers(get("headers"), get("multiValueHeaders"))
    context = get("requestContext")
    if not isinstance(context, dict):
        context = _EMPTY
    path = get("path")
    if not (isinstance(path, str) and path):
        path = "/"
    # What the client's URL has before `path` (the stage on the execute-api endpoint).
    base_path = ""
    full_path = context.get("path")
    if isinstance(full_path, str) and len(full_path) > len(path) and full_path.endswith(path):
        base_path = full_path[: -len(path)]
        if not base_path.startswith("/") or "//" in base_path:
            base_path = ""
    method = get("httpMethod")
    query = get("queryStringParameters")
    body = get("body")
    request_id = context.get("requestId")
    identity = context.get("identity")
    api_key_id = identity.get("apiKeyId") if isinstance(identity, dict) else None
    return Request(
        method.upper() if isinstance(method, str) else "",
        path,
        headers,
        _string_map(query) if query else {},
        body if isinstance(body, str) else None,
        get("isBase64Encoded") is True,
        request_id if isinstance(request_id, str) else "",
        api_key_id if isinstance(api_key_id, str) else "",
        base_path,
    )


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_body(request: Request, limit: int) -> object:
    """The JSON document in the body, after the media type and size checks (415, 413, 400)."""
    content_type = (request.header("content-type") or "").split(";")
    media_type = content_type[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(
            f"the body must be application/json, not {media_type or 'missing'}"
        )
    for parameter in content_type[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise UnsupportedMediaType("application/json bodies must be UTF-8")
    data = request.body_bytes(limit)
    try:
        text = data.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = str(exc).split("\n", 1)[0][:200]
        raise MalformedRequest(f"the body is not valid JSON: {reason}") from exc


class Response:
    """What the function answers: a status, a JSON body (or none) and headers."""

    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: object = None,  # a JSON value, or None for no body
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.status = status
        self.body = body
        self.headers = {} if headers is None else headers
        self.content_type = content_type

    def to_proxy_result(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """The Lambda proxy result; `headers` (default: a copy of ours) becomes its headers."""
        if headers is None:
            headers = dict(self.headers)
        body = ""
        if self.body is not None:
            body = _json.dumps(self.body)
            headers["Content-Type"] = self.content_type
        return {
            "statusCode": self.status,
            "headers": headers,
            "body": body,
            "isBase64Encoded": False,
        }
