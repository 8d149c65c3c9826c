"""Apply again when AWS said "slow down" or "not yet": retrylib's control-plane policy, bounded.

The AWS provider retries each call itself; what reaches us is an apply that failed after those
retries (a long throttling burst, a quota that clears, IAM's eventual consistency, a connection
reset). Those are worth a new plan and apply, after retrylib's control-plane waits (1 s growing
to 20 s, with jitter), at most `max_attempts` times and never past `max_elapsed` seconds. Any
other failure stops at once with Terraform's own message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from retrylib import RetryPolicy
from retrylib import aws as retry_aws
from seawall.terraform import TerraformApplyError

T = TypeVar("T")

MAX_ATTEMPTS = 4
MAX_ELAPSED_S = 900.0


def _retryable(error: BaseException) -> bool:
    return isinstance(error, TerraformApplyError) and error.retry_reason is not None


def apply_policy(
    *,
    max_attempts: int = MAX_ATTEMPTS,
    max_elapsed: float = MAX_ELAPSED_S,
    on_retry: Callable[..., object] | None = None,
    **settings: Any,
) -> RetryPolicy:
    """control_plane_policy's waits and bounds, retrying only retryable apply failures.

    `settings` (clock, sleep, rng) go to the policy, so tests neither sleep nor depend on luck.
    """
    base = retry_aws.control_plane_policy(
        max_attempts=max_attempts, max_elapsed=max_elapsed, **settings
    )
    return RetryPolicy(
        wait=base.wait, stop=base.stop, retry_on=_retryable, on_retry=on_retry, **settings
    )


def apply_with_retries(attempt: Callable[[], T], policy: RetryPolicy | None = None) -> T:
    """Run `attempt` (plan and apply) until it succeeds, fails for good, or the bounds are hit."""
    return (policy or apply_policy()).call(attempt)
