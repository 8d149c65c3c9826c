"""A run's numbers from what Locust wrote: its JSON stats (per route: request and failure counts,
the response-time histogram, requests per second) and its failures CSV."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PERCENTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class RouteStats:
    route: str
    requests: int
    failures: int
    rps: float
    percentiles_ms: dict[str, float | None]  # "p50", "p95", "p99"

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "rps": round(self.rps, 1),
            **self.percentiles_ms,
        }


def percentile(histogram: Counter[int], share: float) -> float | None:
    """The smallest response time (ms) at or below which `share` of the requests fall."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = share * total
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= wanted:
            return float(value)
    return float(max(histogram))


def _route_stats(
    route: str, entries: list[dict[str, Any]], span: tuple[float, float] | None = None
) -> RouteStats:
    """`span` (first and last request of the whole run) gives every route the same clock."""
    histogram: Counter[int] = Counter()
    for entry in entries:
        histogram.update({int(k): int(v) for k, v in entry["response_times"].items()})
    requests = sum(int(e["num_requests"]) for e in entries)
    failures = sum(int(e["num_failures"]) for e in entries)
    start, last = span or _span(entries)
    return RouteStats(
        route=route,
        requests=requests,
        failures=failures,
        rps=requests / max(last - start, 1.0),
        percentiles_ms={f"p{round(p * 100)}": percentile(histogram, p) for p in PERCENTILES},
    )


def _span(entries: list[dict[str, Any]]) -> tuple[float, float]:
    start = min(float(e["start_time"]) for e in entries)
    return start, max(float(e["last_request_timestamp"] or start) for e in entries)


def _route_name(entry: dict[str, Any]) -> str:
    # The shipped locustfile names requests "METHOD /template"; other names get the method.
    name, method = str(entry["name"]), str(entry["method"])
    return name if name.startswith(f"{method} ") else f"{method} {name}"


@dataclass(frozen=True)
class RunStats:
    total: RouteStats
    routes: list[RouteStats]
    failures: list[dict[str, Any]]  # Locust's failures: route, error, occurrences


def read_stats(json_path: Path, failures_csv: Path) -> RunStats:
    try:
        entries = json.loads(json_path.read_text())
    except (FileNotFoundError, ValueError):
        entries = []
    by_route: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_route.setdefault(_route_name(entry), []).append(entry)
    span = _span(entries) if entries else None
    routes = [_route_stats(route, group, span) for route, group in sorted(by_route.items())]
    total = (
        _route_stats("all", entries)
        if entries
        else RouteStats("all", 0, 0, 0.0, {f"p{round(p * 100)}": None for p in PERCENTILES})
    )
    return RunStats(total, routes, _read_failures(failures_csv))


def _read_failures(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(newline="") as file:
            rows = list(csv.DictReader(file))
    except FileNotFoundError:
        return []
    return [
        {
            "route": _route_name({"name": row.get("Name", ""), "method": row.get("Method", "")}),
            "error": row.get("Error", ""),
            "occurrences": int(row.get("Occurrences") or 0),
        }
        for row in rows
    ]
