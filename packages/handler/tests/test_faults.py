"""Fault injection (SEAWALL_FAULT_INJECTION): each mode, sampling, and when it is refused."""

from __future__ import annotations

import json
import random

import pytest
from handler_doubles import ORIGIN, Env, Harness, api_event, body, make_harness

from seawall_handler.faults.plan import Faults, InjectedFault, parse_spec
from seawall_handler.observability import Log


def with_faults(aws: Env, spec: dict, seed: int = 1, **settings: str) -> Harness:
    call = make_harness(aws, SEAWALL_FAULT_INJECTION=json.dumps(spec), **settings)
    call.api.faults.rng = random.Random(seed)
    return call


def test_off_by_default(call: Harness) -> None:
    assert call.api.faults.spec is None
    assert call(api_event("GET", "/health"))["statusCode"] == 200


def test_exception_mode_fails_the_invocation(aws: Env) -> None:
    call = with_faults(aws, {"mode": "exception", "exception_message": "boom"})
    with pytest.raises(InjectedFault, match="boom"):
        call(api_event("GET", "/health"))
    line = call.request_logs()[-1]
    assert (line["fault"], line["level"]) == ("exception", "ERROR")


def test_latency_mode_delays_then_answers(aws: Env) -> None:
    call = with_faults(aws, {"mode": "latency", "latency_ms": 1500})
    response = call(api_event("POST", "/items", {"name": "a", "data": {}}))
    assert response["statusCode"] == 201
    assert call.clock.slept[0] == 1.5


def test_latency_past_the_deadline_becomes_a_503_not_a_timeout(aws: Env) -> None:
    call = with_faults(aws, {"mode": "latency", "latency_ms": 4000})
    response = call(api_event("POST", "/items", {"name": "a", "data": {}}), timeout=5)
    assert response["statusCode"] == 503


def test_status_code_mode_answers_that_status_with_cors(aws: Env) -> None:
    call = with_faults(aws, {"mode": "status_code", "status_code": 418})
    response = call(api_event("GET", "/health"))
    assert response["statusCode"] == 418
    assert body(response)["type"] == "urn:seawall:problem:injected-fault"
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN


def test_timeout_mode_outlives_the_function(aws: Env) -> None:
    call = with_faults(aws, {"mode": "timeout"})
    with pytest.raises(InjectedFault):
        call(api_event("GET", "/health"), timeout=7)
    assert call.clock.slept[0] >= 7


def test_throttle_mode_runs_the_real_retry_path(aws: Env) -> None:
    call = with_faults(aws, {"mode": "throttle", "throttle_rate": 1.0})
    response = call(api_event("GET", "/items/00000000-0000-4000-8000-000000000000"))
    assert response["statusCode"] == 503
    line = call.request_logs()[-1]
    assert line["Throttles"] >= 2
    assert line["Retries"] >= 1
    assert line["fault"] == "throttle"


def test_partial_throttling_is_absorbed_by_retries(aws: Env) -> None:
    call = with_faults(aws, {"mode": "throttle", "throttle_rate": 0.5}, seed=3)
    statuses = [
        call(api_event("POST", "/items", {"name": "a", "data": {}}))["statusCode"]
        for _ in range(10)
    ]
    assert statuses == [201] * 10
    assert sum(line["Retries"] for line in call.request_logs()) > 0


def test_throttling_is_only_active_during_a_faulty_invocation(aws: Env) -> None:
    call = with_faults(aws, {"mode": "throttle", "rate": 0.5}, seed=7)
    lines = []
    for _ in range(20):
        call(api_event("GET", "/items/00000000-0000-4000-8000-000000000000"))
        lines.append(call.request_logs()[-1])
    faulty = [line for line in lines if line["fault"]]
    clean = [line for line in lines if not line["fault"]]
    assert faulty
    assert clean
    assert all(line["status"] == 503 for line in faulty)
    assert all(line["status"] == 404 and line["Throttles"] == 0 for line in clean)


def test_rate_samples_invocations(aws: Env) -> None:
    call = with_faults(aws, {"mode": "status_code", "rate": 0.25}, seed=11)
    statuses = [call(api_event("GET", "/health"))["statusCode"] for _ in range(400)]
    assert 60 < statuses.count(503) < 140


def test_refused_in_prod_unless_allowed(aws: Env) -> None:
    spec = {"mode": "status_code"}
    refused = with_faults(aws, spec, SEAWALL_ENVIRONMENT="prod")
    assert refused(api_event("GET", "/health"))["statusCode"] == 200
    assert any(line["message"] == "fault injection refused in prod" for line in refused.logs())
    allowed = with_faults(
        aws, spec, SEAWALL_ENVIRONMENT="prod", SEAWALL_ALLOW_FAULT_INJECTION_IN_PROD="true"
    )
    assert allowed(api_event("GET", "/health"))["statusCode"] == 503


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        '{"mode": "chaos"}',
        '{"mode": "latency", "rate": 2}',
        '{"mode": "x", "y": 1}',
        '{"mode": "throttle", "throttle_error": "Nope"}',
        '{"mode": "latency", "functions": []}',
    ],
)
def test_an_invalid_setting_is_logged_and_ignored(text: str) -> None:
    lines: list[str] = []
    from seawall_handler.config import Settings

    settings = Settings.from_env({"SEAWALL_FAULT_INJECTION": text})
    faults = Faults.from_settings(settings, Log(write=lines.append))
    assert faults.spec is None
    assert json.loads(lines[0])["message"] == "fault injection setting ignored"
    with pytest.raises(ValueError, match=r"\w"):
        parse_spec(text)


def test_functions_selects_where_it_applies() -> None:
    spec = parse_spec('{"mode": "latency", "functions": ["worker"]}')
    assert Faults(spec, "api").spec is None
    assert Faults(spec, "worker").spec == spec
