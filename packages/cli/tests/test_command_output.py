"""One way to run a command to completion: its output, or one error shape for every failure."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from seawall.build import BuildError, build_artifact
from seawall.command_output import CommandFailed, cmd_output, cmd_output_b


def test_output_and_exit_code_come_back() -> None:
    code, out, err = cmd_output_b(
        sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"
    )
    assert (code, out, err) == (0, b"out\n", b"err\n")


def test_a_failure_names_the_command_its_exit_code_and_its_output() -> None:
    with pytest.raises(CommandFailed) as caught:
        cmd_output(sys.executable, "-c", "import sys; sys.exit('no such table')", hint="look")
    error = caught.value
    assert error.returncode == 1
    message = str(error)
    assert message.startswith(f"`{sys.executable} -c ")
    assert "` exited 1:\nno such table" in message
    assert error.hint == "look"


def test_unchecked_failures_are_returned() -> None:
    code, _, _ = cmd_output(sys.executable, "-c", "raise SystemExit(3)", check=False)
    assert code == 3


def test_a_missing_program_is_a_command_failure_not_an_oserror() -> None:
    with pytest.raises(CommandFailed, match="could not be started") as caught:
        cmd_output_b("seawall-no-such-program")
    assert caught.value.returncode is None


def test_a_command_is_killed_when_its_stop_event_is_set_and_keeps_what_it_printed(
    tmp_path: Path,
) -> None:
    started = tmp_path / "started"
    script = (
        f"import pathlib, time; print('scanning', flush=True); "
        f"pathlib.Path({str(started)!r}).touch(); time.sleep(60)"
    )
    stop = threading.Event()

    def stop_once_started() -> None:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()

    threading.Thread(target=stop_once_started, daemon=True).start()
    with pytest.raises(CommandFailed) as caught:
        cmd_output_b(sys.executable, "-c", script, tied=True, stop=stop, timeout=120)
    assert caught.value.outcome == "was stopped"
    assert caught.value.tail == "scanning"


def test_the_build_reports_pip_failures_through_it(tmp_path: Path) -> None:
    broken = tmp_path / "project"
    for package in ("handler", "retrylib"):
        (broken / "packages" / package).mkdir(parents=True)
        (broken / "packages" / package / "pyproject.toml").write_text("[project\n")  # bad TOML
    with pytest.raises(BuildError, match=r"pip could not install .* exited 2:") as caught:
        build_artifact(broken, tmp_path / "store")
    assert "Expected ']' at the end of a table declaration" in str(caught.value)
    assert isinstance(caught.value.__cause__, CommandFailed)
