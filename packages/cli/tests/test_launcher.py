"""Children die with their parent, set up without preexec_fn (unsafe with threads)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from process_probes import gone

from seawall.launcher import child_process_options, guarded_command

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")

# A parent that starts a long-lived child through the launcher, prints its pid, and waits.
PARENT = """
import subprocess, sys, time
from seawall.launcher import child_process_options, guarded_command
child = subprocess.Popen(
    guarded_command([sys.executable, "-c", "import time; time.sleep(60)"]),
    **child_process_options(),
)
print(child.pid, flush=True)
time.sleep(60)
"""


def test_no_preexec_fn_is_used() -> None:
    assert "preexec_fn" not in child_process_options()


@linux_only
def test_a_child_started_through_the_launcher_dies_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        time.sleep(0.3)  # the launcher has exec'd the child by now
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert gone(child_pid, within_s=5)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


@linux_only
def test_the_launcher_runs_the_program_with_its_arguments() -> None:
    out = subprocess.run(
        guarded_command([sys.executable, "-c", "import sys; print(sys.argv[1:])", "a", "b c"]),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "['a', 'b c']"


def test_the_launcher_refuses_a_malformed_command_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "seawall.launcher", "not-a-pid", "ls"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "usage" in out.stderr


# A runtime stand-in: a pool started from a thread that then ends, its worker's pid printed.
RUNTIME = """
import json, os, sys, threading, time
from pathlib import Path
from seawall.runtime.functions import FunctionSpec
from seawall.runtime.pool import FunctionPool
code = Path(sys.argv[1])
(code / "app.py").write_text("import os\\ndef pid(event, context):\\n    return os.getpid()\\n")
spec = FunctionSpec("fn", "arn:aws:lambda:us-west-2:1:function:fn", "1", "app.pid",
                    "python%d.%d" % sys.version_info[:2], 3, 128, {}, "", None)
pool = FunctionPool(spec, code, aws_env={}, log_path=code / "fn.log")
result = {}
starter = threading.Thread(target=lambda: result.update(pid=pool.invoke({}).payload))
starter.start()
starter.join()  # the thread that started the worker is gone
time.sleep(1.5)
print(json.dumps({"worker": result["pid"], "again": pool.invoke({}).payload}), flush=True)
time.sleep(60)
"""


def test_a_worker_outlives_its_starting_thread_and_dies_with_the_runtime(tmp_path) -> None:
    runtime = subprocess.Popen(
        [sys.executable, "-c", RUNTIME, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert runtime.stdout is not None
        line = json.loads(runtime.stdout.readline())
        assert line["again"] == line["worker"]  # the same warm worker, still alive
        os.kill(runtime.pid, signal.SIGKILL)
        runtime.wait()
        assert gone(line["worker"], within_s=5)
    finally:
        if runtime.poll() is None:
            runtime.kill()
            runtime.wait()
