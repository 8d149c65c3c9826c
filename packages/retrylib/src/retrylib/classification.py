"""Classify AWS errors the way botocore's standard retry mode does: throttling, transient, or not.

A leaf module: it imports nothing of retrylib (and not botocore), so the rate limiter and the
ready policies of :mod:`retrylib.aws` can both use it without importing each other.
Errors are recognised by duck typing: a ``ClientError`` is anything with a ``response`` mapping
holding ``Error.Code``; connection errors are recognised by their class names in ``botocore``.

The error lists are botocore's standard retry mode ones (``botocore/retries/standard.py``) plus
the codes of its legacy mode (``botocore/data/_retry.json``) that the standard lists miss.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

__all__ = [
    "NON_RETRYABLE",
    "THROTTLING",
    "THROTTLING_ERROR_CODES",
    "THROTTLING_STATUS_CODES",
    "TRANSIENT",
    "TRANSIENT_ERROR_CODES",
    "TRANSIENT_STATUS_CODES",
    "ErrorKind",
    "classify",
    "error_code",
    "is_retryable",
    "is_throttling",
]


class ErrorKind(enum.Enum):
    """What kind of failure an error is, and so whether to retry it."""

    THROTTLING = "throttling"
    TRANSIENT = "transient"
    NON_RETRYABLE = "non_retryable"


THROTTLING = ErrorKind.THROTTLING
TRANSIENT = ErrorKind.TRANSIENT
NON_RETRYABLE = ErrorKind.NON_RETRYABLE

#: botocore ``ThrottledRetryableChecker._THROTTLED_ERROR_CODES`` (standard mode).
THROTTLING_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
#: botocore ``ThrottlingStatusCodeChecker`` (429) and the legacy mode's ``limit_exceeded`` (509).
THROTTLING_STATUS_CODES = frozenset({429, 509})
#: botocore ``TransientRetryableChecker._TRANSIENT_ERROR_CODES``, plus the legacy mode's DynamoDB
#: ``ReplicatedWriteConflictException`` and the STS special case ``IDPCommunicationError``.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "ReplicatedWriteConflictException",
        "IDPCommunicationError",
    }
)
#: botocore ``TransientRetryableChecker._TRANSIENT_STATUS_CODES``.
TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})
#: botocore's transient exception classes (``ConnectionError``, ``HTTPClientError``) cover
#: connection failures, endpoint errors, SSL errors and read/connect timeouts.
_BOTOCORE_TRANSIENT_CLASSES = frozenset({"ConnectionError", "HTTPClientError"})


def _response(error: BaseException) -> Mapping[str, Any] | None:
    response = getattr(error, "response", None)
    return response if isinstance(response, Mapping) else None


def error_code(error: BaseException) -> str | None:
    """The ``Error.Code`` of a botocore ``ClientError`` (duck-typed), else ``None``."""
    response = _response(error)
    if response is None:
        return None
    code = (response.get("Error") or {}).get("Code")
    return str(code) if code is not None else None


def _status(error: BaseException) -> int | None:
    response = _response(error)
    if response is None:
        return None
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


def classify(error: BaseException) -> ErrorKind:
    """Classify an error the way botocore's standard retry mode does.

    Throttling error codes first (so ``PriorRequestNotComplete`` is throttling, as in botocore),
    then transient codes and 500/502/503/504, then 429/509 as throttling; botocore connection
    and timeout errors and Python's own :class:`ConnectionError` and :class:`TimeoutError` are
    transient. Everything else (``ConditionalCheckFailedException``, ``ValidationException``,
    ``AccessDeniedException``, ``ResourceNotFoundException``, ...) is not retryable. Errors
    that botocore would retry only because an operation's model marks them retryable are not
    known here: pass your own ``retry_on`` for those.
    """
    code = error_code(error)
    status = _status(error)
    if code in THROTTLING_ERROR_CODES:
        return THROTTLING
    if code in TRANSIENT_ERROR_CODES or status in TRANSIENT_STATUS_CODES:
        return TRANSIENT
    if status in THROTTLING_STATUS_CODES:
        return THROTTLING
    return TRANSIENT if _is_connection_error(error) else NON_RETRYABLE


def _is_connection_error(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | TimeoutError):
        return True
    return any(
        cls.__module__.startswith("botocore") and cls.__name__ in _BOTOCORE_TRANSIENT_CLASSES
        for cls in type(error).__mro__
    )


def is_retryable(error: BaseException) -> bool:
    """True for throttling and transient errors: the ``retry_on`` of the ready policies."""
    return classify(error) is not NON_RETRYABLE


def is_throttling(error: BaseException) -> bool:
    """True when the service said to slow down."""
    return classify(error) is THROTTLING
