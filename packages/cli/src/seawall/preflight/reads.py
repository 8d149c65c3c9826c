"""The account's answers preflight reads, each asked once, and some asked early.

Most of what preflight asks the account does not depend on the plan: the Lambda and DynamoDB
limits, how many tables, APIs, alarms, log groups and buckets exist, the Service Quotas values.
`seawall.planflow` starts those reads on threads while `terraform plan` runs (`start`), and a check
that needs one waits for its answer (`get`): the plan and the reads overlap instead of adding up.
A read that failed raises its error in `get`, where the check handles it as before. A read that
runs a command (checkov) is given `stopping`, which `close()` sets: Ctrl-C interrupts only the main
thread, and a command still running on a read's thread would otherwise hold the exit until it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# The reads are round trips to AWS (or the emulator): a few at once, not one per core.
MAX_PARALLEL_READS = 6


class AccountReads:
    def __init__(self) -> None:
        self._answers: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        #: Set by close(): the commands reads still run are killed (cmd_output_b's `stop`).
        self.stopping = threading.Event()

    def start(self, reads: Mapping[str, Callable[[], Any]]) -> AccountReads:
        """Ask each read not asked yet on a background thread; returns at once."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    MAX_PARALLEL_READS, thread_name_prefix="preflight-read"
                )
            for key, read in reads.items():
                if key not in self._answers:
                    self._answers[key] = self._pool.submit(read)
        return self

    def get(self, key: str, read: Callable[[], Any]) -> Any:
        """The answer to `key`: the one started earlier, or `read()` now (asked once either way)."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                answer = self._answers[key] = Future()
                owner = True
            else:
                owner = False
        if owner:
            try:
                answer.set_result(read())
            except Exception as error:  # kept for every later get of the same key
                answer.set_exception(error)
        return answer.result()

    def close(self) -> None:
        """Stop the threads: reads still running are dropped, and the commands they run killed."""
        self.stopping.set()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
