"""CORS headers on every response, preflights answered, through retrylib.cors."""

from __future__ import annotations

import pytest
from handler_doubles import ORIGIN, Env, Harness, api_event, body, make_harness


def with_origin(method: str, path: str, origin: str | None, **kwargs) -> dict:
    event = api_event(method, path, **kwargs)
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop("Origin")
    if origin is not None:
        event["headers"]["Origin"] = origin
        event["multiValueHeaders"]["Origin"] = [origin]
    return event


@pytest.mark.parametrize("origin", [ORIGIN, "https://app.example.com", "https://a.b.example.com"])
def test_allowed_origins_get_cors_headers(call: Harness, origin: str) -> None:
    response = call(with_origin("GET", "/health", origin))
    headers = response["headers"]
    assert headers["Access-Control-Allow-Origin"] == origin
    assert headers["Vary"] == "Origin"
    assert "ETag" in headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    "origin", ["https://example.com", "https://evil.com", "null", "http://localhost:3001", None]
)
def test_other_origins_get_no_cors_headers(call: Harness, origin: str | None) -> None:
    response = call(with_origin("GET", "/health", origin))
    assert response["statusCode"] == 200
    assert not any(h.startswith("Access-Control-") for h in response["headers"])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/items/nope", 404), ("PATCH", "/items", 405), ("POST", "/items", 415)],
)
def test_error_responses_carry_cors_headers(call: Harness, method, path, status) -> None:
    response = call(with_origin(method, path, ORIGIN, raw_body="x"))
    assert response["statusCode"] == status
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN


def test_a_crash_still_answers_500_problem_with_cors(aws: Env, monkeypatch) -> None:
    """A bug is simulated by making the domain raise; the response must still be usable."""
    from seawall_handler.domain.items import Items

    def broken(self, item_id):
        raise RuntimeError("bug")

    monkeypatch.setattr(Items, "get", broken)
    call = make_harness(aws)
    response = call(with_origin("GET", "/items/x", ORIGIN))
    assert response["statusCode"] == 500
    assert body(response)["type"] == "urn:seawall:problem:internal-error"
    assert "bug" not in response["body"]
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert call.request_logs()[-1]["level"] == "ERROR"


def preflight(origin: str, method: str, headers: str | None = None) -> dict:
    extra = {"Access-Control-Request-Method": method}
    if headers:
        extra["Access-Control-Request-Headers"] = headers
    return with_origin("OPTIONS", "/items", origin, headers=extra)


def test_an_allowed_preflight_is_answered(call: Harness) -> None:
    response = call(preflight(ORIGIN, "POST", "content-type, idempotency-key"))
    assert response["statusCode"] == 204
    headers = response["headers"]
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Idempotency-Key" in headers["Access-Control-Allow-Headers"]
    assert headers["Access-Control-Max-Age"] == "600"
    assert response["body"] == ""


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [("https://evil.com", "POST", None), (ORIGIN, "PATCH", None), (ORIGIN, "POST", "x-secret")],
)
def test_a_refused_preflight_is_403_without_cors_headers(call: Harness, origin, method, headers):
    response = call(preflight(origin, method, headers))
    assert response["statusCode"] == 403
    assert "Access-Control-Allow-Origin" not in response["headers"]


def test_plain_options_lists_the_allowed_methods(call: Harness) -> None:
    response = call(with_origin("OPTIONS", "/items/abc", ORIGIN))
    assert response["statusCode"] == 204
    assert response["headers"]["Allow"] == "GET, PUT, DELETE, OPTIONS"


def test_a_bad_origin_in_the_configuration_does_not_disable_the_others(aws: Env) -> None:
    call = make_harness(aws, SEAWALL_CORS_ALLOW_ORIGINS=f"not an origin,{ORIGIN}")
    response = call(with_origin("GET", "/health", ORIGIN))
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    warnings = [line for line in call.logs() if line.get("message") == "CORS origin ignored"]
    assert warnings
    assert warnings[0]["origin"] == "not an origin"


def test_memoised_answers_stay_right_for_many_origins_and_the_memo_stays_bounded() -> None:
    """The per-origin memo (cors.MemoCors) answers exactly what the policy answers, for origins
    allowed or not, in any order and after evictions, and never holds more than its size."""
    from retrylib.cors import CorsPolicy
    from seawall_handler.adapter.cors import MemoCors, cors_policy
    from seawall_handler.observability import Log

    memo = cors_policy([ORIGIN, "https://*.example.com"], Log(write=lambda _: None))
    reference = memo.policy
    small = MemoCors(reference, size=8)
    assert isinstance(reference, CorsPolicy)
    origins = [
        *(f"https://app{i}.example.com" for i in range(150)),
        *(f"https://evil{i}.com" for i in range(50)),
        "HTTPS://APP1.EXAMPLE.COM",
        ORIGIN,
        "null",
        "",
        None,
    ]
    for memoised in (memo, small):
        for origin in origins + origins[::-1]:
            assert memoised.response_headers(origin) == reference.response_headers(origin)
    assert len(small._answers) <= 8
    assert len(memo._answers) <= 256
    assert small.response_headers("https://app7.example.com")["Access-Control-Allow-Origin"] == (
        "https://app7.example.com"
    )
    assert small.response_headers("https://evil7.com") == {}


def test_one_answers_headers_never_leak_into_the_next(call: Harness) -> None:
    """Answers share the memoised CORS headers: none of them may be changed by a response."""
    refused = call(with_origin("PATCH", "/items", ORIGIN))
    assert refused["headers"]["Allow"] == "GET, POST, OPTIONS"
    item = "/items/00000000-0000-4000-8000-000000000000"
    unavailable = call(with_origin("GET", item, ORIGIN), timeout=0.1)  # no time for DynamoDB
    assert unavailable["statusCode"] == 503
    assert unavailable["headers"]["Retry-After"] == "1"
    ok = call(with_origin("GET", "/health", ORIGIN))
    assert ok["statusCode"] == 200
    assert set(ok["headers"]) == {
        "Access-Control-Allow-Origin",
        "Access-Control-Expose-Headers",
        "Vary",
        "X-Request-Id",
        "Content-Type",
    }
    assert call.api.cors.response_headers(ORIGIN) == call.api.cors.policy.response_headers(ORIGIN)
