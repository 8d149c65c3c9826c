"""CORS on the deployed stack with the local environment's several allowed origins (two exact, one
https://*.seawall.localhost pattern): preflights run the stack's origin-checking Velocity template,
and a browser model (the Fetch standard's CORS checks) shows what a page on each origin can read,
including the gateway's own error responses, which echo any Origin (rest-api/cors.tf says why)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seawall.local_stack import LocalStack
from seawall.smoke import http_json

ALLOWED = ["http://localhost:3000", "http://127.0.0.1:3000", "https://app.seawall.localhost"]
FOREIGN = [
    "https://evil.test",
    "https://seawall.localhost.evil.test",
    "http://app.seawall.localhost",
]
SIMPLE_HEADERS = {"accept", "accept-language", "content-language"}


@dataclass(frozen=True)
class Outcome:
    sent: bool  # the browser sent the request itself (not only a preflight)
    readable: bool  # the page can read the response
    status: int | None = None
    body: object = None


def _get(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _allows(headers: dict[str, str], origin: str, credentials: bool) -> bool:
    allowed = _get(headers, "Access-Control-Allow-Origin")
    if credentials:
        return allowed == origin and _get(headers, "Access-Control-Allow-Credentials") == "true"
    return allowed in ("*", origin)


def browser_fetch(
    stack: LocalStack,
    origin: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    credentials: bool = False,
) -> Outcome:
    """What fetch() on a page at `origin` gets: a preflight first unless the request is simple."""
    headers = headers or {}
    url = f"{stack.api_url}{path}"
    custom = sorted(name.lower() for name in headers if name.lower() not in SIMPLE_HEADERS)
    if method not in ("GET", "HEAD", "POST") or custom:
        status, answer, _ = http_json(
            "OPTIONS",
            url,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": ",".join(custom),
            },
        )
        methods = (_get(answer, "Access-Control-Allow-Methods") or "").split(",")
        allowed = {
            h.strip().lower()
            for h in (_get(answer, "Access-Control-Allow-Headers") or "").split(",")
        }
        if not (
            200 <= status < 300
            and _allows(answer, origin, credentials)
            and method in methods
            and set(custom) <= allowed
        ):
            return Outcome(sent=False, readable=False)
    status, answer, body = http_json(method, url, headers={**headers, "Origin": origin})
    if not _allows(answer, origin, credentials):
        return Outcome(sent=True, readable=False)
    return Outcome(sent=True, readable=True, status=status, body=body)


@pytest.mark.parametrize("origin", ALLOWED)
def test_each_allowed_origin_passes_the_preflight_and_reads_its_data(local_stack, origin) -> None:
    items = browser_fetch(local_stack, origin, "GET", "/items", {"x-api-key": local_stack.api_key})
    assert items.readable
    assert items.status == 200
    status, headers, _ = http_json(
        "OPTIONS",
        f"{local_stack.api_url}/items",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    assert status == 200
    assert _get(headers, "Access-Control-Allow-Origin") == origin
    assert _get(headers, "Vary") == "Origin"
    health = browser_fetch(
        local_stack, origin, "GET", "/health", {"x-api-key": local_stack.api_key}
    )
    assert health.readable
    assert health.status == 200


@pytest.mark.parametrize("origin", FOREIGN)
def test_a_foreign_origin_cannot_send_an_authenticated_request(local_stack, origin) -> None:
    status, headers, _ = http_json(
        "OPTIONS",
        f"{local_stack.api_url}/items",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
    )
    assert status == 200
    assert _get(headers, "Access-Control-Allow-Origin") is None  # the template's check said no
    outcome = browser_fetch(
        local_stack, origin, "GET", "/items", {"x-api-key": local_stack.api_key}
    )
    assert outcome == Outcome(sent=False, readable=False)


@pytest.mark.parametrize("origin", FOREIGN)
def test_a_foreign_origin_reads_only_the_gateways_error_message(local_stack, origin) -> None:
    # A simple request (no custom header) is sent without a preflight; API Gateway refuses it
    # (no API key) and its gateway response echoes the Origin, so the page can read it...
    outcome = browser_fetch(local_stack, origin, "GET", "/items")
    assert outcome.readable
    assert outcome.status == 403
    assert set(outcome.body) <= {"message", "type", "requestId"}  # ...the message, never data
    # ...but never with the user's credentials: no Access-Control-Allow-Credentials on it.
    assert not browser_fetch(local_stack, origin, "GET", "/items", credentials=True).readable
    # The function's own answers (data) are not readable from a foreign origin.
    assert not browser_fetch(local_stack, origin, "GET", "/health").readable
