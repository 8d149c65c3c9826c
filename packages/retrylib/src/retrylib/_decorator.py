"""The ``retry`` decorator: every call of a sync or async function goes through a policy."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, overload

from retrylib.policy import RetryPolicy

__all__ = ["retry"]

P = ParamSpec("P")
T = TypeVar("T")


@overload
def retry(policy: RetryPolicy | None = None, /) -> Callable[[Callable[P, T]], Callable[P, T]]: ...
@overload
def retry(policy: Callable[P, T], /) -> Callable[P, T]: ...
def retry(policy: Any = None, /) -> Any:
    """Decorate a sync or async function so every call goes through ``policy``.

    ``@retry(policy)`` or ``@retry()`` (a default :class:`RetryPolicy`) or bare ``@retry``.
    """
    if policy is not None and not isinstance(policy, RetryPolicy):
        if callable(policy):
            return _decorate(RetryPolicy(), policy)
        raise TypeError(f"retry() takes a RetryPolicy, got {policy!r}")
    chosen = RetryPolicy() if policy is None else policy
    return functools.partial(_decorate, chosen)


def _decorate(policy: RetryPolicy, fn: Callable[..., Any]) -> Callable[..., Any]:
    # The policy's pieces are bound once here, so a call pays for one extra frame, a clock
    # reading and a try block, and nothing else, when it succeeds.
    clock = policy._clock
    budget = policy._budget
    if policy._limiter is not None:
        return _decorate_limited(policy, fn)
    if inspect.iscoroutinefunction(fn):
        slow_async = policy._retry_async

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                result = await fn(*args, **kwargs)
            except Exception as exc:
                error = exc
            else:
                if budget is not None:
                    budget.record_success()
                return result
            return await slow_async(fn, args, kwargs, error, start)

        async_wrapper.retry_policy = policy  # type: ignore[attr-defined]
        return async_wrapper

    slow = policy._retry_sync
    if budget is None:

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                error = exc
            return slow(fn, args, kwargs, error, start)

    else:

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                error = exc
            else:
                budget.record_success()
                return result
            return slow(fn, args, kwargs, error, start)

    wrapper.retry_policy = policy  # type: ignore[attr-defined]
    return wrapper


def _decorate_limited(policy: RetryPolicy, fn: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(fn):
        limited_async = policy._acall_limited

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return await limited_async(fn, args, kwargs)

        async_wrapper.retry_policy = policy  # type: ignore[attr-defined]
        return async_wrapper

    limited = policy._call_limited

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return limited(fn, args, kwargs)

    wrapper.retry_policy = policy  # type: ignore[attr-defined]
    return wrapper
