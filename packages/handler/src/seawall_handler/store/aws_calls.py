"""AWS calls: botocore clients with SDK retries off, every call through a retrylib policy.

Retries happen at exactly one layer: the clients get `retrylib.aws.single_attempt_config` (one SDK
attempt, tight timeouts), and `Calls.call` runs each request through `retrylib.aws.dynamodb_policy`
with the invocation's deadline and a retry budget shared by the whole process.

botocore, not boto3: the Lambda runtime ships both, botocore alone is what the calls need, and
skipping boto3's resource layer is a large part of the cold-start budget (see the README).
Endpoints are never hard-coded: botocore honours `AWS_ENDPOINT_URL` (the local emulator).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import botocore.session

import retrylib
import retrylib.aws
from seawall_handler.errors import Unavailable

# A request's share of the deadline: no attempt starts unless a whole attempt (connect plus read
# timeout) still fits before the deadline, so a slow dependency can never run the function into
# its own timeout (API Gateway would answer 504) - the handler answers 503 first.
API_TIMEOUTS = (0.5, 1.0)  # DynamoDB answers in milliseconds; a second is already an outage
WORKER_TIMEOUTS = (1.0, 3.0)  # BatchWriteItem of 25 large items may take longer


class CallStats:
    """What one invocation's AWS calls went through, for its log line and metrics.

    The counts start at the class's zeros and become the instance's own when first counted:
    no `__init__` to run on every invocation.
    """

    calls = 0
    retries = 0
    throttles = 0
    deadline_hits = 0

    def on_retry(self, *, attempt: int, delay: float, error: BaseException, elapsed: float) -> None:
        self.retries += 1
        if retrylib.aws.is_throttling(error):
            self.throttles += 1

    def on_giveup(
        self, *, attempt: int, delay: float, error: BaseException, elapsed: float
    ) -> None:
        if retrylib.aws.is_throttling(error):
            self.throttles += 1


class Clients:
    """The process's botocore session and clients, created on first use and then reused.

    One retry budget per process (per dependency): retries of all invocations that this warm
    instance serves draw from it, so a throttled table is not hammered by retry storms.
    `event_hooks` let fault injection hook into every client's events (see faults/plan.py).
    """

    def __init__(
        self, timeouts: tuple[float, float], sleep: Callable[[float], object] = time.sleep
    ) -> None:
        self._timeouts = timeouts
        # Connect plus read timeout: the time one attempt may take.
        self.attempt_timeout = timeouts[0] + timeouts[1]
        self._sleep = sleep
        # The invocation whose call is running: the shared policy reads its deadline and
        # counts into its stats (Lambda runs one invocation at a time per process).
        self.active: Calls | None = None
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}
        self._session: Any = None
        self.budget = retrylib.RetryBudget()
        # One jitter source per process: seeding a new Random per request costs ~20 us.
        self.rng = random.Random()
        self.event_hooks: list[tuple[str, Callable[..., Any]]] = []
        # The process's DynamoDB/SQS retry policy, built once (building one per request costs
        # more than the rest of the request's own work).
        self.policy = self._build_policy()

    def _build_policy(self) -> retrylib.RetryPolicy:
        attempt = self.attempt_timeout

        def seconds_left() -> float:
            return self.active.seconds_left() - attempt if self.active else 0.0

        def on_retry(**hook: Any) -> None:
            if self.active:
                self.active.stats.on_retry(**hook)

        def on_giveup(**hook: Any) -> None:
            if self.active:
                self.active.stats.on_giveup(**hook)

        return retrylib.aws.dynamodb_policy(
            deadline=seconds_left,
            budget=self.budget,
            on_retry=on_retry,
            on_giveup=on_giveup,
            rng=self.rng,
            sleep=self._sleep,
        )

    def client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            with self._lock:
                client = self._clients.get(service)
                if client is None:
                    client = self._create(service)
                    self._clients[service] = client
        return client

    def _create(self, service: str) -> Any:
        if self._session is None:
            self._session = botocore.session.get_session()
        connect, read = self._timeouts
        # parameter_validation off: botocore would check every request's parameters against
        # the model on every call (about a sixth of a warm GetItem's CPU, measured in
        # bench/handler). The stores build the parameters from validated domain values, and
        # DynamoDB and SQS validate them again: a mistake still fails, as a ValidationException
        # (not retryable), instead of a ParamValidationError before sending. The emulators accept
        # some wrong parameters (moto takes a Limit given as a string), so the handler's tests
        # hold every request of these clients to botocore's validation (tests/conftest.py).
        config = retrylib.aws.single_attempt_config(
            connect_timeout=connect, read_timeout=read, parameter_validation=False
        )
        client = self._session.create_client(service, config=config)
        for event, hook in self.event_hooks:
            client.meta.events.register_first(event, hook)
        return client


class Calls:
    """AWS calls for one invocation: its deadline, the shared budget, and its stats."""

    __slots__ = ("clients", "seconds_left", "stats")

    def __init__(self, clients: Clients, seconds_left: Callable[[], float]) -> None:
        self.clients = clients
        self.seconds_left = seconds_left  # until the deadline (margin already taken off)
        self.stats = CallStats()

    def check_time(self) -> None:
        """Refuse to start an attempt that might not finish before the deadline."""
        if self.seconds_left() < self.clients.attempt_timeout:
            self.stats.deadline_hits += 1
            raise Unavailable("not enough time left to complete the request")

    def call(self, service: str, operation: str, /, **params: Any) -> Any:
        """`client.<operation>(**params)` with retries; `Unavailable` when it cannot be done."""
        self.check_time()
        clients = self.clients
        client = clients.client(service)
        self.stats.calls += 1
        clients.active = self
        try:
            return clients.policy.call(getattr(client, operation), **params)
        except retrylib.DeadlineExceeded as exc:
            self.stats.deadline_hits += 1
            raise Unavailable(f"{service} did not answer in time", exc.retry_after) from exc
        except Exception as exc:
            if retrylib.aws.is_retryable(exc):
                raise Unavailable(f"{service} is unavailable or throttling requests") from exc
            raise

    def batch_write(self, table: str, items: list[dict[str, Any]]) -> Any:
        """Put `items` with BatchWriteItem, retrying only UnprocessedItems (retrylib)."""
        self.check_time()
        client = self.clients.client("dynamodb")
        self.stats.calls += 1
        self.clients.active = self
        return retrylib.aws.batch_write_all(client, table, items, policy=self.clients.policy)


def condition_failed(error: BaseException) -> bool:
    """Whether `error` is DynamoDB's ConditionalCheckFailedException (a condition did not hold)."""
    return retrylib.aws.error_code(error) == "ConditionalCheckFailedException"


def dynamodb_error_response(url: str, code: str, message: str) -> Any:
    """A botocore response carrying DynamoDB error `code` (HTTP 400), for a `before-send` hook
    to answer instead of sending: fault injection's throttling."""
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415 - only when faults are injected

    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
    return AWSResponse(url, 400, headers, _RawBody(body.encode()))


class _RawBody:
    """The raw body botocore reads from an AWSResponse."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body
