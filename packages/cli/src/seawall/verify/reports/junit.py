"""JUnit XML: one <testsuite> per scenario, one <testcase> per check (CI systems show these)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any


def to_junit(document: dict[str, Any]) -> str:
    root = ET.Element("testsuites", name="seawall verify", time=f"{document['duration_s']:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for scenario in document["scenarios"]:
        checks = scenario["checks"]
        counts = {
            "tests": len(checks),
            "failures": sum(c["status"] == "fail" for c in checks),
            "errors": sum(c["status"] == "error" for c in checks),
            "skipped": sum(c["status"] == "skip" for c in checks),
        }
        suite = ET.SubElement(
            root,
            "testsuite",
            name=scenario["title"],
            id=scenario["id"],
            time=f"{sum(c['duration_s'] for c in checks):.3f}",
            **{k: str(v) for k, v in counts.items()},
        )
        for check in checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"seawall.verify.{scenario['id']}",
                name=check["id"],
                time=f"{check['duration_s']:.3f}",
            )
            evidence = json.dumps(check["evidence"], indent=2)
            if check["status"] == "fail":
                ET.SubElement(case, "failure", message=check["summary"]).text = evidence
            elif check["status"] == "error":
                ET.SubElement(case, "error", message=check["summary"]).text = evidence
            elif check["status"] == "skip":
                ET.SubElement(case, "skipped", message=check["summary"])
            else:
                ET.SubElement(
                    case, "system-out"
                ).text = f"{check['status']}: {check['summary']}\n{evidence}"
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
