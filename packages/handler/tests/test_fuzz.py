"""Properties over generated input, with the OpenAPI document as the contract:

- any JSON body, header set, query string, method and path gives a documented 2xx/4xx answer
  (a problem document for errors), never a 5xx and never an exception;
- every valid item (generated from the document's ItemInput schema) round-trips unchanged.

moto's table is shared by all examples of a test (function-scoped fixture on purpose).
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any

import pytest
from handler_doubles import Env, Harness, api_event, body, make_harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seawall_handler.adapter import routes

DOC = json.loads(resources.files("seawall_handler").joinpath("openapi.json").read_text())
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GENERIC_ERRORS = {400, 404, 405, 413, 415}  # answered for any path before an operation runs

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
any_json = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def item_strategy() -> st.SearchStrategy[dict[str, Any]]:
    """Valid items, read off the document's ItemInput schema."""
    schema = DOC["components"]["schemas"]["ItemInput"]["properties"]
    name = st.text(min_size=schema["name"]["minLength"], max_size=schema["name"]["maxLength"])
    data = st.dictionaries(
        st.text(max_size=40), json_scalars, max_size=schema["data"]["maxProperties"]
    )
    return st.fixed_dictionaries({"name": name, "data": data})


almost_items = st.fixed_dictionaries(
    {
        "name": st.text(max_size=210) | any_json,
        "data": any_json | st.dictionaries(st.text(), any_json),
    },
    optional={"extra": any_json},
)
header_names = st.sampled_from(
    [
        "Content-Type",
        "If-Match",
        "Idempotency-Key",
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "X-Api-Key",
    ]
) | st.text(min_size=1, max_size=20)
header_values = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        '"1"',
        "*",
        'W/"2"',
        "http://localhost:3000",
        "POST",
        "",
    ]
) | st.text(max_size=60)
paths = st.sampled_from(
    [
        "/health",
        "/items",
        "/items/00000000-0000-4000-8000-000000000000",
        "/jobs",
        "/jobs/00000000-0000-4000-8000-000000000000",
        "/",
        "/items/",
        "/items/x/y",
    ]
) | st.text(max_size=40).map(lambda s: "/" + s)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"]) | st.text(
    max_size=8
)


@pytest.fixture
def fuzz_call(aws: Env) -> Harness:
    return make_harness(aws)


def documented_statuses(path: str, method: str) -> set[int]:
    found = routes.match(path)
    if found is None:
        return {404}
    operation = DOC["paths"][found.route.template].get(method.lower())
    if operation is None:
        return {204, 403, 405} if method == "OPTIONS" else {405}
    return {int(code) for code in operation["responses"]} | GENERIC_ERRORS


def check(response: dict[str, Any], path: str, method: str) -> None:
    status = response["statusCode"]
    assert status < 500, response
    assert status in documented_statuses(path, method), (status, path, method)
    if status >= 400:
        problem = body(response)
        assert response["headers"]["Content-Type"] == "application/problem+json"
        assert problem["status"] == status
        assert problem["request_id"] == "req-1"


requests = st.fixed_dictionaries(
    {
        "method": methods,
        "path": paths,
        "body": any_json | almost_items,
        "headers": st.dictionaries(header_names, header_values, max_size=6),
        "query": st.none()
        | st.dictionaries(
            st.sampled_from(["limit", "cursor"]) | st.text(max_size=8),
            st.text(max_size=30),
            max_size=3,
        ),
        "base64_body": st.booleans(),
    }
)


@FUZZ
@given(request=requests)
def test_no_request_gets_a_5xx(fuzz_call: Harness, request: dict[str, Any]) -> None:
    method, path = request["method"], request["path"]
    event = api_event(
        method,
        path,
        request["body"],
        headers=request["headers"],
        query=request["query"],
        base64_body=request["base64_body"],
    )
    check(fuzz_call(event), path, method)


@FUZZ
@given(raw=st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_no_raw_body_gets_a_5xx(fuzz_call: Harness, raw: str) -> None:
    for method, path in (("POST", "/items"), ("POST", "/jobs")):
        event = api_event(method, path, raw_body=raw, headers={"Content-Type": "application/json"})
        check(fuzz_call(event), path, method)


@FUZZ
@given(payload=almost_items, version=st.sampled_from(['"1"', '"2"', "*", "garbage", '"99"']))
def test_updates_with_arbitrary_bodies_never_get_a_5xx(
    fuzz_call: Harness, payload, version
) -> None:
    created = body(fuzz_call(api_event("POST", "/items", {"name": "target", "data": {}})))
    path = f"/items/{created['id']}"
    check(fuzz_call(api_event("PUT", path, payload, headers={"If-Match": version})), path, "PUT")


@FUZZ
@given(item=item_strategy())
def test_valid_items_round_trip_unchanged(fuzz_call: Harness, item: dict[str, Any]) -> None:
    created = fuzz_call(api_event("POST", "/items", item))
    assert created["statusCode"] == 201, created
    stored = body(fuzz_call(api_event("GET", f"/items/{body(created)['id']}")))
    assert stored["name"] == item["name"]
    assert json.dumps(stored["data"], sort_keys=True) == json.dumps(item["data"], sort_keys=True)
    assert body(created) == stored


@FUZZ
@given(items=st.lists(item_strategy(), min_size=1, max_size=5))
def test_valid_jobs_are_accepted(fuzz_call: Harness, items) -> None:
    response = fuzz_call(api_event("POST", "/jobs", {"type": "import", "items": items}))
    assert response["statusCode"] == 202, response


@FUZZ
@given(
    event=st.none()
    | any_json
    | st.fixed_dictionaries(
        {
            "Records": st.lists(
                st.dictionaries(
                    st.sampled_from(["messageId", "body", "attributes"]) | st.text(max_size=5),
                    any_json | st.text(max_size=60).map(lambda t: json.dumps({"job_id": t})),
                    max_size=4,
                ),
                max_size=4,
            )
        }
    )
)
def test_no_sqs_event_crashes_the_worker(aws: Env, event) -> None:
    from handler_doubles import FakeClock, FakeContext

    from seawall_handler.adapter.sqs_jobs import Worker
    from seawall_handler.observability import Log

    clock = FakeClock()
    worker = Worker(
        aws.settings(),
        log=Log(write=lambda _: None),
        clock=clock.time,
        perf=clock.perf,
        sleep=clock.sleep,
    )
    result = worker.handle(event, FakeContext(clock, 60))
    assert set(result) == {"batchItemFailures"}
    assert all(isinstance(f["itemIdentifier"], str) for f in result["batchItemFailures"])
