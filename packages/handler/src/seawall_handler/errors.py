"""Domain errors. They know nothing of HTTP: `problems.py` maps them to responses, in one place."""

from __future__ import annotations

from seawall_handler._record import Record


class FieldError(Record):
    """One reason a request was refused: where (`items[3].name`, `body`, `query.limit`) and why."""

    __slots__ = ("field", "reason")

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason


class SeawallError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(SeawallError):
    """The request is well-formed JSON but breaks the schema (or a parameter is out of range)."""

    def __init__(self, errors: list[FieldError], detail: str = "the request is not valid") -> None:
        super().__init__(detail)
        self.errors = errors


class MalformedRequest(SeawallError):
    """The request cannot be read at all: invalid JSON, bad encoding, a bad cursor."""


class NotFound(SeawallError):
    pass


class MethodNotAllowed(SeawallError):
    def __init__(self, detail: str, allow: tuple[str, ...]) -> None:
        super().__init__(detail)
        self.allow = allow


class PayloadTooLarge(SeawallError):
    def __init__(self, detail: str, limit: int) -> None:
        super().__init__(detail)
        self.limit = limit


class UnsupportedMediaType(SeawallError):
    pass


class PreconditionRequired(SeawallError):
    """A write that needs `If-Match` came without it."""


class PreconditionFailed(SeawallError):
    """`If-Match` names a version that is no longer current."""

    def __init__(self, detail: str, current_version: int | None = None) -> None:
        super().__init__(detail)
        self.current_version = current_version


class IdempotencyKeyMismatch(SeawallError):
    """The `Idempotency-Key` was used before with a different request body."""


class IdempotencyInFlight(SeawallError):
    """The first request with this `Idempotency-Key` has not finished yet."""


class CorsRefused(SeawallError):
    """A CORS preflight for an origin, method or header that is not allowed."""


class Unavailable(SeawallError):
    """A dependency could not answer in time (deadline, throttling, retry budget exhausted).

    Nothing was acknowledged; the client may retry after `retry_after` seconds.
    """

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
