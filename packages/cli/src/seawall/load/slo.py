"""The SLO gate: `p99=800ms,errors=0.5%,lost=0`, parsed once and judged against a run's numbers.

Expected answers (429 from the usage plan, 412 from conflicts, 503 with Retry-After) are not
errors: the share of errors is unexpected failures over all requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from seawall.errors import UsageError


@dataclass(frozen=True)
class Slo:
    p99_ms: float
    error_rate: float  # a share, 0.005 for 0.5 %
    lost: int

    def describe(self) -> str:
        return f"p99={self.p99_ms:g}ms,errors={self.error_rate * 100:g}%,lost={self.lost}"


# Per environment: the local stack on a laptop, a shared dev stage, production.
DEFAULTS = {
    "local": Slo(p99_ms=800, error_rate=0.005, lost=0),
    "dev": Slo(p99_ms=1000, error_rate=0.01, lost=0),
    "prod": Slo(p99_ms=800, error_rate=0.001, lost=0),
}

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")
_SHARE = re.compile(r"^(\d+(?:\.\d+)?)(%)?$")


def parse_slo(text: str, base: Slo) -> Slo:
    """`p99=800ms,errors=0.5%,lost=0` over `base`: terms left out keep the base's value."""
    slo = base
    for term in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = term.partition("=")
        name, value = name.strip().lower(), value.strip().lower()
        if not sep or not value:
            raise UsageError(f"--slo: {term!r} is not NAME=VALUE", hint=_HINT)
        if name == "p99" and (match := _DURATION.match(value)):
            number = float(match.group(1))
            slo = replace(slo, p99_ms=number * 1000 if match.group(2) == "s" else number)
        elif name == "errors" and (match := _SHARE.match(value)):
            number = float(match.group(1))
            share = number / 100 if match.group(2) else number
            if share > 1:
                raise UsageError(f"--slo: errors={value} is more than 100%", hint=_HINT)
            slo = replace(slo, error_rate=share)
        elif name == "lost" and value.isdigit():
            slo = replace(slo, lost=int(value))
        else:
            raise UsageError(f"--slo: cannot read {term!r}", hint=_HINT)
    return slo


_HINT = "write it as p99=800ms,errors=0.5%,lost=0 (any of the three)"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...]  # one line per broken objective; empty when passed


def judge(
    slo: Slo, *, requests: int, unexpected: int, p99_ms: float | None, lost: int, duplicated: int
) -> Verdict:
    """The gate. A run without a single request proves nothing and fails; a duplicate is a loss
    of integrity and counts against `lost`."""
    reasons = []
    if requests == 0:
        reasons.append("no requests were made")
    else:
        rate = unexpected / requests
        if rate > slo.error_rate:
            reasons.append(
                f"errors {rate * 100:.2f}% ({unexpected}/{requests}) > {slo.error_rate * 100:g}%"
            )
        if p99_ms is not None and p99_ms > slo.p99_ms:
            reasons.append(f"p99 {p99_ms:g} ms > {slo.p99_ms:g} ms")
    if lost + duplicated > slo.lost:
        reasons.append(f"lost {lost} + duplicated {duplicated} > {slo.lost}")
    return Verdict(not reasons, tuple(reasons))
