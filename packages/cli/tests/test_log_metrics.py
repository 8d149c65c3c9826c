"""EMF lines and metric filters turn log lines into metrics, as CloudWatch Logs does."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seawall.runtime.log_metrics import (
    MetricFilter,
    TextPattern,
    UnsupportedPattern,
    emf_metrics,
    filter_metrics,
)
from seawall.runtime.metrics import MetricKey


def test_an_emf_line_becomes_one_datum_per_metric_and_dimension_set() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1_700_000_000_000,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "seawall",
                        "Dimensions": [["Service", "Route"], ["Service"]],
                        "Metrics": [
                            {"Name": "Latency", "Unit": "Milliseconds"},
                            {"Name": "Hits", "Unit": "Count"},
                        ],
                    }
                ],
            },
            "Service": "api",
            "Route": "GET /items",
            "Latency": [3.5, 4.5],
            "Hits": 1,
            "message": "request",
        }
    )
    data = emf_metrics(line, fallback_ms=0)
    keys = {(d.key.name, d.key.dimensions, d.value) for d in data}
    assert keys == {
        ("Latency", (("Route", "GET /items"), ("Service", "api")), 3.5),
        ("Latency", (("Route", "GET /items"), ("Service", "api")), 4.5),
        ("Hits", (("Route", "GET /items"), ("Service", "api")), 1.0),
        ("Latency", (("Service", "api"),), 3.5),
        ("Latency", (("Service", "api"),), 4.5),
        ("Hits", (("Service", "api"),), 1.0),
    }
    assert {d.timestamp for d in data} == {1_700_000_000.0}
    assert {d.unit for d in data if d.key.name == "Hits"} == {"Count"}


@pytest.mark.parametrize(
    "line",
    ["plain text", '{"message": "json without _aws"}', '{"_aws": {"CloudWatchMetrics": 3}}', "{"],
)
def test_other_lines_carry_no_metrics(line: str) -> None:
    assert emf_metrics(line, fallback_ms=0) == []


def test_the_stacks_error_filter_pattern() -> None:
    pattern = TextPattern.parse('?ERROR ?"Task timed out"')
    assert pattern.matches('{"level": "ERROR", "message": "boom"}')
    assert pattern.matches("2026-01-01T00:00:00Z abc Task timed out after 3.00 seconds")
    assert not pattern.matches('{"level": "INFO"}')
    assert not pattern.matches("error in lower case: terms are case-sensitive")


def test_required_and_excluded_terms() -> None:
    pattern = TextPattern.parse('ERROR -retrying "db down"')
    assert pattern.matches("ERROR db down")
    assert not pattern.matches("ERROR db down, retrying")
    assert not pattern.matches("ERROR disk full")


@given(st.text(max_size=40))
def test_an_empty_pattern_matches_every_event(message: str) -> None:
    assert TextPattern.parse("").matches(message)


def test_json_and_space_delimited_patterns_are_refused_not_guessed() -> None:
    with pytest.raises(UnsupportedPattern):
        TextPattern.parse("{ $.level = ERROR }")
    with pytest.raises(UnsupportedPattern):
        TextPattern.parse("[ip, user, status=5*]")


def _filter(value: str = "1", default: float | None = 0.0) -> MetricFilter:
    return MetricFilter(
        name="errors",
        log_group="/aws/lambda/fn",
        pattern=TextPattern.parse('?ERROR ?"Task timed out"'),
        key=MetricKey("seawall/local", "api-logged-errors", ()),
        value=value,
        default_value=default,
        unit="Count",
    )


def test_a_filter_publishes_per_match_and_its_default_for_a_quiet_batch() -> None:
    events = [(1.0, "ERROR one"), (2.0, "fine"), (3.0, "Task timed out after 3.00 seconds")]
    assert [(d.timestamp, d.value) for d in filter_metrics([_filter()], events)] == [
        (1.0, 1.0),
        (3.0, 1.0),
    ]
    assert [(d.timestamp, d.value) for d in filter_metrics([_filter()], [(5.0, "ok")])] == [
        (5.0, 0.0)
    ]
    assert filter_metrics([_filter(default=None)], [(5.0, "ok")]) == []


def test_a_filter_value_can_come_from_a_json_field() -> None:
    events = [(1.0, '{"level": "ERROR", "retries": 4}'), (2.0, "ERROR not json")]
    data = filter_metrics([_filter(value="$.retries", default=None)], events)
    assert [d.value for d in data] == [4.0]
