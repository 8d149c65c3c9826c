"""Warm execution environments for one function: worker processes running bootstrap.py.

Like Lambda, an environment runs one invocation at a time; the pool reuses idle ones and starts new
ones (a cold start) up to the function's concurrency limit. An environment that exceeds the
function's timeout is killed and replaced, and the invocation fails with "Task timed out".
Function output goes to a log file with Lambda's START / END / REPORT lines around each invocation.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from seawall.processes import child_process_options
from seawall.runtime.bootstrap import OUTPUT_DONE
from seawall.runtime.functions import FunctionSpec

DEFAULT_CONCURRENCY = 10
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit
ACQUIRE_TIMEOUT_S = 30.0  # how long an invocation waits for a free environment (else throttled)
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")


@dataclass(frozen=True)
class Invocation:
    request_id: str
    ok: bool
    payload: Any  # the handler's result when ok, else Lambda's error object
    duration_ms: float
    init_ms: float | None  # set on a cold start
    timed_out: bool = False


class FunctionLog:
    """One function's log file, shared by its environments (lines never interleave mid-line)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock:
            self._file.write(line if line.endswith("\n") else line + "\n")

    def close(self) -> None:
        with self._lock:
            self._file.close()


class Environment:
    """One execution environment: a bootstrap process with its code and configuration."""

    def __init__(
        self, spec: FunctionSpec, code_dir: Path, env: dict[str, str], log: FunctionLog
    ) -> None:
        self.spec = spec
        self.stream = f"{time.strftime('%Y/%m/%d')}/[{spec.version}]{uuid.uuid4().hex}"
        read_fd, write_fd = os.pipe()
        environment = {**env, "AWS_LAMBDA_LOG_STREAM_NAME": self.stream}
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and bootstrap
            [sys.executable, "-m", "seawall.runtime.bootstrap", str(code_dir), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            env=environment,
            cwd=code_dir,
            text=True,
            bufsize=1,
            **child_process_options(),
        )
        os.close(write_fd)
        self._results: IO[str] = os.fdopen(read_fd, "r", encoding="utf-8")
        self._log = log
        self._output_done = threading.Event()
        self._pump = threading.Thread(target=self._copy_output, daemon=True)
        self._pump.start()
        self.init_ms: float | None = None

    def initialise(self) -> Invocation | None:
        """Wait for the init phase; return a failed Invocation if it failed, else None."""
        message = self._read(INIT_TIMEOUT_S)
        if message is None or not message.get("init"):
            error = (message or {}).get("error") or {
                "errorMessage": "init phase timed out or the runtime exited",
                "errorType": "Runtime.Unknown",
            }
            self._log.write(f"INIT_REPORT Status: error\tError Type: {error['errorType']}")
            self.close()
            return Invocation("", False, error, 0.0, None)
        self.init_ms = float(message["init_ms"])
        return None

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def invoke(self, event: Any, request_id: str, cold: bool) -> Invocation:
        timeout_s = self.spec.timeout_s
        self._log.write(f"START RequestId: {request_id} Version: {self.spec.version}")
        request = {
            "event": event,
            "request_id": request_id,
            "invoked_function_arn": self.spec.arn,
            "timeout_ms": timeout_s * 1000,
        }
        began = time.perf_counter()
        self._output_done.clear()
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            answer = self._read(timeout_s)
        except (BrokenPipeError, ValueError):
            answer = None
        elapsed_ms = (time.perf_counter() - began) * 1000
        init_ms = self.init_ms if cold else None
        if answer is None:
            timed_out = self.alive
            message = (
                f"Task timed out after {timeout_s:.2f} seconds"
                if timed_out
                else "Runtime exited without providing a reason"
            )
            self._log.write(f"{_timestamp()} {request_id} {message}")
            self.close()
            error = {
                "errorMessage": message,
                "errorType": "Sandbox.Timedout" if timed_out else "Runtime.ExitError",
            }
            result = Invocation(request_id, False, error, elapsed_ms, init_ms, timed_out=timed_out)
        else:
            self._output_done.wait(timeout=2.0)  # so the log reads START, output, END in order
            result = Invocation(
                request_id,
                bool(answer["ok"]),
                answer.get("payload") if answer["ok"] else answer["error"],
                float(answer.get("duration_ms", elapsed_ms)),
                init_ms,
            )
        self._log.write(f"END RequestId: {request_id}")
        init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms is not None else ""
        self._log.write(
            f"REPORT RequestId: {request_id}\tDuration: {result.duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, round(result.duration_ms + 0.4999))} ms\t"
            f"Memory Size: {self.spec.memory_mb} MB{init}"
        )
        return result

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(Exception):
            self._process.wait(timeout=5)
        with contextlib.suppress(Exception):
            self._results.close()

    def _read(self, timeout_s: float) -> dict[str, Any] | None:
        ready, _, _ = select.select([self._results], [], [], timeout_s)
        if not ready:
            return None
        line = self._results.readline()
        return json.loads(line) if line else None

    def _copy_output(self) -> None:
        assert self._process.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for line in self._process.stdout:
                if line.rstrip("\n") == OUTPUT_DONE:
                    self._output_done.set()
                else:
                    self._log.write(line)


class FunctionPool:
    """The warm environments of one function, up to its concurrency limit."""

    def __init__(
        self,
        spec: FunctionSpec,
        code_dir: Path,
        *,
        aws_env: dict[str, str],
        log_path: Path,
    ) -> None:
        self.spec = spec
        self._code_dir = code_dir
        self._env = _environment(spec, code_dir, aws_env)
        self._log = FunctionLog(log_path)
        self._limit = spec.reserved_concurrency or DEFAULT_CONCURRENCY
        self._idle: list[Environment] = []
        self._busy = 0
        self._lock = threading.Condition()
        self._closed = False

    def invoke(self, event: Any) -> Invocation:
        """Run one invocation; waits up to ACQUIRE_TIMEOUT_S for a free environment."""
        request_id = str(uuid.uuid4())
        environment, cold = self._acquire()
        if environment is None:
            return Invocation(
                request_id,
                False,
                {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded."},
                0.0,
                None,
            )
        try:
            if cold:
                failure = environment.initialise()
                if failure is not None:
                    return failure
            return environment.invoke(event, request_id, cold)
        finally:
            self._release(environment)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for environment in idle:
            environment.close()
        self._log.close()

    def _acquire(self) -> tuple[Environment | None, bool]:
        deadline = time.monotonic() + ACQUIRE_TIMEOUT_S
        with self._lock:
            while True:
                while self._idle:
                    environment = self._idle.pop()
                    if environment.alive:
                        self._busy += 1
                        return environment, False
                if self._busy < self._limit:
                    self._busy += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._lock.wait(remaining):
                    return None, False
        return Environment(self.spec, self._code_dir, self._env, self._log), True

    def _release(self, environment: Environment) -> None:
        with self._lock:
            self._busy -= 1
            if environment.alive and not self._closed:
                self._idle.append(environment)
            else:
                environment.close()
            self._lock.notify()


def _environment(spec: FunctionSpec, code_dir: Path, aws_env: dict[str, str]) -> dict[str, str]:
    """A clean environment, as Lambda gives: the function's variables and the runtime's own."""
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    env.update(spec.environment)
    env.update(aws_env)
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": spec.handler,
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _timestamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"
