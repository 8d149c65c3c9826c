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
    # Every call goes through the policy's own `call`/`acall` (tenacity's `wraps` is the model):
    # one loop to read and to fix, and the decorator costs one extra frame on success.
    if inspect.iscoroutinefunction(fn):
        acall = policy.acall

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return await acall(fn, *args, **kwargs)

        async_wrapper.retry_policy = policy  # type: ignore[attr-defined]
        return async_wrapper

    call = policy.call

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return call(fn, *args, **kwargs)

    wrapper.retry_policy = policy  # type: ignore[attr-defined]
    return wrapper
