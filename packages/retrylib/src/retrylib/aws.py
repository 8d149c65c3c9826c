"""AWS: ready policies, one-layer retries, DynamoDB batch writes; the error classification.

The classification (``classify``, ``error_code``, ``is_throttling``, ...) lives in the leaf
module :mod:`retrylib.classification` and is re-exported here. Nothing here imports botocore at
import time: only :func:`single_attempt_config` does, inside the function, because it must build a
``botocore.config.Config``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from retrylib import stop as _stop
from retrylib import wait as _wait
from retrylib._batch import BatchWriteResult, UnprocessedItemsError, write_all
from retrylib.budget import RetryBudget
from retrylib.classification import (
    NON_RETRYABLE,
    THROTTLING,
    THROTTLING_ERROR_CODES,
    THROTTLING_STATUS_CODES,
    TRANSIENT,
    TRANSIENT_ERROR_CODES,
    TRANSIENT_STATUS_CODES,
    ErrorKind,
    classify,
    error_code,
    is_retryable,
    is_throttling,
)
from retrylib.policy import RetryPolicy

__all__ = [
    "NON_RETRYABLE",
    "THROTTLING",
    "THROTTLING_ERROR_CODES",
    "THROTTLING_STATUS_CODES",
    "TRANSIENT",
    "TRANSIENT_ERROR_CODES",
    "TRANSIENT_STATUS_CODES",
    "BatchWriteResult",
    "ErrorKind",
    "UnprocessedItemsError",
    "batch_write_all",
    "classify",
    "control_plane_policy",
    "dynamodb_policy",
    "error_code",
    "is_retryable",
    "is_throttling",
    "single_attempt_config",
]


def _aws_policy(
    base: float,
    cap: float,
    *,
    max_attempts: int,
    deadline: float | Callable[[], float] | None,
    max_elapsed: float | None,
    budget: RetryBudget | None,
    settings: dict[str, Any],
) -> RetryPolicy:
    """Throttling and transient errors only, the default wait, attempts/elapsed/deadline stops."""
    condition = _stop.after_attempts(max_attempts)
    if max_elapsed is not None:
        condition = condition | _stop.after_delay(max_elapsed)
    if deadline is not None:
        condition = condition | _stop.before_deadline(deadline)
    return RetryPolicy(
        wait=_wait.default(base, cap),
        stop=condition,
        retry_on=is_retryable,
        budget=budget,
        **settings,
    )


def dynamodb_policy(
    *,
    deadline: float | Callable[[], float] | None = None,
    max_attempts: int = 5,
    base: float = 0.025,
    cap: float = 5.0,
    budget: RetryBudget | None = None,
    **settings: Any,
) -> RetryPolicy:
    """A policy for DynamoDB data-plane calls (GetItem, PutItem, Query, BatchWriteItem...).

    Retries throttling and transient errors only, at most ``max_attempts`` attempts, waiting
    :func:`retrylib.wait.default` from ``base`` 25 ms (botocore's DynamoDB base) up to ``cap``
    5 s. Give ``deadline`` (see :func:`retrylib.stop.before_deadline`) inside Lambda. Other
    keyword arguments go to :class:`~retrylib.RetryPolicy` (``on_retry``, ``clock``...).
    """
    return _aws_policy(
        base,
        cap,
        max_attempts=max_attempts,
        deadline=deadline,
        max_elapsed=None,
        budget=budget,
        settings=settings,
    )


def control_plane_policy(
    *,
    deadline: float | Callable[[], float] | None = None,
    max_attempts: int = 10,
    max_elapsed: float | None = 300.0,
    base: float = 1.0,
    cap: float = 20.0,
    budget: RetryBudget | None = None,
    **settings: Any,
) -> RetryPolicy:
    """A policy for slow control-plane calls (CloudFormation, Lambda, IAM, API Gateway APIs).

    Their rate limits are low and throttling is the common failure, so waits start at ``base``
    1 s (botocore's throttling base) and grow to ``cap`` 20 s (botocore's maximum backoff), for
    at most ``max_attempts`` attempts and ``max_elapsed`` seconds.
    """
    return _aws_policy(
        base,
        cap,
        max_attempts=max_attempts,
        deadline=deadline,
        max_elapsed=max_elapsed,
        budget=budget,
        settings=settings,
    )


def single_attempt_config(
    connect_timeout: float = 2.0, read_timeout: float = 5.0, **config: Any
) -> Any:
    """A ``botocore.config.Config`` whose SDK retries are reduced to one attempt.

    Use it for every client whose calls go through a retrylib policy, so retries happen at
    exactly one layer (botocore's default would multiply them: 3 SDK attempts times the
    policy's attempts). The timeouts default to values that fit inside a Lambda behind API
    Gateway; botocore's own defaults are 60 s each. Extra keyword arguments go to ``Config``.
    """
    # Imported here, not at the top: retrylib must import without botocore installed.
    from botocore.config import Config  # noqa: PLC0415

    return Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
        **config,
    )


def batch_write_all(
    client: Any,
    table_name_or_request_items: str | Mapping[str, Sequence[Mapping[str, Any]]],
    items: Iterable[Mapping[str, Any]] | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> BatchWriteResult:
    """Write everything with DynamoDB ``BatchWriteItem``, retrying only what was not processed.

    Call it with a table name and ``items`` (plain items become ``PutRequest``s; ``{"PutRequest":
    ...}`` and ``{"DeleteRequest": ...}`` pass as they are), or with a ``RequestItems`` mapping.
    Requests go in chunks of 25 (the API's limit). After each call, only the returned
    ``UnprocessedItems`` are sent again, after the policy's wait, until the policy stops;
    throttling and transient errors of the call itself are retried the same way. ``policy``
    defaults to :func:`dynamodb_policy`; a shared budget pays for these retries too.

    Returns a :class:`BatchWriteResult`: ``unprocessed`` holds, as a ``RequestItems`` mapping
    ready to send again, everything that could not be written. When the policy's deadline
    stops it, the remaining chunks are not tried and are reported as unprocessed as well, with
    ``deadline_exceeded`` set. A non-retryable error (a malformed request, access denied)
    propagates.
    """
    return write_all(
        client,
        table_name_or_request_items,
        items,
        dynamodb_policy() if policy is None else policy,
    )
