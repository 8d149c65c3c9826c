"""A throttled server: goodput and attempts per success, with and without a RetryBudget and an
AdaptiveRateLimiter.

A seeded discrete-event simulation; nothing sleeps. The server is a token bucket refilled at
``C`` requests/s holding at most ``C / 10`` tokens (100 ms of burst); a request that finds no token
is throttled (``ProvisionedThroughputExceededException``, as DynamoDB says it). Every message
takes ``abs(normal(5 ms, 1 ms))`` each way.

The clients run retrylib's real code: every request goes through ``RetryPolicy.acall``, driven by
a small coroutine scheduler whose ``asleep`` and clock are simulated time. Two client models:

- open loop: requests arrive as a Poisson stream at ``load * C`` per second, whatever happened to
  earlier ones (like Lambda invocations behind API Gateway: users do not wait for each other);
- closed loop: ``N`` workers, each with a next request ready after an exponential think time
  sized so that they would offer ``load * C`` if every request succeeded at once; a worker waits
  for its request, retries included, before thinking again.

A contender may give every request a deadline (``stop.before_deadline(start + deadline)``, as a
Lambda handler does), and may run as one policy shared by all requests (one process: one budget,
one limiter) or as ``N`` clients with a policy each (``N`` processes); in the open loop each
request then goes to a client drawn at random.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass
from typing import Any

from retrylib import AdaptiveRateLimiter, RetryBudget, RetryPolicy, aws, stop, wait

NET_MEAN = 0.005
NET_SD = 0.001


class Throttled(Exception):
    """Looks like botocore's ClientError to retrylib.aws (duck typing, no botocore needed)."""

    def __init__(self) -> None:
        super().__init__("throttled")
        self.response = {
            "Error": {"Code": "ProvisionedThroughputExceededException"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }


class _Until:
    __slots__ = ("when",)

    def __init__(self, when: float) -> None:
        self.when = when

    def __await__(self) -> Generator[float, None, None]:
        yield self.when


class Sim:
    """Coroutines yield the simulated time at which they want to resume."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, Coroutine[Any, Any, Any]]] = []
        self._sequence = 0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> _Until:
        return _Until(self.now + seconds)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], when: float | None = None) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (self.now if when is None else when, self._sequence, coroutine))

    def run(self, until: float) -> None:
        queue = self._queue
        while queue and queue[0][0] <= until:
            self.now, _, coroutine = heapq.heappop(queue)
            try:
                wake = coroutine.send(None)
            except StopIteration:
                continue
            self.spawn(coroutine, wake)


@dataclass
class Result:
    goodput: float  # successes per second as a share of C
    warmup_goodput: float  # the same over the warm-up, from a cold start
    attempts_per_success: float  # every attempt the server saw, per success
    attempts_per_succeeded_request: float  # mean attempts of the requests that succeeded
    failed_share: float  # requests that ended in an error
    refused_share: float  # requests that ended without any attempt (the limiter's deadline)
    p50_latency: float  # seconds from arrival to success, requests that succeeded
    p99_latency: float


def simulate(
    make_policy: Callable[[Sim], RetryPolicy],
    *,
    capacity: float = 100.0,
    load: float = 3.0,
    clients: int = 50,
    closed: bool = False,
    duration: float = 60.0,
    warmup: float = 10.0,
    seed: int = 1,
    deadline: float | None = None,
    per_client: bool = False,
) -> Result:
    sim = Sim()
    rng = random.Random(seed)
    chooser = random.Random(seed + 1)  # which client an open-loop request goes to
    policies = [make_policy(sim) for _ in range(clients if per_client else 1)]
    bucket = {"tokens": capacity / 10, "last": 0.0}
    burst = capacity / 10
    counts = {
        "attempts": 0,
        "successes": 0,
        "requests": 0,
        "failed": 0,
        "refused": 0,
        "success_attempts": 0,
        "warmup_successes": 0,
    }
    latencies: list[float] = []

    def net() -> float:
        return abs(rng.normalvariate(NET_MEAN, NET_SD))

    def measuring() -> bool:
        return sim.now >= warmup

    async def attempt(tries: list[int]) -> None:
        tries[0] += 1
        await sim.sleep(net())
        refill = (sim.now - bucket["last"]) * capacity
        bucket["tokens"] = min(burst, bucket["tokens"] + refill)
        bucket["last"] = sim.now
        if measuring():
            counts["attempts"] += 1
        ok = bucket["tokens"] >= 1.0
        if ok:
            bucket["tokens"] -= 1.0
        await sim.sleep(net())
        if not ok:
            raise Throttled

    async def request(policy: RetryPolicy) -> None:
        started = sim.now
        tries = [0]
        counted = measuring()
        if deadline is not None:
            policy = policy.copy(stop=policy.stop | stop.before_deadline(started + deadline))
        try:
            await policy.acall(attempt, tries)
        except Exception:
            if counted:
                counts["requests"] += 1
                counts["failed"] += 1
                counts["refused"] += tries[0] == 0
            return
        if counted:
            counts["requests"] += 1
            counts["success_attempts"] += tries[0]
            latencies.append(sim.now - started)
        if measuring():
            counts["successes"] += 1
        else:
            counts["warmup_successes"] += 1

    async def open_arrivals() -> None:
        while True:
            await sim.sleep(rng.expovariate(load * capacity))
            sim.spawn(request(policies[chooser.randrange(len(policies))]))

    async def worker(policy: RetryPolicy) -> None:
        rate = load * capacity / clients
        while True:
            await sim.sleep(rng.expovariate(rate))
            await request(policy)

    if closed:
        for index in range(clients):
            sim.spawn(worker(policies[index % len(policies)]))
    else:
        sim.spawn(open_arrivals())
    sim.run(warmup + duration)
    successes = max(counts["successes"], 1)
    latencies.sort()
    return Result(
        goodput=counts["successes"] / (capacity * duration),
        warmup_goodput=counts["warmup_successes"] / (capacity * warmup),
        attempts_per_success=counts["attempts"] / successes,
        attempts_per_succeeded_request=counts["success_attempts"] / max(len(latencies), 1),
        failed_share=counts["failed"] / max(counts["requests"], 1),
        refused_share=counts["refused"] / max(counts["requests"], 1),
        p50_latency=_percentile(latencies, 0.50),
        p99_latency=_percentile(latencies, 0.99),
    )


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


@dataclass(frozen=True)
class Contender:
    """A way for the clients to call: its policy, and how it is deployed."""

    name: str
    make: Callable[[Sim], RetryPolicy]  # called once, or once per client with per_client
    deadline: float | None = None  # seconds from a request's arrival
    per_client: bool = False


DEADLINE = 1.0


def _injected(sim: Sim) -> dict[str, Any]:
    return {"clock": sim.clock, "asleep": sim.sleep, "rng": random.Random(7)}


def _limiter(sim: Sim, **settings: Any) -> AdaptiveRateLimiter:
    return AdaptiveRateLimiter(clock=sim.clock, asleep=sim.sleep, **settings)


def _budget_and_limiter(sim: Sim, **settings: Any) -> RetryPolicy:
    return aws.dynamodb_policy(
        budget=RetryBudget(), limiter=_limiter(sim, **settings), **_injected(sim)
    )


def contenders() -> list[Contender]:
    """The rows of the throttled-server table, in order; each gets the simulation's clock and
    sleep, and its own seeded rng. The first four are the rows measured before the limiter."""
    no_limiter = [
        Contender(
            "no retries", lambda sim: RetryPolicy(stop=stop.after_attempts(1), **_injected(sim))
        ),
        Contender(
            "full jitter, 5 attempts",
            lambda sim: RetryPolicy(
                wait=wait.full_jitter(0.025, 5.0),
                stop=stop.after_attempts(5),
                retry_on=aws.is_retryable,
                **_injected(sim),
            ),
        ),
        Contender("dynamodb_policy()", lambda sim: aws.dynamodb_policy(**_injected(sim))),
        Contender(
            "dynamodb_policy(budget=RetryBudget())",
            lambda sim: aws.dynamodb_policy(budget=RetryBudget(), **_injected(sim)),
        ),
    ]
    with_deadline = f", deadline {DEADLINE:g} s"
    limited = [
        Contender(
            "dynamodb_policy(budget)" + with_deadline,
            lambda sim: aws.dynamodb_policy(budget=RetryBudget(), **_injected(sim)),
            DEADLINE,
        ),
        Contender(
            "dynamodb_policy(limiter)" + with_deadline,
            lambda sim: aws.dynamodb_policy(limiter=_limiter(sim), **_injected(sim)),
            DEADLINE,
        ),
        Contender(
            "dynamodb_policy(budget, limiter)" + with_deadline, _budget_and_limiter, DEADLINE
        ),
        Contender("dynamodb_policy(budget, limiter), deadline 0.25 s", _budget_and_limiter, 0.25),
        Contender(
            "dynamodb_policy(limiter)" + with_deadline + ", a limiter per client",
            lambda sim: aws.dynamodb_policy(limiter=_limiter(sim), **_injected(sim)),
            DEADLINE,
            per_client=True,
        ),
        Contender(
            "dynamodb_policy(budget, limiter)"
            + with_deadline
            + ", a budget and a limiter per client",
            _budget_and_limiter,
            DEADLINE,
            per_client=True,
        ),
    ]
    return no_limiter + limited


class _NoHalfwayLooks(AdaptiveRateLimiter):
    """Ablation: a waiter sleeps all the way to the turn it was given, then looks."""

    __slots__ = ()

    @staticmethod
    def _nap(shortfall: float, delay: float) -> float:
        return delay


def around_capacity() -> list[Contender]:
    """The limiter's variants, against no limiter, at and below capacity (one shared policy)."""
    return [
        Contender(
            "dynamodb_policy(budget)",
            lambda sim: aws.dynamodb_policy(budget=RetryBudget(), **_injected(sim)),
            DEADLINE,
        ),
        Contender("+ limiter (burst 1 s, botocore's)", _budget_and_limiter, DEADLINE),
        Contender(
            "+ limiter(burst=0)",
            lambda sim: _budget_and_limiter(sim, burst=0.0),
            DEADLINE,
        ),
        Contender(
            "+ limiter without half-way looks (ablation)",
            lambda sim: aws.dynamodb_policy(
                budget=RetryBudget(),
                limiter=_NoHalfwayLooks(clock=sim.clock, asleep=sim.sleep),
                **_injected(sim),
            ),
            DEADLINE,
        ),
    ]


def run(contender: Contender, **settings: Any) -> Result:
    """:func:`simulate` one contender, deployed as it says."""
    return simulate(
        contender.make,
        deadline=contender.deadline,
        per_client=contender.per_client,
        **settings,
    )
