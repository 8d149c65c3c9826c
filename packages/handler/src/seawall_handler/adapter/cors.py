"""The API's CORS policy: a `retrylib.cors.CorsPolicy` value built from the configuration."""

from __future__ import annotations

from collections.abc import Iterable

from retrylib.cors import CorsPolicy
from seawall_handler.observability import Log

ALLOW_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
ALLOW_HEADERS = (
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Api-Key",
    "Authorization",
)
EXPOSE_HEADERS = ("ETag", "Location", "Idempotent-Replayed", "Retry-After", "X-Request-Id")
MAX_AGE = 600


class MemoCors:
    """A CorsPolicy with its answers for actual requests memoised per origin (a handful of
    origins call an API; matching each request again costs more than the rest of CORS)."""

    def __init__(self, policy: CorsPolicy, size: int = 256) -> None:
        self.policy = policy
        self._size = size
        self._answers: dict[str | None, dict[str, str]] = {}

    def response_headers(self, origin: str | None) -> dict[str, str]:
        answer = self._answers.get(origin)
        if answer is None:
            answer = self.policy.response_headers(origin)
            if len(self._answers) >= self._size:
                self._answers.clear()
            self._answers[origin] = answer
        return answer

    def preflight(
        self, origin: str | None, method: str | None, headers: str | None
    ) -> dict[str, str] | None:
        return self.policy.preflight(origin, method, headers)


def cors_policy(origins: Iterable[str], log: Log) -> MemoCors:
    """The policy for the configured origins; an origin CorsPolicy refuses is logged and left out
    (one typo must not take CORS away from every other origin)."""
    accepted = []
    for origin in origins:
        try:
            CorsPolicy([origin])
        except ValueError as exc:
            log.line("WARNING", "CORS origin ignored", origin=origin[:200], reason=str(exc))
            continue
        accepted.append(origin)
    return MemoCors(
        CorsPolicy(
            accepted,
            allow_methods=ALLOW_METHODS,
            allow_headers=ALLOW_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            max_age=MAX_AGE,
            allow_credentials=False,
        )
    )
