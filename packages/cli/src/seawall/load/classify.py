"""Which answers are expected under load, which are errors (the gate's definition).

Expected: 429 (the usage plan's throttle), 412 (a conditional write lost a race or was stale on
purpose), 503 with Retry-After (overload shed on purpose: nothing was stored). Every other 5xx,
a 503 without Retry-After, a connection error (status 0), and any status the scenario did not
expect are errors.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

OK = "ok"
EXPECTED = "expected"
ERROR = "error"

EXPECTED_UNDER_LOAD = frozenset({412, 429})


def classify(status: int, headers: Mapping[str, str], wanted: Collection[int]) -> str:
    if status in wanted:
        return OK
    if status in EXPECTED_UNDER_LOAD:
        return EXPECTED
    if status == 503 and _has_retry_after(headers):
        return EXPECTED
    return ERROR


def _has_retry_after(headers: Mapping[str, str]) -> bool:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), "")
    return value.strip().isdigit()
