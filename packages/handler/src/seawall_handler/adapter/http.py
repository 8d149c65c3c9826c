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
    """A request read from its event: what every request needs at once, the rest (query, body,
    API key, base path) when an endpoint asks for it."""

    __slots__ = ("_context", "_event", "headers", "method", "path", "request_id")

    def __init__(  # noqa: PLR0917 - a record's fields, in order
        self,
        event: dict[str, Any],
        context: dict[str, Any],
        method: str,
        path: str,
        headers: dict[str, str],
        request_id: str,
    ) -> None:
        self._event = event  # the proxy event, and its requestContext (both dicts)
        self._context = context
        self.method = method
        self.path = path
        self.headers = headers
        self.request_id = request_id

    @property
    def query(self) -> dict[str, str]:
        query = self._event.get("queryStringParameters")
        return _string_map(query) if query else {}

    @property
    def raw_body(self) -> str | None:
        body = self._event.get("body")
        return body if isinstance(body, str) else None

    @property
    def is_base64(self) -> bool:
        return self._event.get("isBase64Encoded") is True

    @property
    def api_key_id(self) -> str:
        identity = self._context.get("identity")
        key = identity.get("apiKeyId") if isinstance(identity, dict) else None
        return key if isinstance(key, str) else ""

    @property
    def base_path(self) -> str:
        """What the client's URL has before `path`: the stage ("/prod") on the execute-api
        endpoint, nothing on a custom domain. Location headers need it."""
        path, full_path = self.path, self._context.get("path")
        if isinstance(full_path, str) and len(full_path) > len(path) and full_path.endswith(path):
            base_path = full_path[: -len(path)]
            if base_path.startswith("/") and "//" not in base_path:
                return base_path
        return ""

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
    if not isinstance(multi, dict):
        return headers
    for values in multi.values():  # only repeated headers need it: `headers` holds the last value
        if isinstance(values, list) and len(values) > 1:
            break
    else:
        return headers  # the usual event: no header repeated
    for name, values in multi.items():
        if isinstance(values, list) and len(values) > 1 and isinstance(name, str):
            kept = [v for v in values if isinstance(v, str)]
            if kept:
                headers[name.lower()] = ", ".join(kept)
    return headers


def request_from_event(event: object) -> Request:
    """Read an API Gateway REST proxy event; anything missing or mistyped reads as absent."""
    if not isinstance(event, dict):
        event = _EMPTY
    get = event.get
    headers = _headers(get("headers"), get("multiValueHeaders"))
    context = get("requestContext")
    if not isinstance(context, dict):
        context = _EMPTY
    method = get("httpMethod")
    path = get("path")
    request_id = context.get("requestId")
    return Request(
        event,
        context,
        method.upper() if isinstance(method, str) else "",
        path if isinstance(path, str) and path else "/",
        headers,
        request_id if isinstance(request_id, str) else "",
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


def etag(version: int) -> str:
    """The strong entity tag of an item version."""
    return f'"{version}"'


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
