"""retrylib benchmarks: overhead, contention and a throttled server, side by side with ratios.

Run from the repository root: ``python bench/retrylib/run.py`` (``nox -s bench`` does, with
tenacity and backoff installed). ``--quick`` runs fewer seeds and shorter simulations, to check
that everything works; its numbers are not the ones to record.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sys
import time

import occ
import overhead
import throttled

from retrylib import __version__, wait

CLIENTS = (10, 25, 50, 100, 150, 200)
GOAL_CLIENTS = (50, 100, 150)
BASE, CAP = 0.005, 2.0


def contention(seeds: int) -> str:
    strategies = {
        "retrylib default": wait.default(BASE, CAP),
        "full_jitter": wait.full_jitter(BASE, CAP),
        "tenacity wait_random_exponential": occ.tenacity_random_exponential(BASE, CAP),
        "decorrelated_jitter": wait.decorrelated_jitter(BASE, CAP),
        "equal_jitter": wait.equal_jitter(BASE, CAP),
        "exponential (no jitter)": wait.exponential(BASE, CAP),
    }
    results = {
        (name, n): occ.average(n, strategy, range(seeds))
        for n in CLIENTS
        for name, strategy in strategies.items()
    }
    lines = [
        f"Calls (writes) and completion time, mean of {seeds} seeded runs; "
        "ratio = against full_jitter at the same client count and seeds.",
        "",
        "| strategy | " + " | ".join(f"{n} clients" for n in CLIENTS) + " |",
        "|---|" + "---:|" * len(CLIENTS),
    ]
    for name in strategies:
        cells = []
        for n in CLIENTS:
            ours, full = results[(name, n)], results[("full_jitter", n)]
            cells.append(
                f"{ours.calls} calls ({ours.calls / full.calls:.2f}x), "
                f"{ours.time:.2f} s ({ours.time / full.time:.2f}x)"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for n in GOAL_CLIENTS:
        ours, full = results[("retrylib default", n)], results[("full_jitter", n)]
        calls_ok = ours.calls <= 0.85 * full.calls
        time_ok = ours.time <= full.time
        lines.append(
            f"goal at {n} clients (calls <= 0.85x and time <= 1.00x full jitter): "
            f"calls {ours.calls / full.calls:.2f}x, time {ours.time / full.time:.2f}x -> "
            + ("met" if calls_ok and time_ok else "NOT met")
        )
    return "\n".join(lines)


def approach(base: float, cap: float, share: float) -> occ.Strategy:
    """The family wait.default belongs to: full jitter over a window that closes ``share`` of
    the remaining log-distance to the cap at every retry (wait.default uses share = 1/3)."""

    def strategy(attempt: int, previous: float, rng: random.Random) -> float:
        window = cap * math.exp(math.log(base / cap) * (1 - share) ** (attempt - 1))
        return rng.random() * min(cap, window)

    return strategy


def sensitivity(seeds: int) -> str:
    """How much the default's result depends on its constant and on the cap it is given."""
    counts = (10, 50, 100, 150, 200)
    rows = [
        (f"share {label}, base 5 ms, cap 2 s", BASE, CAP, approach(BASE, CAP, share))
        for label, share in (("1/4", 1 / 4), ("1/3 (default)", 1 / 3), ("1/2", 1 / 2))
    ]
    rows += [
        (f"default, base {b * 1000:g} ms, cap {c:g} s", b, c, wait.default(b, c))
        for b, c in ((0.001, 2.0), (0.01, 5.0), (0.005, 10.0), (0.005, 0.5))
    ]
    reference, family = wait.default(BASE, CAP), approach(BASE, CAP, 1 / 3)
    assert all(
        math.isclose(reference(n, 0.0, random.Random(n)), family(n, 0.0, random.Random(n)))
        for n in range(1, 30)
    ), "the family must contain wait.default"
    lines = [
        f"calls / time against full_jitter with the same base and cap, mean of {seeds} runs",
        "",
        "| variant | " + " | ".join(f"{n} clients" for n in counts) + " |",
        "|---|" + "---:|" * len(counts),
    ]
    for label, b, c, strategy in rows:
        cells = []
        for n in counts:
            ours = occ.average(n, strategy, range(seeds))
            full = occ.average(n, wait.full_jitter(b, c), range(seeds))
            cells.append(f"{ours.calls / full.calls:.2f} / {ours.time / full.time:.2f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def throttled_server(duration: float) -> str:
    lines = [
        f"Token-bucket server, capacity C = 100 req/s, offered load 3x C, {duration:.0f} s "
        "measured after 10 s of warm-up (the warm-up's own goodput in its column: every limiter "
        "starts cold). attempts/success = every attempt the server saw per success; attempts/ok "
        "request = mean attempts of the requests that succeeded; unsent = requests that failed "
        "without any attempt (the limiter's turn lay past their deadline); p50 / p99 = from a "
        "request's arrival to its success. Goal: goodput >= 0.90 C with attempts/success <= 1.50.",
        "",
        "| clients | policy | goodput (x C) | goodput, first 10 s | attempts/success "
        "| attempts/ok request | requests failed (unsent) | p50 / p99 of ok requests | goal |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for closed, label in ((False, "open loop"), (True, "closed loop, 50 workers")):
        for contender in throttled.contenders():
            r = throttled.run(contender, closed=closed, duration=duration)
            met = r.goodput >= 0.9 and r.attempts_per_success <= 1.5
            lines.append(
                f"| {label} | {contender.name} | {r.goodput:.2f} | {r.warmup_goodput:.2f} | "
                f"{r.attempts_per_success:.2f} | {r.attempts_per_succeeded_request:.2f} | "
                f"{r.failed_share:.0%} ({r.refused_share:.0%}) | "
                f"{r.p50_latency * 1000:.0f} / {r.p99_latency * 1000:.0f} ms | "
                + ("met" if met else "not met")
                + " |"
            )
    return "\n".join(lines)


def around_capacity(duration: float) -> str:
    loads = (0.9, 1.5, 3.0)
    lines = [
        "One shared policy, deadline 1 s. Each cell: goodput (x C), attempts/success, p50 / p99 "
        f"of ok requests; {duration:.0f} s after 10 s of warm-up.",
        "",
        "| clients | policy | " + " | ".join(f"load {load:g}x C" for load in loads) + " |",
        "|---|---|" + "---:|" * len(loads),
    ]
    for closed, label in ((False, "open loop"), (True, "closed loop, 50 workers")):
        for contender in throttled.around_capacity():
            cells = []
            for load in loads:
                r = throttled.run(contender, closed=closed, duration=duration, load=load)
                cells.append(
                    f"{r.goodput:.2f}, {r.attempts_per_success:.2f}, "
                    f"{r.p50_latency * 1000:.0f} / {r.p99_latency * 1000:.0f} ms"
                )
            lines.append(f"| {label} | {contender.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few seeds: a smoke test")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    print(
        f"# retrylib {__version__} benchmarks: Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores"
    )
    print("\n## 1. Overhead of a successful call (best of 7 interleaved rounds)\n")
    print(overhead.report(overhead.measure(rounds=2 if args.quick else 7)))
    print(f"\n## 2. Contention: OCC experiment, base {BASE * 1000:.0f} ms, cap {CAP:.0f} s\n")
    print(contention(seeds=5 if args.quick else 100))
    print("\n## 2b. Sensitivity of the default (its constant, and the cap it trusts)\n")
    print(sensitivity(seeds=3 if args.quick else 40))
    print("\n## 3. Throttled server\n")
    print(throttled_server(duration=10.0 if args.quick else 60.0))
    print("\n## 3b. The limiter around capacity, and what its parts buy\n")
    print(around_capacity(duration=10.0 if args.quick else 60.0))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
