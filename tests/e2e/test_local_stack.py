"""`seawall up` end to end on the emulator: the same path as `seawall up --once`, over real HTTP.

The requests go to the run's shared stack, once as applied (`local_stack`) and once as restored
from its snapshot (`restored_stack`): a restored stack must serve exactly what an applied one
does. Each test stands alone: the teardown check and the command-line tests bring up stacks of
their own, in state directories that share the snapshots (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from process_probes import OutputLines, descendants, gone, processes_mentioning, read_until

from seawall.build import build_artifact
from seawall.local_stack import LocalStack
from seawall.project import STATE_DIR_ENV, Project
from seawall.smoke import http_json
from seawall.terraform import PLAN_NO_CHANGES

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.slow]


def running(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def run_seawall(
    seawall: list[str], env: dict[str, str], *args: str, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """`seawall ARGS` run to completion as a user would, output captured, bounded in time."""
    return subprocess.run(
        [*seawall, *args], capture_output=True, text=True, env=env, timeout=timeout_s, check=False
    )


def seawall_command(
    project_root: Path, state_dir: Path, tf_mirror: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """The `seawall` command line and environment a user would have, with its own state dir."""
    env = {**os.environ, STATE_DIR_ENV: str(state_dir)}
    if tf_mirror:
        env["SEAWALL_TF_MIRROR"] = tf_mirror
    return [sys.executable, "-m", "seawall", "--project-dir", str(project_root)], env


def assert_nothing_left(emulator_port: str, state_dir: Path) -> None:
    """No emulator on that port, and no gateway or function environment from that state dir."""
    assert processes_mentioning(f"seawall.emulator_server -H 127.0.0.1 -p {emulator_port}") == []
    assert processes_mentioning(str(state_dir)) == []


@pytest.fixture(params=["applied", "restored"])
def stack(request: pytest.FixtureRequest) -> LocalStack:
    return request.getfixturevalue(f"{'local' if request.param == 'applied' else 'restored'}_stack")


def test_smoke_check_round_trips_an_item(stack: LocalStack) -> None:
    result = stack.smoke()
    assert result.passed, result.detail


def test_created_item_is_served_with_the_api_key(stack: LocalStack) -> None:
    headers = {"x-api-key": stack.api_key}
    status, response_headers, created = http_json(
        "POST", f"{stack.api_url}/items", body={"name": "e2e", "data": {"n": 1}}, headers=headers
    )
    assert status == 201, created
    assert response_headers["Location"].endswith(f"/items/{created['id']}")
    status, _, fetched = http_json("GET", f"{stack.api_url}/items/{created['id']}", headers=headers)
    assert status == 200
    assert fetched["name"] == "e2e"
    assert fetched["data"] == {"n": 1}


def test_health_needs_no_api_key(stack: LocalStack) -> None:
    status, _, body = http_json("GET", f"{stack.api_url}/health")
    assert (status, body) == (200, {"status": "ok"})


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "not-a-key"}])
def test_items_without_a_valid_api_key_are_forbidden(stack: LocalStack, headers: dict) -> None:
    status, _, body = http_json(
        "POST", f"{stack.api_url}/items", body={"name": "x"}, headers=headers
    )
    assert status == 403
    assert body["message"] == "Forbidden"
    assert body["type"] == "INVALID_API_KEY"  # the stack's gateway response, served locally


def test_unknown_route_gets_api_gateways_error(stack: LocalStack) -> None:
    status, headers, body = http_json(
        "GET", f"{stack.api_url}/no/such/route", headers={"x-api-key": stack.api_key}
    )
    assert status == 403
    assert body["message"] == "Missing Authentication Token"
    assert body["type"] == "MISSING_AUTHENTICATION_TOKEN"
    assert headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"


def test_an_import_job_runs_through_the_queue_and_the_worker(stack: LocalStack) -> None:
    """POST /jobs queues the job; the local runtime polls the queue for the worker, like Lambda."""
    headers = {"x-api-key": stack.api_key}
    items = [{"name": f"imported {n}", "data": {"n": n}} for n in range(25)]
    status, response_headers, job = http_json(
        "POST", f"{stack.api_url}/jobs", body={"type": "import", "items": items}, headers=headers
    )
    assert status == 202, job
    assert job["status"] == "queued"
    location = response_headers["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, _, job = http_json("GET", f"{stack.api_url}/jobs/{job['id']}", headers=headers)
        assert status == 200, job
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    assert job["status"] == "succeeded", job
    assert (job["processed"], job["failed"]) == (25, 0)
    assert location.endswith(f"/jobs/{job['id']}")


def test_function_answers_carry_cors_headers_for_allowed_origins(stack: LocalStack) -> None:
    origin = "http://localhost:3000"  # envs/local.tfvars allows it
    status, headers, _ = http_json("GET", f"{stack.api_url}/health", headers={"Origin": origin})
    assert status == 200
    assert headers.get("Access-Control-Allow-Origin") == origin
    _, headers, _ = http_json(
        "GET", f"{stack.api_url}/health", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in headers


def test_browser_preflight_is_answered_by_the_stacks_mock_integration(stack: LocalStack) -> None:
    status, headers, _ = http_json(
        "OPTIONS",
        f"{stack.api_url}/items",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert status == 200  # no API key: OPTIONS is open, as browsers send none
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "POST" in headers["Access-Control-Allow-Methods"].split(",")


def test_invalid_input_gets_a_precise_problem_document(stack: LocalStack) -> None:
    status, headers, body = http_json(
        "POST", f"{stack.api_url}/items", body={"name": ""}, headers={"x-api-key": stack.api_key}
    )
    assert status == 400
    assert headers["Content-Type"].startswith("application/problem+json")
    assert any(error["field"] == "name" for error in body["errors"])


def test_second_plan_reports_no_changes(stack: LocalStack) -> None:
    run = stack.terraform().plan(
        var_files=[stack.project.var_file("local")], variables=stack.variables()
    )
    assert run.returncode == PLAN_NO_CHANGES, run.output[-3000:]


def test_rebuilding_the_artifact_gives_the_same_bytes(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    assert local_stack.artifact is not None
    again = build_artifact(local_stack.project.root, tmp_path / "store")
    assert again.sha256_hex == local_stack.artifact.sha256_hex
    assert again.path.read_bytes() == local_stack.artifact.path.read_bytes()


def test_outputs_command_prints_the_local_api(stack: LocalStack) -> None:
    seawall, env = seawall_command(stack.project.root, stack.project.state_dir)
    result = run_seawall(seawall, env, "outputs", "--json")
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["api_url"] == stack.api_url
    assert outputs["api_key"] == stack.api_key
    assert outputs["table_name"] == stack.outputs["table_name"]


def test_down_stops_every_process_it_started(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    project = Project(project_root, state_override=stack_state_dir)
    with LocalStack(project, tf_mirror=tf_mirror) as own:
        assert own.smoke().passed  # warms a function environment
        assert own.gateway is not None
        pids = [own.emulator.pid, own.gateway.pid]
        workers = processes_mentioning(str(stack_state_dir))  # function environments run there
        assert all(running(pid) for pid in pids)
        assert workers, "expected a warm function environment after the smoke check"
        assert (stack_state_dir / "local" / "session.json").exists()
    assert not [pid for pid in pids + workers if running(pid)]
    assert not (stack_state_dir / "local" / "session.json").exists()


def test_a_restarted_gateway_serves_and_the_session_names_it(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    """What the benchmarks do to read a function's new concurrency: the old gateway and its
    environments go, the new one serves, and `seawall outputs`/`down` see the new one."""
    project = Project(project_root, state_override=stack_state_dir)
    session_path = stack_state_dir / "local" / "session.json"
    with LocalStack(project, tf_mirror=tf_mirror) as own:
        assert own.smoke().passed  # warms a function environment
        assert own.gateway is not None
        old = own.gateway.pid
        old_workers = processes_mentioning(str(stack_state_dir))
        own.restart_gateway("gateway-restarted.log")
        assert gone(old, within_s=30)
        assert all(gone(pid, within_s=30) for pid in old_workers if pid != own.gateway.pid)
        assert own.smoke().passed
        session = json.loads(session_path.read_text())
        assert session["gateway"]["pid"] == own.gateway.pid
        assert session["gateway"]["url"] == own.api_url
        new = own.gateway.pid
    assert gone(new, within_s=30)


def test_seawall_up_once_exits_zero_and_prints_the_summary(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    seawall, env = seawall_command(project_root, stack_state_dir, tf_mirror)
    result = run_seawall(seawall, env, "up", "--once", timeout_s=600)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    assert "the local stack is up" in result.stdout
    assert "created and read back item" in result.stdout
    assert "restored from snapshot" in result.stdout  # the shared stack's apply left one
    assert "| restore " in result.stdout
    assert "| apply " not in result.stdout
    emulator_url = next(
        line.split()[-1]
        for line in result.stdout.splitlines()
        if line.strip().startswith("emulator")
    )
    assert_nothing_left(emulator_url.rsplit(":", 1)[1], stack_state_dir)


def test_seawall_up_serves_until_ctrl_c_then_cleans_up(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    """The main job as a user runs it: serve, answer `seawall outputs` from another process,
    then Ctrl-C stops everything and exits 130."""
    tmp_path = stack_state_dir
    seawall, env = seawall_command(project_root, tmp_path, tf_mirror)
    up = subprocess.Popen(
        [*seawall, "up"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        summary = read_until(up, lambda line: line.startswith("  try"))  # the summary's last
        assert summary[0].startswith("seawall: the local stack is up"), summary
        outputs = run_seawall(seawall, env, "outputs", "--json")
        assert outputs.returncode == 0, outputs.stderr
        values = json.loads(outputs.stdout)
        status, _, body = http_json("GET", f"{values['api_url']}/health")
        assert (status, body) == (200, {"status": "ok"})
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 130
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    assert_nothing_left(values["emulator_endpoint"].rsplit(":", 1)[1], tmp_path)
    assert not (tmp_path / "local" / "session.json").exists()


def test_detach_serves_in_the_background_until_down(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    seawall, env = seawall_command(project_root, stack_state_dir, tf_mirror)
    up = run_seawall(seawall, env, "up", "--detach", timeout_s=600)
    session_path = stack_state_dir / "local" / "session.json"
    try:
        assert up.returncode == 0, up.stderr[-3000:]
        assert "the local stack is up" in up.stdout
        assert "stop it with: seawall down" in up.stderr
        session = json.loads(session_path.read_text())
        recorded = [entry["pid"] for entry in session["processes"]]
        assert [entry["role"] for entry in session["processes"]] == ["up", "emulator", "gateway"]
        assert all(running(pid) for pid in recorded)  # still serving after `up` returned
        outputs = run_seawall(seawall, env, "outputs", "--json")
        assert outputs.returncode == 0, outputs.stderr
        status, _, body = http_json("GET", f"{json.loads(outputs.stdout)['api_url']}/health")
        assert (status, body) == (200, {"status": "ok"})
    finally:
        down = run_seawall(seawall, env, "down")
    assert down.returncode == 0, down.stderr
    assert f"stopped up {recorded[0]}" in down.stderr
    assert not [pid for pid in recorded if running(pid)]
    assert processes_mentioning(str(stack_state_dir)) == []
    assert not session_path.exists()
    again = run_seawall(seawall, env, "down")
    assert again.returncode == 0
    assert "no local stack runs" in again.stderr


KILLED_DURING_APPLY = """
import sys
from pathlib import Path
from seawall.local_stack import LocalStack
from seawall.project import Project

