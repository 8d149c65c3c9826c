"""Smoke checks over HTTP: `seawall up`'s item round trip, and after a deploy also the health
check and CORS (a browser's preflight from an allowed origin)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SmokeResult:
    passed: bool
    detail: str


def http_json(
    method: str,
    url: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], Any]:
    """One HTTP exchange with JSON in and out; HTTP errors are returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, response_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, dict(error.headers), error.read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode("utf-8", "replace")
    return status, response_headers, payload


def run_smoke_check(api_url: str, api_key: str) -> SmokeResult:
    headers = {"x-api-key": api_key}
    item = {"name": "seawall smoke check", "data": {"source": "seawall up"}}
    try:
        status, _, created = http_json("POST", f"{api_url}/items", body=item, headers=headers)
        if status != 201 or not isinstance(created, dict) or "id" not in created:
            return SmokeResult(False, f"POST /items answered {status}: {created!r}")
        status, _, fetched = http_json("GET", f"{api_url}/items/{created['id']}", headers=headers)
        if status != 200 or not isinstance(fetched, dict):
            return SmokeResult(False, f"GET /items/{created['id']} answered {status}: {fetched!r}")
        if (fetched.get("name"), fetched.get("data")) != (item["name"], item["data"]):
            return SmokeResult(False, f"read back {fetched!r}, expected {item!r}")
    except (OSError, urllib.error.URLError) as error:
        return SmokeResult(False, f"could not reach {api_url}: {error}")
    return SmokeResult(True, f"created and read back item {created['id']}")


def run_deploy_smoke(api_url: str, api_key: str, origin: str | None = None) -> SmokeResult:
    """What `seawall deploy` checks before it records a release: health, an item round trip,
    and (when the environment allows an origin) the CORS preflight a browser would send."""
    try:
        status, _, health = http_json("GET", f"{api_url}/health")
    except (OSError, urllib.error.URLError) as error:
        return SmokeResult(False, f"could not reach {api_url}: {error}")
    if status != 200:
        return SmokeResult(False, f"GET /health answered {status}: {health!r}")
    items = run_smoke_check(api_url, api_key)
    if not items.passed or origin is None:
        return items
    cors = _cors_preflight(api_url, origin)
    if cors is not None:
        return SmokeResult(False, cors)
    return SmokeResult(True, f"health, {items.detail}, CORS for {origin}")


def _cors_preflight(api_url: str, origin: str) -> str | None:
    """None when OPTIONS /items from `origin` is allowed, else what was wrong."""
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    try:
        status, response_headers, _ = http_json("OPTIONS", f"{api_url}/items", headers=headers)
    except (OSError, urllib.error.URLError) as error:
        return f"could not reach {api_url}: {error}"
    allowed = {name.lower(): value for name, value in response_headers.items()}.get(
        "access-control-allow-origin"
    )
    if status not in (200, 204) or allowed not in (origin, "*"):
        return f"CORS preflight from {origin} answered {status}, Allow-Origin {allowed!r}"
    return None
