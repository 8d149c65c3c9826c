"""retrylib: retries with backoff, deadlines and budgets; AWS error classification; CORS headers.

Quick start::

    from retrylib import RetryPolicy, retry, stop, wait

    @retry(RetryPolicy(wait=wait.default(0.05, 5.0), stop=stop.after_attempts(4)))
    def fetch() -> bytes: ...

See the package README for deadlines, budgets, rate limiting, DynamoDB and CORS.
"""

from retrylib import aws, classification, cors, ratelimit, stop, wait
from retrylib._decorator import retry
from retrylib._errors import DeadlineExceeded, RetryError
from retrylib.budget import RetryBudget
from retrylib.cors import CorsPolicy
from retrylib.policy import RetryPolicy
from retrylib.ratelimit import AdaptiveRateLimiter
from retrylib.stop import RetryState, StopReason

__version__ = "0.1.0"

__all__ = [
    "AdaptiveRateLimiter",
    "CorsPolicy",
    "DeadlineExceeded",
    "RetryBudget",
    "RetryError",
    "RetryPolicy",
    "RetryState",
    "StopReason",
    "__version__",
    "aws",
    "classification",
    "cors",
    "ratelimit",
    "retry",
    "stop",
    "wait",
]
