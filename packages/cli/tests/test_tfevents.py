"""Terraform's JSON UI: progress for a person, and which failed applies are worth retrying.

The diagnostics below are the texts the AWS provider (aws-sdk-go-v2) writes, as recorded from
failed applies; the retry decision is retrylib's classification of the AWS error code in them.
"""

from __future__ import annotations

import io
import json

import pytest
from fake_clock import FakeClock
from hypothesis import given
from hypothesis import strategies as st

from seawall.applyview import ApplyView
from seawall.tfevents import ApplyProgress, Diagnostic, parse_event, retry_reason


def message(kind: str, address: str = "", **hook: object) -> str:
    raw: dict[str, object] = {"type": kind, "@message": f"{address}: {kind}", "@level": "info"}
    if address:
        raw["hook"] = {"resource": {"addr": address}, **hook}
    return json.dumps(raw)


def provider_error(code: str, status: int = 400) -> Diagnostic:
    return Diagnostic(
        "error",
        "creating Lambda Function (seawall-dev-api)",
        f"operation error Lambda: CreateFunction, https response error StatusCode: {status}, "
        f"RequestID: 5a1e, api error {code}: something",
    )


def test_progress_counts_done_of_total_and_names_the_slowest_in_flight() -> None:
    clock = FakeClock()
    progress = ApplyProgress(clock=clock)
    for address in ("a.x", "a.y", "a.z"):
        progress.update(parse_event(message("planned_change", address, action="create")))  # type: ignore[arg-type]
    progress.update(parse_event(message("apply_start", "a.x", action="create")))  # type: ignore[arg-type]
    clock.now = 5
    progress.update(parse_event(message("apply_start", "a.y", action="update")))  # type: ignore[arg-type]
    clock.now = 12
    assert progress.line() == (
        "apply: applying, 0 of 3 resources done; slowest in flight: a.x (create, 12s)"
    )
    progress.update(parse_event(message("apply_complete", "a.x", action="create")))  # type: ignore[arg-type]
    assert progress.line() == (
        "apply: applying, 1 of 3 resources done; slowest in flight: a.y (update, 7s)"
    )


def test_the_live_line_rewrites_itself_and_ends_with_a_newline() -> None:
    stream = io.StringIO()
    view = ApplyView(stream, live=True, clock=FakeClock())
    view(parse_event(message("planned_change", "a.x", action="create")))  # type: ignore[arg-type]
    view(parse_event(message("apply_start", "a.x", action="create")))  # type: ignore[arg-type]
    view(parse_event(message("apply_complete", "a.x", action="create")))  # type: ignore[arg-type]
    view.close()
    text = stream.getvalue()
    assert text.startswith("\r")
    assert text.endswith("\n")
    assert text.count("\n") == 1
    assert "1 of 1 resources done" in text


def test_lines_that_are_not_json_ui_messages_are_ignored() -> None:
    assert parse_event("Terraform will perform the following actions:") is None
    assert parse_event("{not json") is None
    assert parse_event('{"no_type": 1}') is None


@pytest.mark.parametrize(
    "code",
    ["ThrottlingException", "TooManyRequestsException", "LimitExceededException", "Throttling"],
)
def test_throttling_and_limits_that_clear_are_retried(code: str) -> None:
    assert code in str(retry_reason([provider_error(code)]))


def test_server_errors_and_connection_resets_are_retried() -> None:
    assert retry_reason([provider_error("ServiceException", status=503)])
    reset = Diagnostic("error", "reading IAM Role", "read tcp 10.0.0.1: connection reset by peer")
    assert retry_reason([reset]) == "connection reset by peer"


def test_iam_eventual_consistency_is_retried() -> None:
    role = Diagnostic(
        "error",
        "creating Lambda Function (api)",
        "api error InvalidParameterValueException: The role defined for the function cannot "
        "be assumed by Lambda.",
    )
    assert retry_reason([role])


@pytest.mark.parametrize(
    "code", ["AccessDeniedException", "ValidationException", "ResourceNotFoundException"]
)
def test_other_errors_stop_at_once(code: str) -> None:
    assert retry_reason([provider_error(code)]) is None


def test_one_permanent_error_among_throttled_ones_stops() -> None:
    errors = [provider_error("ThrottlingException"), provider_error("AccessDeniedException")]
    assert retry_reason(errors) is None


def test_warnings_alone_are_not_a_reason_to_retry() -> None:
    assert retry_reason([Diagnostic("warning", "Deprecated attribute")]) is None


@given(st.text())
def test_any_output_line_parses_or_is_ignored_without_raising(line: str) -> None:
    event = parse_event(line)
    assert event is None or isinstance(event.type, str)


@given(
    st.dictionaries(
        st.sampled_from(["type", "hook", "change", "diagnostic", "@message"]),
        st.none() | st.integers() | st.text() | st.dictionaries(st.text(), st.text()),
    )
)
def test_any_json_object_parses_or_is_ignored_without_raising(raw: dict[str, object]) -> None:
    event = parse_event(json.dumps(raw))
    assert event is None or isinstance(event.type, str)
