"""One JSON line per request, which is also a valid CloudWatch EMF document."""

from __future__ import annotations

from conftest import Harness, api_event


def test_one_line_per_request_with_the_documented_fields(call: Harness) -> None:
    call(api_event("GET", "/health"))
    call(api_event("GET", "/items/nope"))
    lines = call.logs()
    assert len(lines) == 2
    first, second = lines
    assert (first["route"], first["status"], first["cold_start"]) == ("/health", 200, True)
    assert (second["route"], second["status"], second["cold_start"]) == ("/items/{id}", 404, False)
    for line in lines:
        assert line["request_id"] == "req-1"
        assert line["apigw_request_id"] == "apigw-req-1"
        assert line["level"] == "INFO"
        for field in ("Latency", "Retries", "Throttles", "DeadlineHits", "IdempotentReplays"):
            assert isinstance(line[field], int | float)


def test_lines_are_valid_embedded_metric_format(call: Harness) -> None:
    call(api_event("GET", "/health"))
    line = call.logs()[0]
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert line["_aws"]["Timestamp"] == int(call.clock.now * 1000)
    assert directive["Namespace"] == "seawall"
    for dimension_set in directive["Dimensions"]:
        assert all(isinstance(line[name], str) for name in dimension_set)
    assert (line["Environment"], line["Function"]) == ("local", "api")
    for metric in directive["Metrics"]:
        assert isinstance(line[metric["Name"]], int | float)
        assert metric["Unit"] in ("Count", "Milliseconds")


def test_client_controlled_text_never_reaches_the_log(call: Harness) -> None:
    """The stack's metric filter counts lines containing ERROR: a client must not forge one."""
    call(api_event("GET", "/ERROR", headers={"User-Agent": "ERROR"}))
    call(api_event("ERROR", "/items"))
    call(api_event("POST", "/items", {"name": "ERROR", "data": {"ERROR": "ERROR"}}))
    for raw in call.lines:
        assert "ERROR" not in raw
