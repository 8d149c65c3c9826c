"""The run's summary: one JSON document (`summary.json` in the report directory) and the same
numbers on one screen."""

from __future__ import annotations

from typing import Any

from seawall.load.audit import AuditResult
from seawall.load.ledger import Ledger
from seawall.load.slo import Slo, Verdict
from seawall.load.stats import RunStats


def build_summary(
    *,
    target: str,
    run_prefix: str,
    environment: str,
    stats: RunStats,
    ledger: Ledger,
    audit: AuditResult | None,
    audit_error: str | None,
    slo: Slo,
    verdict: Verdict,
    saturation: dict[str, Any],
    duration_s: float,
    interrupted: bool,
    workers: int,
) -> dict[str, Any]:
    expected: dict[str, dict[str, int]] = {}
    for (route, status), count in sorted(ledger.expected.items()):
        expected.setdefault(route, {})[str(status)] = count
    total = stats.total
    expected_count = sum(ledger.expected.values())
    # Goodput: the answers that did what was asked (neither an error nor a 429/412/503).
    good = max(total.requests - total.failures - expected_count, 0)
    return {
        "target": target,
        "run_prefix": run_prefix,  # every item of the run is named with it
        "environment": environment,
        "duration_s": round(duration_s, 1),
        "interrupted": interrupted,
        "workers": workers,
        "requests": total.requests,
        "rps": round(total.rps, 1),
        "goodput_rps": round(total.rps * good / total.requests, 1) if total.requests else 0.0,
        **total.percentiles_ms,
        "routes": {route.route: route.as_dict() for route in stats.routes},
        "failures": {
            "expected": expected_count,
            "expected_by_route": expected,
            "unexpected": total.failures,
            "unexpected_by_error": stats.failures,
        },
        "slo": {
            "objective": slo.describe(),
            "passed": verdict.passed,
            "reasons": list(verdict.reasons),
        },
        "audit": audit.summary() if audit else {"error": audit_error},
        "saturation": saturation,
    }


def render(summary: dict[str, Any]) -> str:
    """The one-screen terminal summary."""
    lines = [
        f"seawall loadtest: {summary['target']} ({summary['environment']})"
        + (" [interrupted]" if summary["interrupted"] else ""),
        f"  requests  {summary['requests']} in {summary['duration_s']} s, "
        f"{summary['rps']} rps ({summary['goodput_rps']} good); p50 {_ms(summary['p50'])} "
        f"p95 {_ms(summary['p95'])} p99 {_ms(summary['p99'])}",
        f"  answers   {summary['failures']['unexpected']} unexpected failures, "
        f"{summary['failures']['expected']} expected (429/412/503+Retry-After)",
        "",
        f"  {'route':<34} {'requests':>8} {'fail':>5} {'rps':>7} {'p50':>7} {'p99':>7}",
    ]
    for route, row in summary["routes"].items():
        lines.append(
            f"  {route:<34} {row['requests']:>8} {row['failures']:>5} {row['rps']:>7} "
            f"{_ms(row['p50']):>7} {_ms(row['p99']):>7}"
        )
    for failure in summary["failures"]["unexpected_by_error"][:5]:
        lines.append(f"  ! {failure['occurrences']}x {failure['route']}: {failure['error'][:80]}")
    audit = summary["audit"]
    if "error" in audit:
        lines.append(f"  audit     could not run: {audit['error']}")
    else:
        lines.append(
            f"  audit     {audit['acknowledged']} acknowledged, {audit['lost']} lost, "
            f"{audit['duplicated']} duplicated; {audit['deletes_acknowledged']} deletes, "
            f"{audit['not_deleted']} not gone; {audit['jobs_succeeded']} import jobs"
        )
        lines += [f"            {example}" for example in audit["examples"][:5]]
    saturation = summary["saturation"]
    cpu = ", ".join(f"{k} {v:.0f}%" for k, v in saturation.get("cpu_percent", {}).items())
    lines.append(f"  saturated {saturation.get('verdict', 'cannot tell')}")
    if cpu:
        lines.append(f"            CPU (of one core; machine: of all): {cpu}")
    slo = summary["slo"]
    lines.append(
        f"  SLO       {'PASS' if slo['passed'] else 'FAIL'} ({slo['objective']})"
        + "".join(f"\n            {reason}" for reason in slo["reasons"])
    )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}ms"
