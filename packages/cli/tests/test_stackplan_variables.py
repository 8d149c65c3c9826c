"""--var values: JSON-looking values become objects only for variables that are not strings."""

from __future__ import annotations

from pathlib import Path

from seawall.project import Project
from seawall.stackplan import string_variables

ROOT = Path(__file__).resolve().parents[3]


def test_a_json_document_held_in_a_string_variable_stays_a_string() -> None:
    strings = string_variables(Project(ROOT))
    assert "fault_injection" in strings  # `--var fault_injection={"mode": ...}` is a string
    assert "api_canary" not in strings  # an object: its JSON becomes an object
    assert "table" not in strings
    assert "aws_max_retries" not in strings
