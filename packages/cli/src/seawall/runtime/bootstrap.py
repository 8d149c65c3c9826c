"""The Lambda execution environment's runtime loop, run as a child process per warm instance.

Protocol with the parent (pool.py): invocations arrive on stdin, one JSON object per line; results
leave on the file descriptor given as argv[2], one JSON object per line. stdout and stderr are the
function's own log output, as in Lambda. The first result line reports the init phase.

This module must stay importable without seawall's other dependencies: only the standard library.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import threading
import time
import traceback
from typing import Any

# A line the runtime writes after an invocation's output; the parent waits for it before "END".
OUTPUT_DONE = "\x1eseawall:output-done"


class LambdaContext:
    """The subset of the Lambda context object that handlers use."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["request_id"]
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn: str = request["invoked_function_arn"]
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + request["timeout_ms"] / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(error: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def _load_handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


PARENT_POLL_S = 1.0


def _die_with_parent() -> None:
    """Exit when the runtime that started this environment is gone, even killed with SIGKILL.

    Not PR_SET_PDEATHSIG: Linux ties it to the *thread* that started the child, and environments
    are started from whichever invoker or poller thread needed one, so a thread ending would kill
    them. A daemon thread watches the parent pid instead (an orphan is re-parented); the closed
    stdin also ends the loop in main() when the handler is not busy."""
    parent = os.environ.get("SEAWALL_PARENT_PID", "")
    if not parent.isdigit():
        return
    expected = int(parent)

    def watch() -> None:
        while True:
            if os.getppid() != expected:
                os._exit(1)
            time.sleep(PARENT_POLL_S)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str]) -> int:
    code_dir, result_fd = argv[1], int(argv[2])
    _die_with_parent()
    # Run as a script, this file's directory heads sys.path: the function's imports must not see
    # the runtime's own modules there.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, code_dir)  # the function's code wins over anything installed here
    os.chdir(code_dir)
    results = os.fdopen(result_fd, "w", buffering=1, encoding="utf-8")

    started = time.perf_counter()
    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except Exception as error:  # an init failure is reported, as Lambda does, then we exit
        results.write(
            json.dumps({"init": False, "error": _error(error, "Runtime.ImportModuleError")}) + "\n"
        )
        return 1
    init_ms = (time.perf_counter() - started) * 1000
    results.write(json.dumps({"init": True, "init_ms": init_ms}) + "\n")

    for line in sys.stdin:
        request = json.loads(line)
        context = LambdaContext(request)
        began = time.perf_counter()
        try:
            answer: dict[str, Any] = {"ok": True, "payload": handler(request["event"], context)}
        except Exception as error:
            answer = {"ok": False, "error": _error(error)}
        except BaseException as error:  # SystemExit and friends end the instance, as in Lambda
            results.write(
                json.dumps({"ok": False, "error": _error(error, "Runtime.ExitError")}) + "\n"
            )
            return 1
        sys.stderr.flush()
        # Tell the parent that all of this invocation's output precedes this line (see pool.py).
        sys.stdout.write(OUTPUT_DONE + "\n")
        sys.stdout.flush()
        answer["duration_ms"] = (time.perf_counter() - began) * 1000
        # The peak resident memory so far (Linux: KiB, the kernel's VmHWM), for REPORT's Max
        # Memory Used: one cheap syscall here instead of the parent reading /proc per invocation.
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        answer["max_memory_kib"] = peak_kib
        try:
            encoded = json.dumps(answer)
        except (TypeError, ValueError) as error:
            failure = {"ok": False, "error": _error(error, "Runtime.MarshalError")}
            encoded = json.dumps(
                {**failure, "duration_ms": answer["duration_ms"], "max_memory_kib": peak_kib}
            )
        results.write(encoded + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
