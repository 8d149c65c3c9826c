"""The reports of a verify run: the JSON against its schema, the JUnit XML read back by a JUnit
parser, the HTML page self-contained and escaped, and the terminal table."""

from __future__ import annotations

import datetime
import html
import json
import re
from pathlib import Path

import jsonschema
import junitparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seawall.verify.catalog import load_catalog
from seawall.verify.model import STATUSES, Result
from seawall.verify.registry import BY_ID
from seawall.verify.reports import document as report_document
from seawall.verify.reports.html import to_html
from seawall.verify.reports.terminal import to_table
from seawall.verify.session import write_reports

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "docs/verify-report.schema.json").read_text())
CATALOG = load_catalog(ROOT)
TARGET = {"name": "local", "environment": "local", "api_url": "http://127.0.0.1:1/v1"}


def results(status_of=lambda index: STATUSES[index % len(STATUSES)], evidence=None) -> list[Result]:
    """A result for every check of the catalog, cycling through every status."""
    return [
        Result(
            check_id,
            BY_ID[check_id].title,
            status_of(index),
            f"summary of {check_id}",
            0.25 * index,
            evidence if evidence is not None else {"request id": f"req-{index}", "metric": index},
            BY_ID[check_id].drill,
        )
        for index, check_id in enumerate(CATALOG.check_ids)
    ]


def document(runs: list[Result]) -> dict:
    return report_document.build(
        CATALOG, runs, target=TARGET, started_at="2026-01-01T00:00:00+00:00", duration_s=12.5
    )


def test_the_json_report_follows_its_schema() -> None:
    built = document(results())
    jsonschema.validate(json.loads(report_document.to_json(built)), SCHEMA)
    assert built["passed"] is False
    assert sum(built["summary"].values()) == len(CATALOG.check_ids)


def test_the_schema_refuses_a_report_with_an_unknown_status() -> None:
    built = json.loads(report_document.to_json(document(results())))
    built["scenarios"][0]["checks"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(built, SCHEMA)


def test_only_failures_and_errors_fail_the_run() -> None:
    assert document(results(lambda i: ("pass", "warn", "skip")[i % 3]))["passed"] is True
    assert document(results(lambda i: "error" if i == 5 else "pass"))["passed"] is False


def test_evidence_of_any_type_becomes_json() -> None:
    built = document(results(evidence={"when": datetime.date(2026, 1, 1), "ids": {1, 2} - {2}}))
    assert built["scenarios"][0]["checks"][0]["evidence"] == {"when": "2026-01-01", "ids": "{1}"}


def test_junit_has_one_testcase_per_check_grouped_by_scenario(tmp_path: Path) -> None:
    runs = results()
    path = write_reports(document(runs), tmp_path)["junit"]
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == [s.title for s in CATALOG.scenarios]
    by_check = {}
    for scenario in CATALOG.scenarios:
        cases = list(suites[scenario.title])
        assert [case.name for case in cases] == list(scenario.checks)
        by_check.update({case.name: case for case in cases})
    for result in runs:
        case = by_check[result.check_id]
        kinds = {type(r).__name__ for r in case.result}
        expected = {"fail": {"Failure"}, "error": {"Error"}, "skip": {"Skipped"}}.get(
            result.status, set()
        )
        assert kinds == expected, result
        assert case.time == pytest.approx(result.duration_s, abs=1e-3)
    assert xml.tests == len(runs)
    assert xml.failures == sum(r.status == "fail" for r in runs)


def test_the_html_page_is_self_contained_and_shows_the_evidence(tmp_path: Path) -> None:
    page = write_reports(document(results()), tmp_path)["html"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "an external asset"
    assert "<link" not in page
    assert "<script" not in page
    for check_id in CATALOG.check_ids:
        assert f'<span class="id">{check_id}</span>' in page
    assert "<dt>request id</dt><dd>req-3</dd>" in page
    assert "seawall verify failed" in page


@given(st.text())
def test_html_escapes_whatever_a_service_answered(text: str) -> None:
    page = to_html(document(results(lambda i: "fail", evidence={"log line": text, "status": text})))
    assert "<dd>" + html.escape(text, quote=True) + "</dd>" in page
    if "<" in text:
        assert f"<dd>{text}</dd>" not in page


def test_the_terminal_table_names_scenario_check_result_and_time() -> None:
    table = to_table(document(results(lambda i: "pass")))
    for scenario in CATALOG.scenarios:
        assert scenario.title in table
    assert re.search(r"PASS\s+encryption-table\s+[0-9.]+s", table)
    assert table.splitlines()[-1].startswith("seawall verify passed:")
