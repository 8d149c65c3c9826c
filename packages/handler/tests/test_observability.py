"""One JSON line per request, which is also a valid CloudWatch EMF document."""

from __future__ import annotations

import json
import math
from decimal import Decimal

from handler_doubles import Harness, api_event
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall_handler.observability import Log


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


# The line is serialised piece by piece (observability.MetricsLine); it must stay byte for byte
# what json.dumps of the same document gives, whatever the values.

json_values = (
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e300, 10**40, True, False, "%s", "é"])
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too: json writes NaN, Infinity, -Infinity
    | st.text()
    | st.lists(st.integers() | st.text(), max_size=3)
    | st.tuples(st.text())
    | st.builds(Decimal, st.integers())  # not JSON: json's default=str writes it
)
names = st.text(min_size=1, max_size=12)


def reference_line(level, message, dimensions, metrics, fields, *, timestamp) -> str:
    """The line as json.dumps writes it: the definition the fast path must match."""
    directive = json.dumps(
        [
            {
                "Namespace": "seawall",
                "Dimensions": [list(dimensions)],
                "Metrics": [{"Name": n, "Unit": u} for n, (_, u) in metrics.items()],
            }
        ],
        separators=(",", ":"),
    )
    document = {
        "level": level,
        "message": message,
        **dimensions,
        **{n: v for n, (v, _) in metrics.items()},
        **fields,
    }
    rest = json.dumps(document, separators=(",", ":"), default=str)
    return f'{{"_aws":{{"Timestamp":{timestamp},"CloudWatchMetrics":{directive}}},{rest[1:]}\n'


@given(
    level=st.sampled_from(["INFO", "ERROR"]),
    message=st.text(),
    dimensions=st.dictionaries(names, st.text(), max_size=3),
    metrics=st.dictionaries(
        names, st.tuples(json_values, st.sampled_from(["Count", "Milliseconds", "%s"])), max_size=4
    ),
    fields=st.dictionaries(names.filter(str.isidentifier), json_values, max_size=5),
    now=st.floats(min_value=0, max_value=4e9),
)
@settings(max_examples=300, deadline=None)
def test_metrics_lines_are_exactly_what_json_dumps_writes(
    level, message, dimensions, metrics, fields, *, now
) -> None:
    lines: list[str] = []
    log = Log("INFO", write=lines.append, clock=lambda: now)
    for _ in range(2):  # the first call serialises the shape, the second reuses it
        log.metrics(level, message, dimensions, metrics, **fields)
    expected = reference_line(
        level, message, dimensions, metrics, fields, timestamp=int(now * 1000)
    )
    assert lines == [expected, expected]


def test_a_name_used_twice_keeps_the_last_value_as_json_dumps_does() -> None:
    lines: list[str] = []
    log = Log("INFO", write=lines.append, clock=lambda: 1.0)
    log.metrics("INFO", "m", {"Function": "api"}, {"Retries": (1, "Count")}, Function="x")
    expected = reference_line(
        "INFO",
        "m",
        {"Function": "api"},
        {"Retries": (1, "Count")},
        {"Function": "x"},
        timestamp=1000,
    )
    assert lines == [expected]


def test_the_shape_cache_stays_bounded_and_correct() -> None:
    lines: list[str] = []
    log = Log("INFO", write=lines.append, clock=lambda: 1.0)
    for i in range(500):
        dimensions = {"Function": f"f{i}"}
        log.metrics("INFO", "m", dimensions, {"Retries": (i, "Count")}, n=i)
        assert lines[-1] == reference_line(
            "INFO", "m", dimensions, {"Retries": (i, "Count")}, {"n": i}, timestamp=1000
        )
    assert len(log._lines) <= 64


def test_the_request_line_is_canonical_json(call: Harness) -> None:
    """Every request line reads back as the same document json.dumps writes, byte for byte."""
    call(api_event("GET", "/health"))
    call(api_event("GET", "/items/nope"))
    call(api_event("POST", "/items", {"name": "é %s %d", "data": {"k": 1.5}}))
    call(api_event("PATCH", "/items"))
    assert len(call.lines) == 4
    for raw in call.lines:
        assert json.dumps(json.loads(raw), separators=(",", ":")) + "\n" == raw
