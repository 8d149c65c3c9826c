"""Checks over the public API: CORS (allowed, foreign and no origin, preflights, errors) and keys.

Requests only read, or are refused before they could write (a wrong key, an invalid body), so
these checks change nothing on the stack.
"""

from __future__ import annotations

import functools
from typing import Any

from seawall.verify.http import Reply, request
from seawall.verify.model import Check, Outcome, expect

FOREIGN_ORIGIN = "https://seawall-verify.invalid"
MISSING_ID = "00000000-0000-4000-8000-000000000000"  # a well-formed item id no one has
# Gateway responses that cannot be provoked without harming the stack (throttling, a timeout):
# their CORS headers are read from the API's configuration instead.
CONFIGURED_ERRORS = {"THROTTLED": 429, "QUOTA_EXCEEDED": 429, "INTEGRATION_TIMEOUT": 504}


@functools.cache
def _function_env(target: Any) -> dict[str, str]:
    name = target.output("api_function_name")
    config = target.client("lambda").get_function_configuration(FunctionName=name)
    return dict(config.get("Environment", {}).get("Variables", {}))


def allowed_origin(target: Any) -> str:
    """An origin the API allows: the first configured one (a `*.` pattern gets a subdomain)."""
    origins = [
        o.strip() for o in _function_env(target).get("SEAWALL_CORS_ALLOW_ORIGINS", "").split(",")
    ]
    origins = [o for o in origins if o]
    expect(bool(origins), "the API function allows no CORS origin (SEAWALL_CORS_ALLOW_ORIGINS)")
    origin = origins[0]
    return "https://seawall-verify.example" if origin == "*" else origin.replace("*.", "verify.")


def routes(target: Any) -> list[tuple[str, tuple[str, ...], dict[str, Any]]]:
    """(path, methods without OPTIONS, method details) of every route of the deployed REST API."""
    paginator = target.client("apigateway").get_paginator("get_resources")
    found = []
    for page in paginator.paginate(restApiId=target.output("api_id"), embed=["methods"]):
        for resource in page["items"]:
            methods = resource.get("resourceMethods") or {}
            verbs = tuple(sorted(m for m in methods if m not in ("OPTIONS", "ANY")))
            if verbs:
                found.append((resource["path"], verbs, methods))
    return sorted(found)


def concrete(path: str) -> str:
    """A URL path for a route template: parameters get an id nobody has."""
    parts = [MISSING_ID if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


def _get(target: Any, path: str, headers: dict[str, str]) -> Reply:
    return request("GET", f"{target.api_url}{path}", headers=headers)


def _keyed(target: Any, **extra: str) -> dict[str, str]:
    return {"x-api-key": target.api_key, **extra}


def check_cors_allowed_origin(target: Any) -> Outcome:
    origin = allowed_origin(target)
    reply = _get(target, "/items?limit=1", _keyed(target, Origin=origin))
    evidence = {"origin": origin, **reply.evidence()}
    expect(reply.status == 200, f"GET /items answered {reply.status}", evidence)
    got = reply.header("access-control-allow-origin")
    expect(
        got in (origin, "*"), f"Access-Control-Allow-Origin is {got!r}, not {origin!r}", evidence
    )
    return Outcome(f"{origin} is allowed (Access-Control-Allow-Origin: {got})", evidence)


def check_cors_foreign_origin(target: Any) -> Outcome:
    reply = _get(target, "/items?limit=1", _keyed(target, Origin=FOREIGN_ORIGIN))
    evidence = {"origin": FOREIGN_ORIGIN, **reply.evidence()}
    got = reply.header("access-control-allow-origin")
    expect(got not in (FOREIGN_ORIGIN, "*"), f"a foreign origin is allowed ({got!r})", evidence)
    return Outcome(f"{FOREIGN_ORIGIN} is not allowed (status {reply.status})", evidence)


def check_cors_no_origin(target: Any) -> Outcome:
    reply = _get(target, "/items?limit=1", _keyed(target))
    evidence = reply.evidence()
    expect(reply.status == 200, f"a request without Origin answered {reply.status}", evidence)
    got = reply.header("access-control-allow-origin")
    expect(
        got != "*" or "*" in _function_env(target).get("SEAWALL_CORS_ALLOW_ORIGINS", ""),
        "a request without Origin got Access-Control-Allow-Origin: *",
        evidence,
    )
    return Outcome("served, without a wildcard origin", evidence)


def check_cors_preflight(target: Any) -> Outcome:
    origin = allowed_origin(target)
    answers, wrong = {}, []
    for path, verbs, _ in routes(target):
        for verb in verbs:
            reply = request(
                "OPTIONS",
                f"{target.api_url}{concrete(path)}",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": verb,
                    "Access-Control-Request-Headers": "content-type,x-api-key",
                },
            )
            allowed = reply.header("access-control-allow-methods") or ""
            answers[f"{verb} {path}"] = (
                f"{reply.status} allow-origin={reply.header('access-control-allow-origin')} "
                f"allow-methods={allowed}"
            )
            ok = (
                200 <= reply.status < 300
                and reply.header("access-control-allow-origin") in (origin, "*")
                and verb in [m.strip() for m in allowed.split(",")]
            )
            if not ok:
                wrong.append(f"{verb} {path}")
    evidence = {"origin": origin, "preflights": answers}
    expect(bool(answers), "the API has no routes", evidence)
    expect(not wrong, f"preflight refused or without CORS for {', '.join(wrong)}", evidence)
    return Outcome(f"{len(answers)} preflights allowed for {origin}", evidence)


