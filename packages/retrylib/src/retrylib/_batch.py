"""DynamoDB BatchWriteItem with retries of UnprocessedItems only (public as retrylib.aws)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from retrylib._errors import DeadlineExceeded, RetryError
from retrylib.policy import RetryPolicy

__all__ = ["MAX_BATCH", "BatchWriteResult", "UnprocessedItemsError", "write_all"]

#: BatchWriteItem takes at most 25 put or delete requests per call.
MAX_BATCH = 25

RequestItems = dict[str, list[Mapping[str, Any]]]


class UnprocessedItemsError(Exception):
    """A BatchWriteItem call left ``request_items`` unprocessed.

    Used inside :func:`retrylib.aws.batch_write_all` to make its policy retry; hooks see it as
    the ``error`` of those retries.
    """

    def __init__(self, request_items: RequestItems) -> None:
        count = sum(len(requests) for requests in request_items.values())
        super().__init__(f"{count} request(s) unprocessed")
        self.request_items = request_items


@dataclass(frozen=True)
class BatchWriteResult:
    """What :func:`retrylib.aws.batch_write_all` did.

    ``unprocessed`` is a ``RequestItems`` mapping of the requests that were not written (empty
    when all were), ``calls`` the number of BatchWriteItem calls made, ``deadline_exceeded``
    whether the policy's deadline stopped the work, and ``last_error`` the error that ended the
    retrying of some chunk, if any.
    """

    unprocessed: RequestItems = field(default_factory=dict)
    calls: int = 0
    deadline_exceeded: bool = False
    last_error: BaseException | None = None

    @property
    def complete(self) -> bool:
        """True when every request was written."""
        return not self.unprocessed

    @property
    def unprocessed_count(self) -> int:
        """How many requests were not written."""
        return sum(len(requests) for requests in self.unprocessed.values())


def _as_write_request(item: Mapping[str, Any]) -> Mapping[str, Any]:
    if "PutRequest" in item or "DeleteRequest" in item:
        return item
    return {"PutRequest": {"Item": item}}


def _pairs(
    table_name_or_request_items: str | Mapping[str, Sequence[Mapping[str, Any]]],
    items: Iterable[Mapping[str, Any]] | None,
) -> list[tuple[str, Mapping[str, Any]]]:
    if isinstance(table_name_or_request_items, str):
        if items is None:
            raise TypeError("items are required when a table name is given")
        table = table_name_or_request_items
        return [(table, _as_write_request(item)) for item in items]
    if items is not None:
        raise TypeError("items must not be given with a RequestItems mapping")
    return [
        (table, request)
        for table, requests in table_name_or_request_items.items()
        for request in requests
    ]


def _group(pairs: Iterable[tuple[str, Mapping[str, Any]]]) -> RequestItems:
    grouped: RequestItems = {}
    for table, request in pairs:
        grouped.setdefault(table, []).append(request)
    return grouped


def _merge(into: RequestItems, more: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    for table, requests in more.items():
        into.setdefault(table, []).extend(requests)


def write_all(
    client: Any,
    table_name_or_request_items: str | Mapping[str, Sequence[Mapping[str, Any]]],
    items: Iterable[Mapping[str, Any]] | None,
    policy: RetryPolicy,
) -> BatchWriteResult:
    """See :func:`retrylib.aws.batch_write_all`."""
    pairs = _pairs(table_name_or_request_items, items)
    chunks = [_group(pairs[i : i + MAX_BATCH]) for i in range(0, len(pairs), MAX_BATCH)]
    base_retryable = policy._retryable
    # reraise=False: giving up is always a RetryError (or DeadlineExceeded), so any other
    # exception is one the policy would not retry, and goes to the caller as it is.
    chunk_policy = policy.copy(
        retry_on=lambda e: isinstance(e, UnprocessedItemsError) or base_retryable(e),
        reraise=False,
    )
    unprocessed: RequestItems = {}
    calls = 0
    last_error: BaseException | None = None

    for index, chunk in enumerate(chunks):
        pending = chunk

        def send() -> None:
            nonlocal pending, calls
            calls += 1
            response = client.batch_write_item(RequestItems=pending)
            left = {t: list(r) for t, r in (response.get("UnprocessedItems") or {}).items() if r}
            if left:
                pending = left
                raise UnprocessedItemsError(left)

        try:
            chunk_policy.call(send)
        except DeadlineExceeded as error:
            _merge(unprocessed, pending)
            for later in chunks[index + 1 :]:
                _merge(unprocessed, later)
            return BatchWriteResult(unprocessed, calls, True, error.last_exception)
        except RetryError as error:
            # A call that raised wrote nothing: pending is still exactly what is left.
            _merge(unprocessed, pending)
            last_error = error.last_exception
    return BatchWriteResult(unprocessed, calls, False, last_error)
