"""Contention: the OCC experiment of the AWS Architecture Blog post on backoff and jitter.

A discrete-event re-implementation of the post's simulator (aws-samples/aws-arch-backoff-simulator),
written here from its description: one row with a version number; every client reads the version
and then writes with it; the write succeeds only if nobody wrote in between, else the client backs
off and starts over. Each message takes ``abs(normal(10 ms, 2 ms))``. ``calls`` counts writes (as
the post does), ``time`` is when the last client succeeds. Nothing sleeps: time is simulated.

One difference from the post: there, the first retry waits up to ``2 * base``; here retry ``n``
draws from ``min(cap, base * 2 ** (n - 1))``, the convention of retrylib, botocore and tenacity,
so every strategy below starts from the same first window.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass

Strategy = Callable[[int, float, random.Random], float]

NET_MEAN = 0.010
NET_SD = 0.002


@dataclass
class Outcome:
    calls: int
    time: float


def simulate(clients: int, strategy: Strategy, seed: int) -> Outcome:
    """Run one OCC experiment with ``clients`` clients; deterministic for a given seed."""
    net = random.Random(seed)
    jitter = random.Random(seed ^ 0x5EED)
    version = 0
    writes = 0
    # Per client: retry number and previous delay.
    attempt = [0] * clients
    previous = [0.0] * clients
    # Events: (time, sequence, kind, client, payload). kind 0 = read reaches server,
    # 1 = read reply reaches client, 2 = write reaches server, 3 = write reply reaches client.
    queue: list[tuple[float, int, int, int, int]] = []
    sequence = 0

    def delay() -> float:
        return abs(net.normalvariate(NET_MEAN, NET_SD))

    for client in range(clients):
        sequence += 1
        queue.append((delay(), sequence, 0, client, 0))
    heapq.heapify(queue)
    now = 0.0
    while queue:
        now, _, kind, client, payload = heapq.heappop(queue)
        if kind == 0:
            event = (now + delay(), 1, version)
        elif kind == 1:
            event = (now + delay(), 2, payload)
        elif kind == 2:
            writes += 1
            ok = payload == version
            if ok:
                version += 1
            event = (now + delay(), 3, int(ok))
        elif payload:
            continue
        else:
            attempt[client] += 1
            wait = strategy(attempt[client], previous[client], jitter)
            previous[client] = wait
            event = (now + delay() + wait, 0, 0)
        sequence += 1
        heapq.heappush(queue, (event[0], sequence, event[1], client, event[2]))
    return Outcome(writes, now)


def tenacity_random_exponential(base: float, cap: float) -> Strategy:
    """tenacity's ``wait_random_exponential`` behind the strategy signature.

    tenacity draws from the module-level ``random``; it is reseeded from the simulation's jitter
    source at every call so runs stay deterministic and seeded like the others.
    """
    import tenacity

    wait = tenacity.wait_random_exponential(multiplier=base, max=cap)

    class _State:
        attempt_number = 1

    state = _State()

    def strategy(attempt: int, previous: float, rng: random.Random) -> float:
        state.attempt_number = attempt
        random.seed(rng.random())
        return wait(state)  # type: ignore[arg-type]

    return strategy


def average(clients: int, strategy: Strategy, seeds: range) -> Outcome:
    runs = [simulate(clients, strategy, seed) for seed in seeds]
    return Outcome(
        calls=round(sum(r.calls for r in runs) / len(runs)),
        time=sum(r.time for r in runs) / len(runs),
    )