def check_cors_on_errors(target: Any) -> Outcome:
    origin = allowed_origin(target)
    probes = {
        "4xx from the function (404)": _get(
            target, f"/items/{MISSING_ID}", _keyed(target, Origin=origin)
        ),
        "403 missing key": _get(target, "/items", {"Origin": origin}),
        "404 as 403 (unknown route)": _get(
            target, "/seawall-verify-no-such-route", _keyed(target, Origin=origin)
        ),
    }
    evidence: dict[str, Any] = {"origin": origin}
    wrong = []
    for name, reply in probes.items():
        got = reply.header("access-control-allow-origin")
        evidence[name] = f"{reply.status}, Access-Control-Allow-Origin: {got}"
        if reply.status < 400 or got not in (origin, "*"):
            wrong.append(name)
    apigateway = target.client("apigateway")
    for response_type, status in CONFIGURED_ERRORS.items():
        try:
            response = apigateway.get_gateway_response(
                restApiId=target.output("api_id"), responseType=response_type
            )
            parameters = response.get("responseParameters") or {}
        except apigateway.exceptions.NotFoundException:
            parameters = {}
        header = parameters.get("gatewayresponse.header.Access-Control-Allow-Origin")
        evidence[f"{status} {response_type} (configured)"] = (
            f"Access-Control-Allow-Origin <- {header}"
        )
        if not header:
            wrong.append(f"{status} {response_type}")
    expect(not wrong, f"no CORS headers on: {', '.join(wrong)}", evidence)
    return Outcome(f"CORS headers on {len(probes)} provoked errors and 3 configured ones", evidence)


def check_api_keys_required(target: Any) -> Outcome:
    answers, open_routes = {}, []
    for path, verbs, _ in routes(target):
        for verb in verbs:
            if path == "/health":
                continue
            url = f"{target.api_url}{concrete(path)}"
            # An empty JSON body: should a route let it through, validation refuses it.
            body = {} if verb in ("POST", "PUT") else None
            missing = request(verb, url, body=body)
            wrong = request(verb, url, body=body, headers={"x-api-key": "seawall-verify-wrong-key"})
            answers[f"{verb} {path}"] = f"no key: {missing.status}, wrong key: {wrong.status}"
            if missing.status != 403 or wrong.status != 403:
                open_routes.append(f"{verb} {path}")
    evidence = {"answers": answers}
    expect(bool(answers), "the API has no keyed routes", evidence)
    expect(not open_routes, f"not refused without a valid key: {', '.join(open_routes)}", evidence)
    return Outcome(f"{len(answers)} routes refuse a missing and a wrong key", evidence)


def check_health_endpoint(target: Any) -> Outcome:
    reply = request("GET", f"{target.api_url}/health")
    evidence = reply.evidence()
    expect(reply.status == 200, f"GET /health answered {reply.status}", evidence)
    return Outcome(f"GET /health: 200 in {reply.seconds * 1000:.0f} ms", evidence)


def check_usage_plan_throttle(target: Any) -> Outcome:
    plans = target.client("apigateway").get_usage_plans()["items"]
    api_id, stage = target.output("api_id"), target.output("api_stage")
    bound = [
        p
        for p in plans
        if any(s.get("apiId") == api_id and s.get("stage") == stage for s in p.get("apiStages", []))
    ]
    evidence = {
        "usage plans": {
            p["name"]: {"throttle": p.get("throttle"), "quota": p.get("quota")} for p in bound
        }
    }
    expect(bool(bound), "no usage plan is bound to the stage", evidence)
    unthrottled = [p["name"] for p in bound if not (p.get("throttle") or {}).get("rateLimit")]
    expect(not unthrottled, f"usage plans without a throttle: {', '.join(unthrottled)}", evidence)
    return Outcome(f"{len(bound)} usage plan(s) throttle the stage", evidence)


CHECKS = (
    Check("cors-allowed-origin", "CORS: an allowed origin is allowed", check_cors_allowed_origin),
    Check("cors-foreign-origin", "CORS: a foreign origin is not", check_cors_foreign_origin),
    Check("cors-no-origin", "CORS: no origin, no wildcard", check_cors_no_origin),
    Check("cors-preflight", "CORS: a preflight on every route", check_cors_preflight, timeout_s=60),
    Check("cors-on-errors", "CORS headers on 4xx and gateway errors", check_cors_on_errors),
    Check(
        "api-keys-required",
        "every route but health refuses a missing or wrong key",
        check_api_keys_required,
        timeout_s=60,
    ),
    Check("health-endpoint", "the health route answers", check_health_endpoint),
    Check("usage-plan-throttle", "the usage plan throttles the stage", check_usage_plan_throttle),
)
