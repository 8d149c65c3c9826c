"""Runs checks: each in its own thread with its own timeout, a failure never stopping the others.

Non-destructive checks run side by side (they only read, or are refused before writing); drills
run one at a time after them, on the main thread, because each switches a fault on for the whole
function and must switch it off again on Ctrl-C.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from seawall.verify.model import ERROR, FAIL, SKIP, Check, CheckFailed, CheckSkipped, Result

PARALLEL = 8


def run_one(check: Check, target: Any) -> Result:
    """The check's result; never raises (KeyboardInterrupt aside)."""
    started = time.monotonic()
    try:
        outcome = check.run(target)
        status, summary, evidence = outcome.status, outcome.summary, outcome.evidence
    except CheckFailed as failed:
        status, summary, evidence = FAIL, failed.summary, failed.evidence
    except CheckSkipped as skipped:
        status, summary, evidence = SKIP, str(skipped), {}
    except Exception as error:  # a broken check is reported, never fatal to the run
        status, summary = ERROR, f"{type(error).__name__}: {error}"
        evidence = {"traceback": traceback.format_exc(limit=6)}
    return Result(
        check.id, check.title, status, summary, time.monotonic() - started, evidence, check.drill
    )


def run_checks(
    checks: Sequence[Check],
    target: Any,
    *,
    on_result: Callable[[Result], None] | None = None,
    parallel: int = PARALLEL,
) -> list[Result]:
    """Results in the order of `checks`; a check past its timeout is an `error` result (its
    thread is left to finish in the background: Python cannot stop a thread)."""
    results: dict[str, Result] = {}
    reads = [c for c in checks if not c.drill]
    drills = [c for c in checks if c.drill]
    _run_batch(reads, target, results, on_result, parallel)
    for drill in drills:
        # On this (the main) thread, so that Ctrl-C reaches the drill, whose `finally` turns
        # its fault off; a drill's own loops are bounded by its timeout.
        result = run_one(drill, target)
        if result.duration_s > drill.timeout_s and not result.failed:
            result = replace(
                result,
                status=ERROR,
                summary=f"took {result.duration_s:.0f} s, over its {drill.timeout_s:g} s timeout",
            )
        results[drill.id] = result
        if on_result:
            on_result(result)
    return [results[c.id] for c in checks]


def _run_batch(checks, target, results, on_result, parallel) -> None:
    slots = threading.Semaphore(parallel)
    done: dict[str, Result] = {}
    threads = []
    for check in checks:

        def work(check: Check = check) -> None:
            with slots:
                done[check.id] = run_one(check, target)

        thread = threading.Thread(target=work, name=f"check-{check.id}", daemon=True)
        thread.start()
        threads.append((check, thread, time.monotonic()))
    for check, thread, started in threads:
        # Waiting for the slot counts: a check's timeout is measured from when it could start.
        thread.join(
            max(
                0.0,
                check.timeout_s + _queue_allowance(checks, parallel) - (time.monotonic() - started),
            )
        )
        result = done.get(check.id) or Result(
            check.id,
            check.title,
            ERROR,
            f"timed out after {check.timeout_s:g} s",
            check.timeout_s,
            {},
            check.drill,
        )
        results[check.id] = result
        if on_result:
            on_result(result)


def _queue_allowance(checks: Sequence[Check], parallel: int) -> float:
    """Time a check may wait for a free slot: the longest timeouts ahead of it, roughly."""
    if len(checks) <= parallel:
        return 0.0
    return sum(sorted((c.timeout_s for c in checks), reverse=True)[: len(checks) // parallel])
