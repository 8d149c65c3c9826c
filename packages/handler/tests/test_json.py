"""The warm path's JSON shortcuts (seawall_handler._json) give what the json module gives."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall_handler import _json

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from([math.nan, math.inf, -math.inf, -0.0, "\u2028", "é", '"\\'])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


def outcome(function, *args):
    try:
        return ("value", function(*args))
    except Exception as exc:  # the same error, with the same message, is part of "the same"
        return ("error", type(exc), str(exc))


def same(a, b) -> bool:
    """Equal, with NaN equal to itself (json reads NaN back)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@given(values)
@settings(max_examples=500)
def test_dumps_writes_what_json_dumps_writes(value) -> None:
    assert _json.dumps(value) == json.dumps(value, separators=(",", ":"))


def test_dumps_refuses_what_json_dumps_refuses() -> None:
    circular: list = []
    circular.append(circular)
    for value in (circular, {"a": object()}, {(1, 2): 3}):
        expected = outcome(lambda v: json.dumps(v, separators=(",", ":")), value)
        assert outcome(_json.dumps, value) == expected


texts = (
    values.map(lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")))
    | values.map(json.dumps)
    | st.text()
    | st.sampled_from(["", " 1", "1 ", "\ufeff{}", "{} x", "[1,", "NaN", "-Infinity", "01", '"'])
)


@given(texts)
@settings(max_examples=500)
def test_loads_reads_what_json_loads_reads(text: str) -> None:
    ours, theirs = outcome(_json.loads, text), outcome(json.loads, text)
    assert ours[0] == theirs[0]
    if ours[0] == "value":
        assert same(ours[1], theirs[1])
    else:
        assert ours == theirs


@pytest.mark.parametrize("text", ['{"a":1}', "[1,2]", '"s"', "3.5", "null"])
def test_loads_keeps_types_as_json_does(text: str) -> None:
    assert _json.loads(text) == json.loads(text)
    assert type(_json.loads(text)) is type(json.loads(text))