project = Project(Path(sys.argv[1]), state_override=Path(sys.argv[2]))
stack = LocalStack(
    project,
    tf_mirror=sys.argv[3] or None,
    variables={"log_level": "ERROR"},  # a changed input: terraform applies
    on_phase=lambda name: print(name, flush=True),
)
stack.up()
"""


def test_a_killed_up_leaves_no_settings_file_and_frees_the_state_dir(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None, tmp_path: Path
) -> None:
    """SIGKILL while terraform applies: nothing with the stack's settings stays in the temporary
    directory, no half-written file in the state dir, and the next `up` there just works."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    victim = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_DURING_APPLY,
            str(project_root),
            str(stack_state_dir),
            tf_mirror or "",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        read_until(victim, lambda line: line.strip() == "apply")
        time.sleep(3)  # terraform is at work
        assert victim.poll() is None
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    # Its children got SIGTERM from the kernel; terraform may take its time to stop gracefully
    # (its provider retries the emulator, which is gone): whatever is left of ours goes now.
    deadline = time.monotonic() + 15
    while processes_mentioning(str(stack_state_dir)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in processes_mentioning(str(stack_state_dir)):
        os.kill(pid, signal.SIGKILL)
    left_in_tmp = [path for path in scratch.rglob("*") if path.is_file()]
    assert left_in_tmp == []
    half_written = [path for path in stack_state_dir.rglob(".*") if path.is_file()]
    assert half_written == []
    seawall, env = seawall_command(project_root, stack_state_dir, tf_mirror)
    result = run_seawall(seawall, env, "up", "--once", timeout_s=600)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_sigkilled_up_leaves_no_terraform_provider_or_emulator_behind(
    project_root: Path, stack_state_dir: Path, tf_mirror: str | None
) -> None:
    """`seawall up` killed with SIGKILL (no teardown of its own can run) while terraform applies:
    the kernel's parent-death signal ends its children (the emulator, terraform), terraform ends
    its provider plugins, and nothing of the run is left on the machine."""
    seawall, env = seawall_command(project_root, stack_state_dir, tf_mirror)
    # --fresh: a cold apply from an empty emulator (the shared artifact is reused, no build).
    victim = subprocess.Popen(
        [*seawall, "up", "--fresh"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    tree: dict[int, str] = {}
    try:
        OutputLines(victim, victim.stderr).until(lambda line: line.startswith("seawall: apply..."))
        # Killed once terraform's apply runs its provider (the plugin terraform starts for it).
        deadline = time.monotonic() + 120
        while not any("terraform-provider-" in command for command in tree.values()):
            assert time.monotonic() < deadline, f"no provider under `seawall up`: {tree}"
            assert victim.poll() is None, f"`seawall up` exited {victim.returncode} first"
            tree = descendants(victim.pid)
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait(timeout=10)
    assert any(command.split()[0].endswith("terraform") for command in tree.values()), tree
    assert any("seawall.emulator_server" in command for command in tree.values()), tree
    # terraform stops gracefully on the signal: it waits for the provider's call in flight,
    # which retries against the emulator that is gone, then ends its plugins.
    deadline = time.monotonic() + 90
    left = {
        pid: command
        for pid, command in tree.items()
        if not gone(pid, within_s=max(0.0, deadline - time.monotonic()))
    }
    left.update(dict.fromkeys(processes_mentioning(str(stack_state_dir)), "(its state dir)"))
    for pid in left:  # whatever is left goes now, so that the failure leaves nothing running
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert left == {}
