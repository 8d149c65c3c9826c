"""HTTP as the checks need it: any method, any headers, errors returned (never raised), headers
with lower-case names, and the time each exchange took."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: Any
    seconds: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def request_id(self) -> str | None:
        """The request id the API (or gateway) names in its headers or problem body."""
        for name in ("x-request-id", "x-amzn-requestid", "x-amz-apigw-id"):
            if value := self.header(name):
                return value
        if isinstance(self.body, dict) and isinstance(self.body.get("request_id"), str):
            return self.body["request_id"]
        return None

    def evidence(self) -> dict[str, Any]:
        return {
            "request": f"{self.method} {self.url}",
            "status": self.status,
            "headers": {
                k: v
                for k, v in self.headers.items()
                if k.startswith(
                    ("access-control", "vary", "retry-after", "x-request-id", "content-type")
                )
            },
        }


def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: Any = None,
    timeout: float = 15.0,
) -> Reply:
    data = json.dumps(body).encode() if body is not None else None
    outgoing = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only
    if data is not None:
        outgoing.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        outgoing.add_header(name, value)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:  # noqa: S310
            status, raw_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, raw = error.code, error.headers, error.read()
    seconds = time.monotonic() - started
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode("utf-8", "replace")
    lowered = {name.lower(): value for name, value in raw_headers.items()}
    return Reply(method, url, status, lowered, payload, seconds)
