"""Overhead of a successful decorated call: retrylib against tenacity and backoff.

Each contender decorates the same one-argument function with a comparable policy (retry any
exception, three attempts, exponential backoff). The bare call is timed alongside; overhead is
decorated minus bare. The limiter row is a healthy service: the limiter counts every response
but has never been throttled, so nobody waits. Rounds interleave the contenders so that machine
noise hits them alike, and each keeps its best round (the least disturbed), as ``timeit``
advises.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from dataclasses import dataclass


def target(x: int) -> int:
    return x


def contenders() -> dict[str, Callable[[int], int]]:
    import backoff
    import tenacity

    import retrylib

    policy = retrylib.RetryPolicy(stop=retrylib.stop.after_attempts(3))
    budgeted = retrylib.RetryPolicy(
        stop=retrylib.stop.after_attempts(3), budget=retrylib.RetryBudget()
    )
    limited = retrylib.RetryPolicy(
        stop=retrylib.stop.after_attempts(3), limiter=retrylib.AdaptiveRateLimiter()
    )
    return {
        "bare call": target,
        "retrylib @retry": retrylib.retry(policy)(target),
        "retrylib @retry + budget": retrylib.retry(budgeted)(target),
        "retrylib @retry + limiter": retrylib.retry(limited)(target),
        "retrylib policy.call": lambda x: policy.call(target, x),
        "backoff.on_exception": backoff.on_exception(backoff.expo, Exception, max_tries=3)(target),
        "tenacity.retry": tenacity.retry(
            stop=tenacity.stop_after_attempt(3),
            wait=tenacity.wait_random_exponential(multiplier=0.05, max=20),
        )(target),
    }


@dataclass
class Timing:
    name: str
    per_call_us: float
    overhead_us: float


def measure(rounds: int = 7, calls: int = 200_000) -> list[Timing]:
    funcs = contenders()
    # tenacity is about 100 times slower per call: give it fewer calls per round.
    per_round = {name: calls // 50 if "tenacity" in name else calls for name in funcs}
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(rounds):
        for name, fn in funcs.items():
            n = per_round[name]
            elapsed = timeit.timeit("fn(1)", globals={"fn": fn}, number=n)
            best[name] = min(best[name], elapsed / n)
    bare = best["bare call"]
    return [Timing(name, best[name] * 1e6, (best[name] - bare) * 1e6) for name in funcs]


def report(timings: list[Timing]) -> str:
    by_name = {t.name: t for t in timings}
    ours = by_name["retrylib @retry"].overhead_us
    lines = [
        "| contender | per call (us) | overhead (us) | overhead vs retrylib @retry |",
        "|---|---:|---:|---:|",
    ]
    for t in timings:
        ratio = "" if t.name == "bare call" else f"{t.overhead_us / ours:.1f}x"
        lines.append(f"| {t.name} | {t.per_call_us:.3f} | {t.overhead_us:.3f} | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))
