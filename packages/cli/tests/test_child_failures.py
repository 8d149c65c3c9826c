"""Every child process seawall runs fails in one shape: a `CommandFailed` naming the command, what
happened to it (exit code, timeout), where its log is, and the tail of its output.

Each test makes a real child fail the way it fails for a user (terraform on a broken module, a
gateway for an API the emulator does not have, a broken moto install, a `seawall up` that
refuses its arguments, Locust that cannot load its locustfile, checkov that hangs) and reads the
message the user gets.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
from pathlib import Path

import pytest
from process_probes import fake_program, gone

from seawall import background, terraform
from seawall.command_output import CommandFailed, cmd_output_b
from seawall.emulator import Emulator, EmulatorError
from seawall.load.runner import LocustRun, Plan
from seawall.project import Project
from seawall.runtime.gateway_process import GatewayProcess, GatewayStartError
from seawall.terraform import Terraform, TerraformError


def assert_shape(
    error: CommandFailed, *, title: str | None, command: str, outcome: str, output: bool = True
) -> None:
    """`[title: ]`command` outcome[; its log: path]:` then the tail of the output (none when the
    child wrote nothing: `output=False`). The hint, on a line of its own after them, is not part
    of the shape: it must not stand in for a missing tail."""
    first, _, tail = error.message.partition("\n")
    prefix = f"{title}: " if title else ""
    assert first.startswith(f"{prefix}`{command}"), first
    assert f"` {outcome}" in first, first
    if error.log_path is not None:
        assert first.endswith(f"; its log: {error.log_path}" + (":" if output else ""))
    if output:
        assert tail.strip(), "the tail of the child's output is missing"
        assert tail == error.tail
    else:
        assert (first, tail) == (error.summary, "")


def test_a_terraform_failure_has_the_shape_of_every_other_command(tmp_path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text('resource "terraform_data" "x" {\n  input = var.nope\n}\n')
    terraform = Terraform(module, data_dir=tmp_path / "data")
    with pytest.raises(CommandFailed) as caught:
        terraform.validate()
    error = caught.value
    assert isinstance(error, TerraformError)
    assert error.returncode == 1
    # The shape cmd_output_b's failures have (test_command_output.py): "`argv` exited 1:\n...".
    assert_shape(error, title=None, command=shlex.join(error.argv), outcome="exited 1:")
    assert error.argv[0] == terraform.binary
    assert "Reference to undeclared input variable" in error.tail


def test_a_terraform_that_hangs_on_its_version_check_is_stopped_and_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A terraform on PATH that never answers `terraform version` (a wrapper stuck downloading):
    # seawall stops it after the bound and says which command hung, instead of hanging itself.
    fake = tmp_path / "terraform"
    fake.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    fake.chmod(0o755)
    monkeypatch.setattr(terraform, "VERSION_TIMEOUT_S", 1.0)
    terraform._check_version.cache_clear()
    with pytest.raises(CommandFailed) as caught:
        terraform.find_terraform(str(fake))
    error = caught.value
    assert_shape(
        error,
        title=None,
        command=f"{fake} version -json",
        outcome="did not finish within 1 s",
        output=False,  # it wrote nothing before it was stopped
    )
    assert error.hint == f"run `{fake} version` by hand: does it answer?"


def test_a_terraform_output_that_never_ends_is_stopped_and_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `terraform output` reads the state from its backend: one that never answers would hold
    # seawall forever. This terraform answers its version check, then hangs on every command.
    fake = tmp_path / "terraform"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys, time\n"
        "if sys.argv[1:2] == ['version']:\n"
        "    print(json.dumps({'terraform_version': '1.11.4'}))\n"
        "    sys.exit(0)\n"
        "print('reading the state...', flush=True)\n"
        "time.sleep(60)\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr(terraform, "CAPTURE_TIMEOUT_S", 1.0)
    module = tmp_path / "module"
    module.mkdir()
    with pytest.raises(TerraformError) as caught:
        Terraform(module, binary=str(fake), data_dir=tmp_path / "data").outputs()
    error = caught.value
    assert error.returncode is None
    assert_shape(error, title=None, command=f"{fake} output", outcome="did not finish within 1 s:")
    assert error.tail == "reading the state..."


@pytest.mark.emulator
def test_a_gateway_that_does_not_start_says_how_it_ended_and_what_it_logged(
    tmp_path: Path,
) -> None:
    with Emulator() as emulator:
        gateway = GatewayProcess(
            emulator.connection,
            api_id="no-such-api",
            stage="local",
            artifact_store=tmp_path / "artifacts",
            work_dir=tmp_path / "work",
            log_path=tmp_path / "gateway.log",
        )
        with pytest.raises(CommandFailed) as caught:
            gateway.start()
    error = caught.value
    assert isinstance(error, GatewayStartError)
    assert error.returncode == 1
    assert error.log_path == tmp_path / "gateway.log"
    assert_shape(
        error,
        title="the local gateway did not start",
        command=f"{sys.executable} -m seawall.runtime --endpoint {emulator.connection.url}",
        outcome="exited 1; its log: ",
    )
    assert "Invalid Rest API Id specified" in error.tail  # the runtime's own words
    assert gateway.pid is None


@pytest.mark.emulator
def test_an_emulator_that_does_not_start_shows_its_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A broken moto install: the server's `import moto` fails (this process's moto is untouched).
    broken = tmp_path / "broken" / "moto"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('moto is broken here')\n")
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))
    with pytest.raises(CommandFailed) as caught:
        Emulator(log_path=tmp_path / "emulator.log", startup_timeout=30).start()
    error = caught.value
    assert isinstance(error, EmulatorError)
    assert_shape(
        error,
        title="the emulator did not start",
        command=f"{sys.executable} -m seawall.emulator_server -H 127.0.0.1 -p",
        outcome="exited 1; its log: ",
    )
    assert error.returncode == 1
    assert "moto is broken here" in error.tail
    assert error.hint == "is moto[server] installed in this environment?"


def test_a_background_up_that_exits_shows_its_command_code_and_output(tmp_path: Path) -> None:
    project = Project(tmp_path / "repo", state_override=tmp_path / "state")
    with pytest.raises(CommandFailed) as caught:
        background.start_detached(project, ["up", "--no-such-option"], timeout_s=60)
    error = caught.value
    assert isinstance(error, background.DetachError)
    assert error.returncode == 2  # argparse's
    assert_shape(
        error,
        title="the background stack did not come up",
        command=f"{sys.executable} -m seawall --project-dir {project.root} up --no-such-option",
        outcome="exited 2",
    )
    assert "unrecognized arguments: --no-such-option" in error.tail


def fake_locust_run(tmp_path: Path, main: str, *, duration_s: int) -> LocustRun:
    """A LocustRun whose `python -m locust` runs `main` instead (no load, no network)."""
    plan = Plan(
        host="http://127.0.0.1:9",
        api_key="k",
        report_dir=tmp_path / "report",
        run_prefix="p ",
        duration_s=duration_s,
        extra_env={"PYTHONPATH": str(fake_program(tmp_path / "fake", "locust", main))},
    )
    return LocustRun(plan)


def test_locust_that_fails_by_itself_is_a_command_failure(tmp_path: Path) -> None:
    # Locust is played by a `locust` package that fails as a broken locustfile makes it fail.
    main = "import sys\nprint('Could not find any locustfile!', file=sys.stderr)\nsys.exit(1)\n"
    run = fake_locust_run(tmp_path, main, duration_s=5).start()
    assert run.wait(poll=0.1) == 1
    assert run.failure is not None
    assert run.failure.returncode == 1
    assert_shape(
        run.failure,
        title="Locust failed",
        command=f"{sys.executable} -m locust -f ",
        outcome="exited 1; its log: ",
    )
    assert "Could not find any locustfile!" in run.failure.tail


def test_locust_stopped_by_the_run_bound_is_no_failure(tmp_path: Path) -> None:
    run = fake_locust_run(tmp_path, "import time\ntime.sleep(60)\n", duration_s=0).start()
    run.started_at -= 1000  # as if the planned duration and its grace had passed
    run.wait(poll=0.1)
    assert run.failure is None


def test_a_command_that_does_not_finish_in_time_is_named_with_its_bound() -> None:
    with pytest.raises(CommandFailed) as caught:
        cmd_output_b(
            sys.executable, "-c", "import time; print('scanning', flush=True); time.sleep(30)",
            timeout=1, tied=True,
        )  # fmt: skip
    error = caught.value
    assert error.returncode is None
    assert "` did not finish within 1 s:\nscanning" in str(error)


# A command that starts a helper of its own (as checkov forks its runners), says the helper's pid,
# then works on past any bound.
FORKS_AND_HANGS = (
    "import subprocess, sys, time\n"
    "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(helper.pid, flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="tied: the launcher is Linux's")
def test_a_tied_command_that_does_not_finish_in_time_takes_its_own_children_with_it() -> None:
    with pytest.raises(CommandFailed) as caught:
        cmd_output_b(sys.executable, "-c", FORKS_AND_HANGS, timeout=5, tied=True)
    printed = caught.value.tail.split()
    assert printed, f"the command said nothing within its bound: {caught.value}"
    helper = int(printed[-1])
    try:
        assert gone(helper, within_s=5), "the timed-out command's own child outlived it"
    finally:
        if not gone(helper, within_s=0):
            os.kill(helper, signal.SIGKILL)
