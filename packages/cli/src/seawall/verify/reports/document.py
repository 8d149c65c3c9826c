"""The report document: catalog scenarios with the results of their checks. The JSON report is
this document; the JUnit XML, HTML and terminal reports are views of it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from seawall.verify.catalog import Catalog
from seawall.verify.model import FAILING, Result

SCHEMA = "seawall.verify/1"


def build(
    catalog: Catalog,
    results: Sequence[Result],
    *,
    target: dict[str, Any],
    started_at: str,
    duration_s: float,
) -> dict[str, Any]:
    by_id = {r.check_id: r for r in results}
    scenarios = []
    for scenario in catalog.scenarios:
        checks = [_check(by_id[c]) for c in scenario.checks if c in by_id]
        if checks:
            scenarios.append(
                {
                    "id": scenario.id,
                    "section": scenario.section,
                    "title": scenario.title,
                    "mitigation": scenario.mitigation,
                    "files": list(scenario.files),
                    "checks": checks,
                }
            )
    counts = Counter(r.status for r in results)
    return {
        "schema": SCHEMA,
        "target": target,
        "started_at": started_at,
        "duration_s": round(duration_s, 2),
        "passed": not any(r.status in FAILING for r in results),
        "summary": {
            status: counts.get(status, 0) for status in ("pass", "fail", "warn", "skip", "error")
        },
        "scenarios": scenarios,
    }


def _check(result: Result) -> dict[str, Any]:
    return {
        "id": result.check_id,
        "title": result.title,
        "status": result.status,
        "summary": result.summary,
        "duration_s": round(result.duration_s, 3),
        "drill": result.drill,
        # Evidence is what the services answered: make it JSON whatever its Python types were.
        "evidence": json.loads(json.dumps(result.evidence, default=str)),
    }


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
