"""The terminal table: scenario -> mitigation -> check -> result, with timings."""

from __future__ import annotations

from typing import Any

MARKS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "skip", "error": "ERROR"}


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def to_table(document: dict[str, Any], width: int = 120) -> str:
    lines = []
    for scenario in document["scenarios"]:
        lines.append(f"{scenario['title']}")
        lines.append(f"  mitigation: {_cut(scenario['mitigation'], width - 14)}")
        for check in scenario["checks"]:
            head = f"  {MARKS[check['status']]:<5} {check['id']:<26} {check['duration_s']:6.1f}s  "
            lines.append(head + _cut(check["summary"], max(20, width - len(head))))
    summary = document["summary"]
    counts = ", ".join(f"{n} {status}" for status, n in summary.items() if n)
    verdict = "passed" if document["passed"] else "FAILED"
    lines.append(f"seawall verify {verdict}: {counts} in {document['duration_s']:.1f} s")
    return "\n".join(lines)
