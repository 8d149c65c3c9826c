"""Warm execution environments for one function: worker processes running bootstrap.py.

Like Lambda, an environment runs one invocation at a time; the pool reuses idle ones and starts new
ones (a cold start) up to the function's concurrency limit; beyond it an invocation is throttled at
once, as Lambda throttles (reserved concurrency 0 throttles every invocation). An environment that
exceeds the function's timeout is killed and replaced, and the invocation fails with "Task timed
out". Function output goes to a log file with Lambda's START / END / REPORT lines around each
invocation and, with a `LogShipper`, to the function's log group in the emulator (a stream per
environment); each invocation's AWS/Lambda metrics go to `Metrics` when one is given.

The worker runs under the function's runtime (python3.12 for `python3.12`) when that interpreter is
installed; otherwise under seawall's own Python, with a warning naming the mismatch.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import random
import select
import shutil
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from seawall.command_output import CommandFailed, cmd_output
from seawall.launcher import PARENT_PID_ENV, child_process_options
from seawall.runtime import bootstrap
from seawall.runtime.bootstrap import OUTPUT_DONE
from seawall.runtime.cloudwatch_logs import LogShipper
from seawall.runtime.functions import FunctionSpec
from seawall.runtime.metrics import Metrics, lambda_concurrency, lambda_invocation, lambda_throttle

DEFAULT_CONCURRENCY = 10  # worker processes of a function without reserved concurrency
UNRESERVED_WAIT_S = 30.0  # how long an invocation waits for one of them (see Concurrency)
REFRESH_S = 0.25  # how stale a function's configuration may be while invocations flow
INIT_TIMEOUT_S = 10.0  # Lambda's init phase limit
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
THROTTLED_ERROR = {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded."}


class RuntimeMismatch(UserWarning):
    """The function's runtime is not installed; its code runs under another Python."""


@functools.cache
def runtime_interpreter(runtime: str) -> str:
    """The interpreter for a Lambda runtime name (python3.12 -> a working `python3.12` on PATH, or
    in pyenv's versions), else this one, with a RuntimeMismatch warning that names both."""
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime == here:
        return sys.executable
    if runtime.startswith("python"):
        for candidate in _candidates(runtime):
            if _reports_version(candidate, runtime.removeprefix("python")):
                return candidate
    warnings.warn(
        f"the function's runtime is {runtime or 'unknown'} but no working {runtime or 'runtime'} "
        f"is installed here: its code runs under {here} ({sys.executable})",
        RuntimeMismatch,
        stacklevel=2,
    )
    return sys.executable


