"""The one place where domain errors become HTTP responses: RFC 9457 `application/problem+json`."""

from __future__ import annotations

from seawall_handler import errors
from seawall_handler.adapter.http import Response, etag

PROBLEM_JSON = "application/problem+json"

# error class -> (status, type slug, title). The `type` is a URN: stable, and no fake domain.
_MAPPING: dict[type[errors.SeawallError], tuple[int, str, str]] = {
    errors.MalformedRequest: (400, "malformed-request", "Malformed request"),
    errors.ValidationFailed: (400, "validation-failed", "Validation failed"),
    errors.CorsRefused: (403, "cors-refused", "CORS request refused"),
    errors.NotFound: (404, "not-found", "Not found"),
    errors.MethodNotAllowed: (405, "method-not-allowed", "Method not allowed"),
    errors.IdempotencyInFlight: (409, "idempotency-in-flight", "Request still in progress"),
    errors.PreconditionFailed: (412, "precondition-failed", "Precondition failed"),
    errors.PayloadTooLarge: (413, "payload-too-large", "Payload too large"),
    errors.UnsupportedMediaType: (415, "unsupported-media-type", "Unsupported media type"),
    errors.IdempotencyKeyMismatch: (422, "idempotency-key-reused", "Idempotency key reused"),
    errors.PreconditionRequired: (428, "precondition-required", "Precondition required"),
    errors.Unavailable: (503, "unavailable", "Service temporarily unavailable"),
}


def problem_type(slug: str) -> str:
    return f"urn:seawall:problem:{slug}"


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    request_id: str | None,
    *,
    retry_after: int = 1,
) -> Response:
    """A problem document; every 503 the API answers is built here, so it is the one place that
    sets `Retry-After`."""
    body: dict[str, object] = {"type": problem_type(slug), "title": title, "status": status}
    body["detail"] = detail
    if request_id is not None:
        body["request_id"] = request_id
    headers = {"Retry-After": str(retry_after)} if status == 503 else {}
    return Response(status, body, headers, content_type=PROBLEM_JSON)


def from_error(error: errors.SeawallError, request_id: str) -> Response:
    status, slug, title = _MAPPING.get(type(error), (400, "bad-request", "Bad request"))
    retry_after = error.retry_after if isinstance(error, errors.Unavailable) else 1
    response = problem(status, slug, title, error.detail, request_id, retry_after=retry_after)
    body = response.body
    assert isinstance(body, dict)
    if isinstance(error, errors.ValidationFailed):
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in error.errors]
    elif isinstance(error, errors.MethodNotAllowed):
        response.headers["Allow"] = ", ".join(error.allow)
    elif isinstance(error, errors.PayloadTooLarge):
        body["limit_bytes"] = error.limit
    elif isinstance(error, errors.PreconditionFailed) and error.current_version is not None:
        response.headers["ETag"] = etag(error.current_version)
    return response


def internal_error(request_id: str) -> Response:
    """The last resort for a bug: still a problem document, still with CORS, never a traceback."""
    return problem(
        500,
        "internal-error",
        "Internal error",
        "the request failed unexpectedly; it is logged under request_id",
        request_id,
    )
