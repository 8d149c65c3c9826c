"""The SLO gate's arithmetic and its parser, the step shape, and which answers count as errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seawall.cli import main
from seawall.errors import UsageError
from seawall.load.classify import ERROR, EXPECTED, OK, classify
from seawall.load.guard import is_loopback_url, refuse_unconfirmed_prod
from seawall.load.latency import AccessLogWindow
from seawall.load.saturation import verdict
from seawall.load.shape import parse_shape
from seawall.load.slo import DEFAULTS, Slo, judge, parse_slo

LOCAL = DEFAULTS["local"]


def test_the_issue_s_example_reads_as_written() -> None:
    assert parse_slo("p99=800ms,errors=0.5%,lost=0", DEFAULTS["dev"]) == Slo(800, 0.005, 0)


def test_terms_left_out_keep_the_environment_s_default() -> None:
    assert parse_slo("p99=2s", LOCAL) == Slo(2000, LOCAL.error_rate, LOCAL.lost)
    assert parse_slo("", DEFAULTS["prod"]) == DEFAULTS["prod"]
    assert parse_slo("errors=0.01", LOCAL).error_rate == 0.01  # a bare share, not a percent


@pytest.mark.parametrize(
    "text", ["p99", "p99=fast", "errors=150%", "lost=-1", "latency=1s", "p99=800ms,,errors="]
)
def test_an_unreadable_slo_is_a_usage_error_naming_the_term(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_slo(text, LOCAL)
    assert "p99=800ms,errors=0.5%,lost=0" in str(raised.value)  # how to write it


def test_errors_exactly_at_the_limit_pass_and_one_more_fails() -> None:
    slo = Slo(p99_ms=800, error_rate=0.005, lost=0)
    assert judge(slo, requests=1000, unexpected=5, p99_ms=800, lost=0, duplicated=0).passed
    failed = judge(slo, requests=1000, unexpected=6, p99_ms=800, lost=0, duplicated=0)
    assert not failed.passed
    assert failed.reasons == ("errors 0.60% (6/1000) > 0.5%",)


def test_latency_loss_and_duplicates_each_fail_the_gate_with_their_reason() -> None:
    slo = Slo(p99_ms=800, error_rate=0.005, lost=0)
    slow = judge(slo, requests=10, unexpected=0, p99_ms=801, lost=0, duplicated=0)
    assert slow.reasons == ("p99 801 ms > 800 ms",)
    lost = judge(slo, requests=10, unexpected=0, p99_ms=10, lost=1, duplicated=0)
    assert lost.reasons == ("lost 1 + duplicated 0 > 0",)
    assert not judge(slo, requests=10, unexpected=0, p99_ms=10, lost=0, duplicated=1).passed


def test_a_run_without_requests_proves_nothing() -> None:
    verdict = judge(LOCAL, requests=0, unexpected=0, p99_ms=None, lost=0, duplicated=0)
    assert verdict.reasons == ("no requests were made",)


@given(
    requests=st.integers(1, 10**6),
    unexpected=st.integers(0, 10**6),
    p99=st.floats(0, 10_000),
    lost=st.integers(0, 5),
    duplicated=st.integers(0, 5),
    limit=st.floats(0, 1),
    p99_limit=st.floats(1, 10_000),
    lost_limit=st.integers(0, 5),
)
def test_the_gate_passes_exactly_when_every_objective_holds(  # noqa: PLR0917 - one per input
    requests: int,
    unexpected: int,
    p99: float,
    lost: int,
    duplicated: int,
    limit: float,
    p99_limit: float,
    lost_limit: int,
) -> None:
    unexpected = min(unexpected, requests)
    slo = Slo(p99_limit, limit, lost_limit)
    verdict = judge(
        slo, requests=requests, unexpected=unexpected, p99_ms=p99, lost=lost, duplicated=duplicated
    )
    holds = unexpected / requests <= limit and p99 <= p99_limit and lost + duplicated <= lost_limit
    assert verdict.passed == holds
    assert bool(verdict.reasons) == (not holds)


def test_a_step_shape_holds_each_level_then_ends() -> None:
    steps = parse_shape("step:10,50,100:60s")
    assert (steps.levels, steps.hold_s, steps.duration_s) == ((10, 50, 100), 60, 180)
    assert [steps.level_at(t) for t in (0, 59.9, 60, 179, 180)] == [10, 10, 50, 100, None]
    assert parse_shape("step:5:2m").duration_s == 120
    assert parse_shape(steps.spec()) == steps


@pytest.mark.parametrize(
    "text", ["ramp:1,2:10s", "step:1,x:10s", "step:0,5:10s", "step:5", "step:5:0s"]
)
def test_an_unknown_or_broken_shape_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_shape(text)


@pytest.mark.parametrize(
    ("status", "headers", "wanted", "kind"),
    [
        (200, {}, {200}, OK),
        (412, {}, {412}, OK),  # a deliberately stale If-Match
        (200, {}, {412}, ERROR),  # ... that was accepted: a lost update
        (412, {}, {200}, EXPECTED),
        (429, {}, {201}, EXPECTED),
        (503, {"Retry-After": "1"}, {201}, EXPECTED),
        (503, {"retry-after": "2"}, {200}, EXPECTED),
        (503, {}, {200}, ERROR),  # overload without a Retry-After is not the documented answer
        (500, {}, {200}, ERROR),
        (502, {}, {200}, ERROR),
        (504, {"Retry-After": "1"}, {200}, ERROR),
        (404, {}, {200}, ERROR),
        (0, {}, {200}, ERROR),  # no connection
    ],
)
def test_expected_answers_are_counted_apart_from_errors(
    status: int, headers: dict[str, str], wanted: set[int], kind: str
) -> None:
    assert classify(status, headers, wanted) == kind


def test_prod_is_refused_without_the_explicit_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["loadtest", "--env", "prod", "--api-url", "http://127.0.0.1:9/v1"]) == 2
    assert "--i-know-this-is-prod" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    [
        "https://a1b2c3d4e5.execute-api.us-west-2.amazonaws.com/v1",  # prod's stage, or dev's
        "http://10.0.0.7:8080/v1",
        "http://localhost.example.com/v1",  # a name that only looks local
        "http://[2001:db8::1]/v1",
        "127.0.0.1:8080/v1",  # no scheme: not a URL seawall can vouch for
    ],
)
@pytest.mark.parametrize("env", ["local", "dev"])
def test_an_api_url_that_is_not_loopback_is_refused_like_prod(
    url: str, env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[object] = []

    def no_lookups(host: object, *args: object, **kwargs: object) -> object:
        looked_up.append(host)  # only loopback is ever a target, even of a test that fails
        raise OSError("this test resolves no name")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookups)
    monkeypatch.setattr(socket, "create_connection", no_lookups)
    argv = ["loadtest", "--env", env, "--api-url", url, "--api-key", "k", "--duration", "1s"]
    assert main(argv) == 2
    assert looked_up == []  # refused before any request was sent
    err = capsys.readouterr().err
    assert f"refusing to load-test {url}" in err
    assert "--i-know-this-is-prod" in err


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/v1", "http://127.5.6.7/v1", "http://localhost:9/", "http://[::1]:80/"],
)
def test_a_loopback_api_url_needs_no_confirmation(url: str) -> None:
    assert is_loopback_url(url)
    refuse_unconfirmed_prod("local", url, confirmed=False)  # no error


def test_the_confirmation_lets_any_target_through() -> None:
    refuse_unconfirmed_prod(
        "prod", "https://a1.execute-api.us-west-2.amazonaws.com/v1", confirmed=True
    )
    with pytest.raises(UsageError, match="refusing to load-test prod"):
        refuse_unconfirmed_prod("prod", "http://127.0.0.1:8080/v1", confirmed=False)


@given(st.ip_addresses(v=4))
def test_only_addresses_in_127_slash_8_count_as_loopback(address) -> None:
    assert is_loopback_url(f"http://{address}:8080/v1") == (str(address).split(".")[0] == "127")


def test_the_cli_starts_without_importing_locust() -> None:
    check = (
        "import sys; from seawall.cli import main; main(['loadtest', '--help']);"
        "sys.exit(bool({'locust', 'gevent'} & set(sys.modules)))"
    )
    assert subprocess.run([sys.executable, "-c", check], check=False).returncode == 0


def test_saturation_names_the_busiest_side_or_says_it_saw_none() -> None:
    two = {"single_process": ("gateway", "emulator"), "cores": 2}
    busy_gateway = {"gateway": 97.0, "emulator": 30.0, "locust": 20.0, "machine": 75.0}
    assert verdict(busy_gateway, **two).startswith("gateway CPU (97%")
    full = {"gateway": 60.0, "gateway children": 90.0, "emulator": 40.0, "machine": 96.0}
    assert (
        verdict(full, **two)
        == "the machine's CPU (2 cores at 96%): most of it gateway children (90% of a core)"
    )
    crowded = {"gateway": 5.0, "emulator": 5.0, "machine": 99.0}
    assert "mostly by other processes" in verdict(crowded, **two)
    idle = {"gateway": 20.0, "emulator": 10.0, "machine": 20.0}
    assert verdict(idle, **two).startswith("nothing that could be seen")


def test_without_a_cpu_limit_the_time_split_names_the_slow_side() -> None:
    calm = {"gateway": 40.0, "emulator": 50.0, "machine": 60.0}
    two = {"single_process": ("gateway", "emulator"), "cores": 2}
    slow_emulator = {"client_p50_ms": 400, "gateway_p50_ms": 390, "emulator_p50_ms": 150}
    assert verdict(calm, **two, latency=slow_emulator).startswith("emulator latency (")
    queued_before = {"client_p50_ms": 400, "gateway_p50_ms": 20, "integration_p50_ms": 15}
    assert verdict(calm, **two, latency=queued_before).startswith("before the stage")
    in_function = {
        "client_p50_ms": 400,
        "gateway_p50_ms": 390,
        "integration_p50_ms": 380,
        "emulator_p50_ms": 5,
    }
    assert verdict(calm, **two, latency=in_function).startswith("the function side")
    fast = {"client_p50_ms": 12, "gateway_p50_ms": 2, "integration_p50_ms": 1}
    assert verdict(calm, **two, latency=fast).startswith("nothing that could be seen")


def test_the_access_log_window_reads_only_the_run_s_requests(tmp_path) -> None:
    log = tmp_path / "access.log"
    log.write_text('{"latencyMs": 900, "integrationLatencyMs": 800}\n')
    window = AccessLogWindow(log)
    window.start()
    with log.open("a") as file:
        for ms in (10, 20, 30):
            file.write(json.dumps({"latencyMs": ms, "integrationLatencyMs": ms - 5}) + "\n")
        file.write('{"latencyMs": 40, "integrationLatencyMs": null}\n')
        file.write('{"latencyMs": 5')  # a line being written
    read = window.read()
    assert read["gateway_ms"] == {"p50": 30.0, "p99": 40.0, "count": 4}
    assert read["integration_ms"] == {"p50": 15.0, "p99": 25.0, "count": 3}


def test_an_audit_of_gathered_ledgers_needs_the_run_s_prefix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["loadtest", "--api-url", "http://127.0.0.1:9/v1", "--api-key", "k"]
    assert main([*argv, "--audit-only", "ledgers"]) == 2
    assert "--run-prefix" in capsys.readouterr().err


def test_throttled_invocations_name_the_worker_pool_whatever_the_cpu() -> None:
    busy = {"gateway": 20.0, "emulator": 30.0, "machine": 99.0}
    pool = {"throttles": 136, "max_concurrency": 10, "mean_duration_ms": 40.0}
    said = verdict(busy, single_process=("gateway",), cores=2, latency={"pool": pool})
    assert said.startswith("the function's worker pool: 136 invocations found all 10")
    waiting = {
        "client_p50_ms": 400,
        "gateway_p50_ms": 395,
        "integration_p50_ms": 390,
        "pool": {"throttles": 0, "max_concurrency": 32, "mean_duration_ms": 30.0},
    }
    calm = {"gateway": 20.0, "machine": 50.0}
    said = verdict(calm, single_process=("gateway",), cores=2, latency=waiting)
    assert said.startswith("the function's worker pool: an invocation ran 30 ms")