# What Lambda's Python runtime provides beside the function's code (build.py leaves them out of the
# zip): another interpreter gets seawall's copies of them (pure Python), and nothing else of ours.
_RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def runtime_packages(directory: Path) -> Path:
    """`directory`, holding links to this interpreter's copies of the runtime-provided modules."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in _RUNTIME_MODULES:
        found = importlib.util.find_spec(name)
        if found is None or not found.origin:
            continue
        origin = Path(found.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        link = directory / source.name
        if link.is_symlink() and os.readlink(link) == str(source):
            continue
        # Missing, or left by another seawall interpreter (the directory is in the state
        # directory, which outlives virtual environments): a link made aside and renamed over
        # it, so a concurrent environment sees the old link or the new one, never none.
        aside = directory / f".{source.name}.{uuid.uuid4().hex}"
        aside.symlink_to(source)
        os.replace(aside, link)
    return directory


def _candidates(runtime: str) -> list[str]:
    found = [shutil.which(runtime) or ""]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    version = runtime.removeprefix("python")
    found += sorted(
        (str(p) for p in Path(pyenv_root, "versions").glob(f"{version}.*/bin/{runtime}")),
        reverse=True,
    )
    return [c for c in found if c]


def _reports_version(interpreter: str, version: str) -> bool:
    """Whether `interpreter` runs and is `version` (a shim on PATH may be neither)."""
    script = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        returncode, out, _ = cmd_output(interpreter, "-c", script, check=False, timeout=10)
    except CommandFailed:  # it could not start, or hung
        return False
    return returncode == 0 and out.strip() == version


@dataclass(frozen=True)
class Invocation:
    request_id: str
    ok: bool
    payload: Any  # the handler's result when ok, else Lambda's error object
    duration_ms: float
    init_ms: float | None  # set on a cold start
    timed_out: bool = False


class FunctionLog:
    """One function's log file, shared by its environments (lines never interleave mid-line),
    and, with a shipper, its log group in the emulator: a line with a stream goes there too."""

    def __init__(self, path: Path, *, group: str = "", shipper: LogShipper | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self._group = group
        self._shipper = shipper

    def write(self, line: str, stream: str = "") -> None:
        with self._lock:
            self._file.write(line if line.endswith("\n") else line + "\n")
        if self._shipper is not None and stream and self._group:
            self._shipper.emit(self._group, stream, line.rstrip("\n"))

    def close(self) -> None:
        with self._lock:
            self._file.close()


class Environment:
    """One execution environment: a bootstrap process with its code and configuration."""

    def __init__(
        self,
        spec: FunctionSpec,
        code_dir: Path,
        env: dict[str, str],
        log: FunctionLog,
        interpreter: str = sys.executable,
    ) -> None:
        self.spec = spec
        self.stream = f"{time.strftime('%Y/%m/%d')}/[{spec.version}]{uuid.uuid4().hex}"
        read_fd, write_fd = os.pipe()
        environment = {
            **env,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.stream,
            PARENT_PID_ENV: str(os.getpid()),
        }
        # The bootstrap runs as a file, so that an interpreter without seawall can run it.
        self._process = subprocess.Popen(  # noqa: S603 - the runtime's interpreter, our bootstrap
            [interpreter, bootstrap.__file__, str(code_dir), str(write_fd)],
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
            self._log.write(
                f"INIT_REPORT Status: error\tError Type: {error['errorType']}", self.stream
            )
            self.close()
            return Invocation("", False, error, 0.0, None)
        self.init_ms = float(message["init_ms"])
        return None

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def invoke(self, event: Any, request_id: str, cold: bool) -> Invocation:
        timeout_s = self.spec.timeout_s
        self._log.write(f"START RequestId: {request_id} Version: {self.spec.version}", self.stream)
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
            self._log.write(f"{_timestamp()} {request_id} {message}", self.stream)
            max_memory = self.max_memory_mb()
            self.close()
            error = {
                "errorMessage": message,
                "errorType": "Sandbox.Timedout" if timed_out else "Runtime.ExitError",
            }
            result = Invocation(request_id, False, error, elapsed_ms, init_ms, timed_out=timed_out)
        else:
            self._output_done.wait(timeout=2.0)  # so the log reads START, output, END in order
            peak_kib = answer.get("max_memory_kib")
            max_memory = (
                max(1, round(int(peak_kib) / 1024))
                if isinstance(peak_kib, int)
                else self.max_memory_mb()
            )
            result = Invocation(
                request_id,
                bool(answer["ok"]),
                answer.get("payload") if answer["ok"] else answer["error"],
                float(answer.get("duration_ms", elapsed_ms)),
                init_ms,
            )
        self._log.write(f"END RequestId: {request_id}", self.stream)
        init = f"\tInit Duration: {init_ms:.2f} ms" if init_ms is not None else ""
        self._log.write(
            f"REPORT RequestId: {request_id}\tDuration: {result.duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, round(result.duration_ms + 0.4999))} ms\t"
            f"Memory Size: {self.spec.memory_mb} MB\tMax Memory Used: {max_memory} MB{init}",
            self.stream,
        )
        return result

    def max_memory_mb(self) -> int:
        """The environment's peak resident memory so far (Linux: VmHWM), as REPORT gives it."""
        try:
            with open(f"/proc/{self._process.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return max(1, round(int(line.split()[1]) / 1024))
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(Exception):
            self._process.wait(timeout=5)
        with contextlib.suppress(Exception):
            self._results.close()
        with contextlib.suppress(Exception):
            if self._process.stdin is not None:
                self._process.stdin.close()

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
                    self._log.write(line, self.stream)
        # The pipe ends with the process; closing it here (the only reader) frees its descriptor
        # now instead of at garbage collection.
        with contextlib.suppress(OSError):
            self._process.stdout.close()


class Concurrency:
    """A function's concurrency, shared by every pool that invokes it (its plain ARN, its
    aliases): Lambda counts reserved concurrency per function.

    With reserved concurrency, the limit is Lambda's: an invocation beyond it is throttled at
    once. Without, Lambda's limit is the account's unreserved concurrency (1,000 by default),
    which nothing local comes near; the local limit (DEFAULT_CONCURRENCY worker processes) is this
    machine's, so an invocation beyond it waits up to UNRESERVED_WAIT_S for a free environment
    rather than fail where AWS would not, and only then is throttled.
    """

    def __init__(self, limit: int | None) -> None:
        self.reserved: int | None = limit
        self.running = 0
        self._free = threading.Condition()

    @property
    def limit(self) -> int:
        return DEFAULT_CONCURRENCY if self.reserved is None else self.reserved

    def set_reserved(self, reserved: int | None) -> None:
        with self._free:
            self.reserved = reserved
            self._free.notify_all()

    def try_acquire(self) -> int | None:
        """The number running with this one, or None (throttled)."""
        deadline = time.monotonic() + UNRESERVED_WAIT_S
        with self._free:
            while self.running >= self.limit:
                remaining = deadline - time.monotonic()
                if self.reserved is not None or remaining <= 0:
                    return None
                self._free.wait(remaining)
            self.running += 1
            return self.running

    def release(self) -> None:
        with self._free:
            self.running -= 1
            self._free.notify()


@dataclass(frozen=True)
class Variant:
    """One version an invocation may run: its configuration, code, and routing weight."""

    spec: FunctionSpec
    code_dir: Path
    weight: float = 1.0


class FunctionPool:
    """The warm environments of one function (or alias: then of the versions its routing
    configuration names, picked by weight per invocation), up to its concurrency limit."""

    def __init__(
        self,
        spec: FunctionSpec,
        code_dir: Path,
        *,
        aws_env: dict[str, str],
        log_path: Path,
        metrics: Metrics | None = None,
        log_shipper: LogShipper | None = None,
        concurrency: Concurrency | None = None,
        resource: str = "",
        choose: Callable[[list[float]], int] | None = None,
        refresh: Callable[[], list[Variant] | None] | None = None,
    ) -> None:
        self.spec = spec
        self._aws_env = aws_env
        self._log = FunctionLog(log_path, group=spec.log_group, shipper=log_shipper)
        self._metrics = metrics
        self._resource = resource  # e.g. "api:live" for an alias, as Lambda's Resource dimension
        self.concurrency = concurrency or Concurrency(spec.reserved_concurrency)
        self._choose = choose or _weighted_choice
        self._interpreters: dict[str, str] = {}
        self._variants: list[Variant] = []
        self._idle: list[Environment] = []
        self._lock = threading.Lock()
        self._closed = False
        self._refresh = refresh
        self._checked_at = time.monotonic()
        self._last_refresh_error = ""
        self.set_variants([Variant(spec, code_dir)])

    def set_variants(self, variants: list[Variant]) -> None:
        """New configuration or routing: later invocations use it; idle environments of a
        configuration no longer named are retired (busy ones finish their invocation first)."""
        with self._lock:
            self._variants = list(variants)
            self.spec = variants[0].spec
            self.concurrency.set_reserved(self.spec.reserved_concurrency)
            current = [v.spec for v in variants]
            retired = [e for e in self._idle if e.spec not in current]
            self._idle = [e for e in self._idle if e.spec in current]
        for environment in retired:
            environment.close()

    @property
    def variants(self) -> list[Variant]:
        return list(self._variants)

    def invoke(self, event: Any) -> Invocation:
        """Run one invocation, or throttle it at once when the function's concurrency is used
        up (TooManyRequestsException, as Lambda answers a synchronous invoke)."""
        request_id = str(uuid.uuid4())
        self._maybe_refresh()
        running = self.concurrency.try_acquire()
        if running is None:
            if self._metrics is not None:
                lambda_throttle(self._metrics, self.spec.name, self._resource)
            return Invocation(request_id, False, dict(THROTTLED_ERROR), 0.0, None)
        if self._metrics is not None:
            lambda_concurrency(self._metrics, self.spec.name, running)
        try:
            environment, cold = self._acquire()
            if cold:
                failure = environment.initialise()
                if failure is not None:
                    self._record(failure)
                    return failure
            result = environment.invoke(event, request_id, cold)
            self._record(result)
            self._release(environment)
            return result
        finally:
            self.concurrency.release()

    def _maybe_refresh(self) -> None:
        """A configuration or routing change made in the emulator (update-function-configuration,
        an alias's new weights) applies from the next invocation on: at most every REFRESH_S,
        one cheap revision check (see local_runtime.py), never a round trip per request."""
        if self._refresh is None:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < REFRESH_S:
                return
            self._checked_at = now
        try:
            variants = self._refresh()
        except Exception as error:  # e.g. a new version's code not in the store, or no emulator
            message = f"seawall runtime: {self.spec.name} keeps its configuration: {error}"
            if message != self._last_refresh_error:  # said once, not on every check
                print(message, file=sys.stderr)
                self._last_refresh_error = message
            return
        self._last_refresh_error = ""
        if variants:
            self.set_variants(variants)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for environment in idle:
            environment.close()
        self._log.close()

    def _record(self, result: Invocation) -> None:
        if self._metrics is not None:
            lambda_invocation(
                self._metrics,
                self.spec.name,
                ok=result.ok,
                duration_ms=result.duration_ms,
                resource=self._resource,
            )

    def _acquire(self) -> tuple[Environment, bool]:
        with self._lock:
            variants = self._variants
            variant = variants[self._choose([v.weight for v in variants])]
            for index in range(len(self._idle) - 1, -1, -1):
                environment = self._idle[index]
                if environment.spec == variant.spec:
                    del self._idle[index]
                    if environment.alive:
                        return environment, False
                    environment.close()
                    break
        spec = variant.spec
        interpreter = self._interpreter(spec.runtime)
        env = _environment(spec, variant.code_dir, self._aws_env)
        if interpreter != sys.executable:
            provided = runtime_packages(variant.code_dir.parent / ".runtime-packages")
            env["PYTHONPATH"] = str(provided)
        return Environment(spec, variant.code_dir, env, self._log, interpreter), True

    def _interpreter(self, runtime: str) -> str:
        if runtime not in self._interpreters:
            self._interpreters[runtime] = runtime_interpreter(runtime)
        return self._interpreters[runtime]

    def _release(self, environment: Environment) -> None:
        with self._lock:
            keep = (
                environment.alive
                and not self._closed
                and any(environment.spec == v.spec for v in self._variants)
            )
            if keep:
                self._idle.append(environment)
        if not keep:
            environment.close()


def _weighted_choice(weights: list[float]) -> int:
    """An index drawn with probability proportional to its weight (the alias's routing)."""
    if len(weights) == 1:
        return 0
    point = random.random() * sum(weights)  # traffic shifting, not security
    for index, weight in enumerate(weights):
        point -= weight
        if point < 0:
            return index
    return len(weights) - 1


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
