"""One verify run: pick the checks (`--only`, `--skip`, drills or not), run them, write reports."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seawall.errors import UsageError
from seawall.verify.catalog import Catalog
from seawall.verify.model import Check, Result
from seawall.verify.registry import BY_ID
from seawall.verify.reports import document as report_document
from seawall.verify.reports.html import to_html
from seawall.verify.reports.junit import to_junit
from seawall.verify.runner import run_checks


def select(
    catalog: Catalog, *, only: Sequence[str] = (), skip: Sequence[str] = (), drills: bool = False
) -> list[Check]:
    """The checks to run, in catalog order; UsageError for an unknown scenario or check."""
    for check_id in skip:
        if check_id not in BY_ID:
            raise UsageError(
                f"--skip {check_id}: no such check", hint=f"checks: {', '.join(BY_ID)}"
            )
    scenarios = [catalog.scenario(s) for s in only] if only else list(catalog.scenarios)
    ids: dict[str, None] = {}
    for scenario in scenarios:
        ids.update(dict.fromkeys(scenario.checks))
    return [BY_ID[i] for i in ids if i not in skip and (drills or not BY_ID[i].drill)]


def verify(
    catalog: Catalog,
    checks: Sequence[Check],
    target: Any,
    *,
    on_result: Callable[[Result], None] | None = None,
) -> dict[str, Any]:
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.monotonic()
    results = run_checks(checks, target, on_result=on_result)
    return report_document.build(
        catalog,
        results,
        target={"name": target.name, "environment": target.environment, "api_url": target.api_url},
        started_at=started_at,
        duration_s=time.monotonic() - started,
    )


def write_reports(document: dict[str, Any], directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": directory / "verify.json",
        "junit": directory / "verify.junit.xml",
        "html": directory / "verify.html",
    }
    paths["json"].write_text(report_document.to_json(document))
    paths["junit"].write_text(to_junit(document))
    paths["html"].write_text(to_html(document))
    return paths
